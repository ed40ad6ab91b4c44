"""Reading and writing the lifecycle's TOML files (tomllib in, tomlkit out)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import tomlkit


def read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def write_toml(path: Path, data: dict[str, Any]) -> None:
    """Write atomically: a reader (or a failed build) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(tomlkit.dumps(data), encoding="utf-8")
    os.replace(tmp, path)
