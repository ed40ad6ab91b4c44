"""Build plan (written by detect) and buildpack plan (read by build)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pybuildpack.cnb.toml_io import read_toml, write_toml


@dataclass(frozen=True)
class Require:
    name: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanAlternative:
    provides: tuple[str, ...] = ()
    requires: tuple[Require, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.provides:
            data["provides"] = [{"name": name} for name in self.provides]
        if self.requires:
            data["requires"] = [
                {"name": r.name, **({"metadata": r.metadata} if r.metadata else {})}
                for r in self.requires
            ]
        return data


def write_build_plan(path: Path, first: PlanAlternative, *others: PlanAlternative) -> None:
    data = first.to_dict()
    if others:
        data["or"] = [alt.to_dict() for alt in others]
    write_toml(path, data)


@dataclass(frozen=True)
class PlanEntry:
    name: str
    metadata: dict[str, Any]


def read_buildpack_plan(path: Path) -> list[PlanEntry]:
    if not path.is_file():
        return []
    entries = read_toml(path).get("entries", [])
    return [PlanEntry(name=e.get("name", ""), metadata=e.get("metadata", {})) for e in entries]
