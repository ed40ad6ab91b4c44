"""pip: requirements.txt, or a project that installs itself (pyproject.toml, setup.py/cfg).

pip runs from its wheel (`python <wheel>/pip`, layers/pip.py) with the venv's interpreter, so it
is never in the launch image. A project installs itself editable: the venv then refers to the app's
source in /workspace, so a source-only rebuild that reuses the venv runs the new source.
"""

from __future__ import annotations

from pybuildpack.errors import BuildpackError, CommandFailed
from pybuildpack.installers.base import InstallPaths, Step, tool_env

PIP_BASE = ["install", "--no-input", "--progress-bar", "off"]


class PipInstaller:
    manager = "pip"
    tool: str | None = None

    def __init__(self, files: tuple[str, ...]) -> None:
        self.files = files

    @property
    def requirements(self) -> bool:
        return "requirements.txt" in self.files

    def steps(self, paths: InstallPaths, tool_version: str) -> list[Step]:
        target = ["--requirement", "requirements.txt"] if self.requirements else ["--editable", "."]
        assert paths.pip_wheel is not None
        env = tool_env(
            paths,
            {
                "PIP_CACHE_DIR": str(paths.cache),
                "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            },
        )
        what = "requirements.txt" if self.requirements else "the project itself (editable)"
        return [
            Step(
                [str(paths.venv / "bin" / "python"), f"{paths.pip_wheel}/pip", *PIP_BASE, *target],
                env,
                "pip-install",
                f"Installing {what} with pip {tool_version}",
            )
        ]

    def failure(self, error: CommandFailed, output: str) -> BuildpackError | None:
        return None
