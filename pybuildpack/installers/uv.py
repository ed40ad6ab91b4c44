"""uv: `uv sync --locked --no-dev` into the venv layer, with our CPython, never a managed one."""

from __future__ import annotations

from pybuildpack.errors import BuildpackError, CommandFailed, LockFileOutOfDate
from pybuildpack.installers.base import (
    InstallPaths,
    Step,
    tool_env,
)


class UvInstaller:
    manager = "uv"
    tool: str | None = "uv"

    def __init__(self, files: tuple[str, ...]) -> None:
        self.files = files

    def steps(self, paths: InstallPaths, tool_version: str) -> list[Step]:
        assert paths.tool is not None
        env = tool_env(
            paths,
            {
                "UV_PROJECT_ENVIRONMENT": str(paths.venv),
                "UV_PYTHON": str(paths.python),
                "UV_PYTHON_DOWNLOADS": "never",
                "UV_NO_MANAGED_PYTHON": "1",
                "UV_CACHE_DIR": str(paths.cache),
                # the cache is another layer: copies, so the venv layer owns its files
                "UV_LINK_MODE": "copy",
                "UV_NO_PROGRESS": "1",
            },
        )
        command = [
            str(paths.tool),
            "sync",
            "--locked",
            "--no-dev",
            "--compile-bytecode",
            "--no-progress",
        ]
        return [Step(command, env, "uv-sync", f"Installing from uv.lock with uv {tool_version}")]

    def failure(self, error: CommandFailed, output: str) -> BuildpackError | None:
        if "needs to be updated, but `--locked` was provided" in output:
            return LockFileOutOfDate("uv", "uv.lock", "uv lock")
        return None
