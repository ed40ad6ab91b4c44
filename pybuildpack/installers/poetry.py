"""Poetry: `poetry sync --only main` (1.x: `install --sync --only main`) into the venv layer.

Poetry installs into the active virtualenv (VIRTUAL_ENV) and never makes its own
(POETRY_VIRTUALENVS_CREATE=false). Without a poetry.lock, one is made at build (a warning).
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from pybuildpack.errors import (
    BuildpackError,
    CommandFailed,
    IncompatibleLockFile,
    LockFileOutOfDate,
)
from pybuildpack.installers.base import (
    InstallPaths,
    Step,
    tool_env,
)


def _major(version: str) -> int:
    try:
        return Version(version).major
    except InvalidVersion:
        return 2


class PoetryInstaller:
    manager = "poetry"
    tool: str | None = "poetry"

    def __init__(self, files: tuple[str, ...], lock_version: str | None = None) -> None:
        self.files = files
        self.lock_version = lock_version  # poetry.lock's, read by the analysis

    @property
    def locked(self) -> bool:
        return "poetry.lock" in self.files

    def steps(self, paths: InstallPaths, tool_version: str) -> list[Step]:
        assert paths.tool is not None
        env = tool_env(
            paths,
            {
                "POETRY_VIRTUALENVS_CREATE": "false",
                "POETRY_CACHE_DIR": str(paths.cache),
                "POETRY_NO_INTERACTION": "1",
            },
        )
        steps: list[Step] = []
        if not self.locked:
            steps.append(
                Step(
                    [str(paths.tool), "lock", "--no-ansi"],
                    env,
                    "poetry-lock",
                    f"Locking with Poetry {tool_version} (no poetry.lock)",
                    warning=(
                        "No poetry.lock: the dependencies are resolved at build",
                        "pyproject.toml has [tool.poetry] but no poetry.lock was found, so each\n"
                        "build may install different versions. Run `poetry lock` and commit\n"
                        "poetry.lock.",
                    ),
                )
            )
        if _major(tool_version) >= 2:
            install = ["sync", "--only", "main"]
        else:
            install = ["install", "--sync", "--only", "main"]
        steps.append(
            Step(
                [str(paths.tool), *install, "--compile", "--no-ansi"],
                env,
                "poetry-install",
                f"Installing from poetry.lock with Poetry {tool_version}",
            )
        )
        return steps

    def failure(self, error: CommandFailed, output: str) -> BuildpackError | None:
        if "changed significantly since poetry.lock was last generated" in output:
            return LockFileOutOfDate("Poetry", "poetry.lock", "poetry lock")
        if "lock file is not compatible with the current version of Poetry" in output:
            return IncompatibleLockFile(
                "poetry.lock", self.lock_version or "?", "Poetry", "", "", "BP_POETRY_VERSION"
            )
        return None
