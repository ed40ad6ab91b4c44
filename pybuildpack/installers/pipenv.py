"""Pipenv: `pipenv install --deploy` into the venv layer (the active virtualenv).

Pipfile.lock is checked up front by the analysis (analysis/manager_files.py), so a stale lock
fails with our error naming `pipenv lock`. A Pipfile
without a lock is locked at build (a warning). [[source]] URLs may use ${VAR}: pipenv expands
them from the build env, so credentials stay out of the files and the image.
"""

from __future__ import annotations

from pybuildpack.errors import (
    BuildpackError,
    CommandFailed,
    LockFileOutOfDate,
)
from pybuildpack.installers.base import InstallPaths, Step, tool_env


class PipenvInstaller:
    manager = "pipenv"
    tool: str | None = "pipenv"

    def __init__(self, files: tuple[str, ...]) -> None:
        self.files = files

    @property
    def locked(self) -> bool:
        return "Pipfile.lock" in self.files

    def steps(self, paths: InstallPaths, tool_version: str) -> list[Step]:
        assert paths.tool is not None
        env = tool_env(
            paths,
            {
                "PIPENV_CACHE_DIR": str(paths.cache),
                "PIP_CACHE_DIR": str(paths.cache / "pip"),
                "PIPENV_YES": "1",
                "PIPENV_NOSPIN": "1",
                "PIPENV_NO_INHERIT": "1",
                "PIPENV_VERBOSITY": "-1",
                "PIPENV_IGNORE_VIRTUALENVS": "0",
            },
        )
        if self.locked:
            return [
                Step(
                    [str(paths.tool), "install", "--deploy"],
                    env,
                    "pipenv-install",
                    f"Installing from Pipfile.lock with pipenv {tool_version}",
                    unset=("PIPENV_VENV_IN_PROJECT", "PIPENV_PIPFILE"),
                )
            ]
        return [
            Step(
                [str(paths.tool), "install"],
                env,
                "pipenv-install",
                f"Locking and installing the Pipfile with pipenv {tool_version}",
                warning=(
                    "No Pipfile.lock: the dependencies are resolved at build",
                    "A Pipfile was found without a Pipfile.lock, so each build may install\n"
                    "different versions. Run `pipenv lock` and commit Pipfile.lock.",
                ),
                unset=("PIPENV_VENV_IN_PROJECT", "PIPENV_PIPFILE"),
            )
        ]

    def failure(self, error: CommandFailed, output: str) -> BuildpackError | None:
        if "is out of date" in output and "Pipfile.lock" in output:
            return LockFileOutOfDate("pipenv", "Pipfile.lock", "pipenv lock")
        return None
