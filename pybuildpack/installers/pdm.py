"""PDM: `pdm install --check --prod --frozen-lockfile` into the venv layer (the active one).

`--check` makes a pdm.lock that no longer matches pyproject.toml fail (pdm `sync` would only
warn); `--frozen-lockfile` keeps pdm from rewriting it.
"""

from __future__ import annotations

from pybuildpack.errors import BuildpackError, CommandFailed, LockFileOutOfDate
from pybuildpack.installers.base import (
    InstallPaths,
    Step,
    tool_env,
)


class PdmInstaller:
    manager = "pdm"
    tool: str | None = "pdm"

    def __init__(self, files: tuple[str, ...]) -> None:
        self.files = files

    def steps(self, paths: InstallPaths, tool_version: str) -> list[Step]:
        assert paths.tool is not None
        env = tool_env(
            paths,
            {
                "PDM_CACHE_DIR": str(paths.cache),
                "PDM_CHECK_UPDATE": "false",
                "PDM_NON_INTERACTIVE": "1",
                "PDM_IGNORE_ACTIVE_VENV": "0",
                "PDM_IGNORE_SAVED_PYTHON": "1",
            },
        )
        command = [str(paths.tool), "install", "--check", "--prod", "--frozen-lockfile"]
        return [
            Step(command, env, "pdm-install", f"Installing from pdm.lock with PDM {tool_version}")
        ]

    def failure(self, error: CommandFailed, output: str) -> BuildpackError | None:
        if "Lockfile doesn't satisfy the project requirements" in output or (
            "pdm lock" in output and "outdated" in output
        ):
            return LockFileOutOfDate("PDM", "pdm.lock", "pdm lock")
        return None
