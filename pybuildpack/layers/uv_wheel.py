"""Where uv's wheel comes from, and its one binary taken out of it.

uv's default version is in the buildpack's catalog (`[[metadata.dependencies]]` id `uv`, one
manylinux wheel per arch from PyPI, its sha256 one of `locks/tools/uv-<version>.txt`'s), so
the wheel is fetched like CPython: one verified download through the dependency mirrors, with
the CA bundle, and no Python started for it. pip downloads it instead, exactly as before,
when the user has an index of their own (PIP_INDEX_URL, a netrc binding...: pip then reaches
uv's wheel the way their network allows) or asks for a version the catalog does not have.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pybuildpack.cnb.platform import Binding
from pybuildpack.dependencies.catalog import Catalog, Dependency
from pybuildpack.dependencies.fetch import Fetcher
from pybuildpack.errors import InternalError
from pybuildpack.installers.credentials import index_env
from pybuildpack.settings import Settings

MEMBER_SUFFIX = ".data/scripts/uv"


@dataclass(frozen=True)
class Catalogued:
    """What a download from the buildpack's catalog needs (the build's own catalog and
    fetcher), and the settings that say whether the user has an index of their own."""

    catalog: Catalog
    fetcher: Fetcher
    settings: Settings


@dataclass(frozen=True)
class Source:
    """The catalog's wheel, or None and why pip downloads it (for the log)."""

    dependency: Dependency | None
    reason: str


def own_indexes(settings: Settings, bindings: Sequence[Binding]) -> tuple[str, ...]:
    """The index settings the installers get: set in the build env, or from bindings."""
    from_bindings = [name for name in index_env(bindings) if name not in settings.package_indexes]
    return (*settings.package_indexes, *sorted(from_bindings))


def choose(
    catalogued: Catalogued | None, version: str, arch: str, bindings: Sequence[Binding]
) -> Source:
    if catalogued is None:
        return Source(None, "no catalog given")
    indexes = own_indexes(catalogued.settings, bindings)
    if indexes:
        verb = "is" if len(indexes) == 1 else "are"
        return Source(None, f"{', '.join(indexes)} {verb} set")
    dependency = catalogued.catalog.find("uv", version, arch)
    if dependency is None:
        return Source(None, f"the buildpack's catalog has no uv {version} for {arch}")
    return Source(dependency, "")


def extract_binary(wheel: Path, target: Path) -> None:
    """uv's wheel carries the static binary as `uv-<version>.data/scripts/uv`: that one file."""
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.endswith(MEMBER_SUFFIX)]
        if len(names) != 1:
            raise InternalError(f"{wheel.name} has no uv binary (.data/scripts/uv)")
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(names[0]) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out)
    target.chmod(0o755)
