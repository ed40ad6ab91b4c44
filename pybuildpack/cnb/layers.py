"""Layers: `<layers>/<name>/` plus `<name>.toml` with `[types]` and `[metadata]`.

A layer's content is written first and its `.toml` last, so a build that fails part-way
never leaves a layer the lifecycle would cache or export as complete.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from pybuildpack.cnb.toml_io import read_toml, write_toml

FORBIDDEN_NAMES = frozenset({"build", "launch", "store"})


class EnvScope(Enum):
    ALL = "env"  # launch, and build for later buildpacks when the layer is a build layer
    BUILD = "env.build"
    LAUNCH = "env.launch"


class EnvOp(Enum):
    OVERRIDE = "override"
    DEFAULT = "default"
    PREPEND = "prepend"
    APPEND = "append"


@dataclass(frozen=True)
class LayerTypes:
    launch: bool = False
    build: bool = False
    cache: bool = False


class Layer:
    def __init__(self, layers_dir: Path, name: str) -> None:
        if name in FORBIDDEN_NAMES or "/" in name or not name:
            raise ValueError(f"invalid layer name {name!r}")
        self.name = name
        self.path = layers_dir / name
        self.toml_path = layers_dir / f"{name}.toml"

    # --- metadata ---------------------------------------------------------------------------

    def restored_metadata(self) -> dict[str, Any] | None:
        """The `[metadata]` the lifecycle restored from the cache or previous image, if any.

        Only counts when the content is there too (a launch-only layer restores metadata
        without content, and we never rely on that).
        """
        if not self.toml_path.is_file() or not self.path.is_dir():
            return None
        try:
            data = read_toml(self.toml_path)
        except (OSError, ValueError):
            return None
        metadata = data.get("metadata")
        return metadata if isinstance(metadata, dict) else {}

    def previous_metadata(self) -> dict[str, Any] | None:
        """The `[metadata]` of a launch layer kept in the previous image, whose content the
        lifecycle did not restore (launch=true, cache=false): None when there is none, or
        when the content was restored (then restored_metadata() is the one to use)."""
        if not self.toml_path.is_file() or self.path.exists():
            return None
        try:
            data = read_toml(self.toml_path)
        except (OSError, ValueError):
            return None
        metadata = data.get("metadata")
        return metadata if isinstance(metadata, dict) else {}

    def keep_from_previous_image(self, metadata: dict[str, Any]) -> None:
        """Export the previous image's layer as it is: `<name>.toml` with launch=true and no
        directory, so the lifecycle neither restores nor re-tars it (Buildpack API: a launch
        layer without contents is reused from the previous image)."""
        if self.path.exists() or self.path.is_symlink():
            shutil.rmtree(self.path)
        write_toml(
            self.toml_path,
            {"types": {"launch": True, "build": False, "cache": False}, "metadata": metadata},
        )

    def reset(self) -> None:
        """Drop whatever was restored; the layer starts empty."""
        self.toml_path.unlink(missing_ok=True)
        if self.path.exists() or self.path.is_symlink():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)

    def write(self, types: LayerTypes, metadata: dict[str, Any]) -> None:
        """Mark the layer complete (types must be set again on every build)."""
        self.path.mkdir(parents=True, exist_ok=True)
        write_toml(
            self.toml_path,
            {
                "types": {"launch": types.launch, "build": types.build, "cache": types.cache},
                "metadata": metadata,
            },
        )

    # --- env ----------------------------------------------------------------------------------

    def set_env(
        self,
        name: str,
        value: str,
        *,
        scope: EnvScope = EnvScope.ALL,
        op: EnvOp = EnvOp.OVERRIDE,
        delim: str | None = None,
        process: str | None = None,
    ) -> None:
        env_dir = self.path / scope.value
        if process:
            if scope is not EnvScope.LAUNCH:
                raise ValueError("process-specific env is launch-only")
            env_dir = env_dir / process
        env_dir.mkdir(parents=True, exist_ok=True)
        (env_dir / f"{name}.{op.value}").write_text(value, encoding="utf-8")
        if delim is not None:
            (env_dir / f"{name}.delim").write_text(delim, encoding="utf-8")

    def add_exec_d(self, name: str, content: str, process: str | None = None) -> Path:
        directory = self.path / "exec.d"
        if process:
            directory = directory / process
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / name
        target.write_text(content, encoding="utf-8")
        target.chmod(0o755)
        return target
