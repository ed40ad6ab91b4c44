"""The one small protocol every package manager's installer follows, and what they share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pybuildpack.errors import BuildpackError, CommandFailed


@dataclass(frozen=True)
class InstallPaths:
    """Where things are during the install (all absolute)."""

    app_dir: Path
    venv: Path  # the venv layer (already made with `python -m venv --without-pip`)
    python: Path  # the cpython layer's python3
    cache: Path  # the manager's download cache (unpacked from its cache-only layer)
    pip_wheel: Path | None  # the pip wheel pip runs from (`python <wheel>/pip`), for pip
    tool: Path | None = None  # the manager's executable in its tool layer


@dataclass(frozen=True)
class Step:
    """One command of an install, with the env vars it needs on top of the build env."""

    command: list[str]
    env: dict[str, str]
    step: str  # CommandFailed.step: says which message the user sees on failure
    description: str  # for the log
    warning: tuple[str, str] | None = None  # (title, body) printed before it runs
    unset: tuple[str, ...] = field(default_factory=tuple)  # build env vars it must not see


class Installer(Protocol):
    manager: str  # the PackageManager value
    tool: str | None  # the PyPI name of the tool it runs (None: our pip layer)
    files: tuple[str, ...]  # the files it installs from (lock included)

    def steps(self, paths: InstallPaths, tool_version: str) -> list[Step]:
        """The commands that install the app's production dependencies into paths.venv."""
        ...

    def failure(self, error: CommandFailed, output: str) -> BuildpackError | None:
        """Our own error for a failure the tool's output explains (None: the generic one)."""
        ...


def tool_env(paths: InstallPaths, extra: Mapping[str, str]) -> dict[str, str]:
    """The env every manager's install shares: the venv is the active one."""
    return {"VIRTUAL_ENV": str(paths.venv), **extra}
