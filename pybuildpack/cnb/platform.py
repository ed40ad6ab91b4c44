"""Platform inputs: `<platform>/env/` files and service bindings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


def read_platform_env(platform_dir: Path) -> dict[str, str]:
    """Each file in `<platform>/env/` is a variable, named as the file, valued as its content."""
    env_dir = platform_dir / "env"
    values: dict[str, str] = {}
    if not env_dir.is_dir():
        return values
    for entry in sorted(env_dir.iterdir()):
        if entry.is_file():
            values[entry.name] = entry.read_text(encoding="utf-8", errors="replace")
    return values


@dataclass(frozen=True)
class Binding:
    """A service binding: a directory with a `type` file and one file per secret entry."""

    name: str
    type: str
    path: Path
    provider: str = ""
    entries: tuple[str, ...] = field(default_factory=tuple)

    def entry(self, key: str) -> Path:
        return self.path / key


def bindings_root(platform_dir: Path, env: Mapping[str, str]) -> Path:
    """`SERVICE_BINDING_ROOT` wins over `<platform>/bindings`, as the spec says."""
    root = env.get("SERVICE_BINDING_ROOT")
    return Path(root) if root else platform_dir / "bindings"


def read_bindings(root: Path) -> list[Binding]:
    found: list[Binding] = []
    if not root.is_dir():
        return found
    for entry in sorted(root.iterdir()):
        type_file = entry / "type"
        if not entry.is_dir() or not type_file.is_file():
            continue
        provider_file = entry / "provider"
        found.append(
            Binding(
                name=entry.name,
                type=type_file.read_text(encoding="utf-8").strip(),
                path=entry,
                provider=(
                    provider_file.read_text(encoding="utf-8").strip()
                    if provider_file.is_file()
                    else ""
                ),
                entries=tuple(
                    sorted(
                        p.name
                        for p in entry.iterdir()
                        if p.name not in {"type", "provider"} and not p.name.startswith("..")
                    )
                ),
            )
        )
    return found


def bindings_of_type(bindings: list[Binding], binding_type: str) -> list[Binding]:
    wanted = binding_type.lower()
    return [b for b in bindings if b.type.lower() == wanted]


def merged_env(process_env: Mapping[str, str], platform_env: Mapping[str, str]) -> dict[str, str]:
    """The env a buildpack's settings are read from: platform env files over the process env.

    With `clear-env = false` the lifecycle already exports the platform env into the process,
    so this only matters when the buildpack is run outside the lifecycle (tests, `plan`).
    """
    merged = dict(process_env)
    merged.update(platform_env)
    return merged


def current_env() -> dict[str, str]:
    return dict(os.environ)
