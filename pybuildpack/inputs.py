"""What a build (and `pybuildpack plan`) reads from the platform before the analysis.

The settings from the env, the dependency catalog (buildpack.toml, with operators' catalogs
from `dependency-catalog` bindings taking over), the mirrors (settings over a
`dependency-mirror` binding) and the certificates of `ca-certificates` bindings. Every one of
them is read and checked here, writing nothing, so a bad setting or binding fails `plan`
exactly as it fails a build, before any download.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pybuildpack.cnb.platform import Binding
from pybuildpack.dependencies.ca import binding_certificates
from pybuildpack.dependencies.catalog import Catalog, effective_catalog
from pybuildpack.dependencies.mirrors import Mirror
from pybuildpack.settings import Settings, load_configurations


@dataclass(frozen=True)
class Inputs:
    settings: Settings
    catalog: Catalog
    mirror: Mirror
    certificates: tuple[str, ...]  # PEM texts from ca-certificates bindings


def read_inputs(buildpack_dir: Path, env: Mapping[str, str], bindings: Sequence[Binding]) -> Inputs:
    buildpack_toml = buildpack_dir / "buildpack.toml"
    settings = Settings.from_env(env, load_configurations(buildpack_toml))
    return Inputs(
        settings=settings,
        catalog=effective_catalog(buildpack_toml, bindings),
        mirror=Mirror.from_settings(
            settings.dependency_mirror, settings.dependency_mirror_hosts, bindings
        ),
        certificates=binding_certificates(bindings),
    )
