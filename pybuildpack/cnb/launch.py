"""`<layers>/launch.toml`: process types and labels (buildpack API 0.10: direct processes)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pybuildpack.cnb.toml_io import write_toml

PROCESS_TYPE = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class Process:
    type: str
    command: tuple[str, ...]
    args: tuple[str, ...] = ()
    default: bool = False
    working_dir: str | None = None

    def __post_init__(self) -> None:
        if not PROCESS_TYPE.match(self.type):
            raise ValueError(f"invalid process type {self.type!r}")
        if not self.command:
            raise ValueError("a process needs a command")


@dataclass(frozen=True)
class Label:
    key: str
    value: str


@dataclass
class Launch:
    processes: list[Process] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.labels:
            data["labels"] = [{"key": label.key, "value": label.value} for label in self.labels]
        if self.processes:
            entries = []
            for proc in self.processes:
                entry: dict[str, Any] = {
                    "type": proc.type,
                    "command": list(proc.command),
                    "args": list(proc.args),
                    "default": proc.default,
                }
                if proc.working_dir:
                    entry["working-dir"] = proc.working_dir
                entries.append(entry)
            data["processes"] = entries
        return data


def write_launch(layers_dir: Path, launch: Launch) -> None:
    defaults = [p.type for p in launch.processes if p.default]
    if len(defaults) > 1:
        raise ValueError(f"only one default process allowed, got {defaults}")
    write_toml(layers_dir / "launch.toml", launch.to_dict())
