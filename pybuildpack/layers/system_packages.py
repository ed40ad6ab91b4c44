"""The `system-packages` layers: .deb packages unpacked for the app's native needs.

* `system-packages` (launch, build, cache): the shared libraries the app loads at run time
  (libpq5, libmariadb3, ...) with the dependencies the run image lacks.
* `system-packages-build` (build, cache): what compiling from source needs (libpq-dev,
  libmariadb-dev, pkg-config, ...), with the dependencies the build image lacks. It is
  complete on its own (a `-dev` package's `libfoo.so` link finds its library next to it).
* `system-packages-index` (cache only): verified Packages.xz files by sha256, so an
  unchanged archive index is not downloaded again.

What the images already have:
* run image: the distribution's required set (`Priority: required`, `Essential: yes`, and
  their unconditional dependencies, read from the same signed index). Every image built
  from the distribution's base (debootstrap minbase, the official images) has it. A build
  cannot read the run image's dpkg database, so nothing else is assumed.
* build image: its own `/var/lib/dpkg/status` (the build runs in it).
A package asked for by name (by the mapping or the user) is always installed.

Each layer is reused while its package set (names, versions, sha256s) is unchanged.
Without CNB_TARGET_DISTRO_*, the build image's distribution is read with the standard
library's `platform.freedesktop_os_release` (it knows the file's quoting and fallback path).
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pybuildpack import debian
from pybuildpack.analysis.system_packages import SystemPackages
from pybuildpack.cnb.context import BuildContext
from pybuildpack.cnb.layers import EnvOp, EnvScope, Layer, LayerTypes
from pybuildpack.cnb.sbom import remove_layer_sbom
from pybuildpack.dependencies.fetch import Fetcher
from pybuildpack.dependencies.mirrors import Mirror
from pybuildpack.layers import sbom_components as sbom
from pybuildpack.layers.reuse import reuse_or_reset
from pybuildpack.log import Logger
from pybuildpack.settings import Settings

LAUNCH_LAYER = "system-packages"
BUILD_LAYER = "system-packages-build"
INDEX_LAYER = "system-packages-index"


class PackagesMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    distro: str
    packages: list[str]  # "name=version", sorted
    checksums_sha256: str  # over the sorted "name sha256" lines


LABELS = {
    "distro": "the distribution",
    "packages": "the packages",
    "checksums_sha256": "the packages' checksums",
}


def _metadata(distro: debian.Distro, packages: Sequence[debian.Package]) -> PackagesMetadata:
    lines = sorted(f"{p.name} {p.sha256}" for p in packages)
    return PackagesMetadata(
        distro=distro.describe(),
        packages=sorted(f"{p.name}={p.version}" for p in packages),
        checksums_sha256=hashlib.sha256("\n".join(lines).encode()).hexdigest(),
    )


def _os_release() -> tuple[str, str]:
    """ID and VERSION_ID of the build image, read by the standard library (/etc/os-release,
    else /usr/lib/os-release, with the format's quoting and escapes); ("", "") without one."""
    try:
        values = platform.freedesktop_os_release()
    except OSError:
        return "", ""
    return values.get("ID", ""), values.get("VERSION_ID", "")


def _remove(layer: Layer) -> None:
    remove_layer_sbom(layer.path.parent, layer.name)
    layer.toml_path.unlink(missing_ok=True)
    if layer.path.exists():
        shutil.rmtree(layer.path)


def _existing(root: Path, relative: Sequence[str]) -> list[str]:
    return [str(root / rel) for rel in relative if (root / rel).is_dir()]


def layer_env(root: Path, multiarch: str, *, build: bool) -> dict[str, list[str]]:
    """The directories of an unpacked tree for each variable (only those that exist)."""
    libs = _existing(root, [f"usr/lib/{multiarch}", f"lib/{multiarch}", "usr/lib", "lib"])
    env: dict[str, list[str]] = {
        "LD_LIBRARY_PATH": libs,
        "PATH": _existing(root, ["usr/bin", "bin", "usr/sbin", "sbin"]),
    }
    if build:
        includes = _existing(root, ["usr/include", f"usr/include/{multiarch}"])
        top = root / "usr" / "include"
        if top.is_dir():  # pg_config and friends name /usr/include/<sub>: point there too
            for directory in sorted(p for p in top.rglob("*") if p.is_dir()):
                if str(directory) not in includes and any(directory.glob("*.h")):
                    includes.append(str(directory))
        env["LIBRARY_PATH"] = libs
        env["CPATH"] = includes
        env["PKG_CONFIG_PATH"] = _existing(
            root, [f"usr/lib/{multiarch}/pkgconfig", "usr/lib/pkgconfig", "usr/share/pkgconfig"]
        )
    return {name: dirs for name, dirs in env.items() if dirs}


def _install(
    layer: Layer,
    packages: Sequence[debian.Package],
    allow_scripts: frozenset[str],
    fetcher: Fetcher,
    log: Logger,
) -> None:
    size = sum(p.size for p in packages)
    with tempfile.TemporaryDirectory(prefix="pybuildpack-debs-") as tmp:
        with log.timed(f"Downloading {len(packages)} package(s), {size / 1e6:.1f} MB"):
            debs = debian.download(packages, Path(tmp), fetcher, log)
        for deb in debs:  # before anything is unpacked: a refusal leaves no half layer
            debian.check_scripts(deb, allow_scripts)
        with log.timed("Unpacking"):
            for deb in debs:
                debian.unpack(deb, layer.path)
                log.debug(f"{deb.package.name} {deb.package.version} sha256 {deb.package.sha256}")
    for pc in layer.path.rglob("*.pc"):
        if pc.parent.name == "pkgconfig" and debian.rewrite_pc_file(pc, layer.path):
            log.debug(f"rewrote prefix in {pc.relative_to(layer.path)}")


def _size(root: Path) -> int:
    total = 0
    for directory, _, files in os.walk(root):
        for name in files:
            path = Path(directory) / name
            if not path.is_symlink():
                total += path.stat().st_size
    return total


def _contribute_layer(
    layer: Layer,
    what: str,
    distro: debian.Distro,
    packages: Sequence[debian.Package],
    plan: SystemPackages,
    types: LayerTypes,
    fetcher: Fetcher,
    log: Logger,
) -> dict[str, list[str]]:
    if not packages:
        _remove(layer)
        return {}
    log.detail(f"{what}: " + ", ".join(f"{p.name} {p.version}" for p in packages))
    wanted = _metadata(distro, packages)
    build = not types.launch
    if not reuse_or_reset(layer, wanted, what, log, LABELS):
        _install(layer, packages, plan.allow_scripts, fetcher, log)
        env = layer_env(layer.path, distro.multiarch, build=build)
        for name, dirs in env.items():
            layer.set_env(name, ":".join(dirs), op=EnvOp.PREPEND, delim=":")
        if types.launch:  # the build also compiles against them (LIBRARY_PATH)
            libs = env.get("LD_LIBRARY_PATH", [])
            if libs:
                layer.set_env(
                    "LIBRARY_PATH",
                    ":".join(libs),
                    scope=EnvScope.BUILD,
                    op=EnvOp.PREPEND,
                    delim=":",
                )
        log.subdetail(f"{what}: {_size(layer.path) / 1e6:.1f} MB unpacked")
    layer.write(types, wanted.model_dump())
    env = layer_env(layer.path, distro.multiarch, build=build)
    if types.launch and "LD_LIBRARY_PATH" in env:
        env["LIBRARY_PATH"] = env["LD_LIBRARY_PATH"]
    return env


def contribute(
    ctx: BuildContext,
    plan: SystemPackages,
    settings: Settings,
    fetcher: Fetcher,
    env: Mapping[str, str],
    log: Logger,
    *,
    dpkg_status: Path = debian.DPKG_STATUS,
) -> dict[str, str]:
    """Install the plan's packages; returns `env` with the layers' directories prepended."""
    launch_layer = Layer(ctx.layers_dir, LAUNCH_LAYER)
    build_layer = Layer(ctx.layers_dir, BUILD_LAYER)
    if not plan:
        _remove(launch_layer)
        _remove(build_layer)
        return dict(env)
    log.header("Installing system packages")
    for package, why in plan.reasons:
        log.detail(f"{package} ({why})")
    name, version = ctx.target.distro_name, ctx.target.distro_version
    if not name:
        name, version = _os_release()
        log.detail(f"CNB_TARGET_DISTRO_NAME is not set: using the build image's ({name} {version})")
    distro = debian.distro_for(
        name,
        version,
        ctx.target.arch,
        settings.system_packages_mirror,
        settings.system_packages_security_mirror,
    )
    # Only hostname mirrors (BP_DEPENDENCY_MIRROR_DEB_DEBIAN_ORG...) apply to the archives:
    # a default BP_DEPENDENCY_MIRROR is for the catalog's downloads.
    fetcher = replace(fetcher, mirror=Mirror(hosts=fetcher.mirror.hosts))
    index_layer = Layer(ctx.layers_dir, INDEX_LAYER)
    index_metadata = {"distro": distro.describe()}
    if index_layer.restored_metadata() != index_metadata:
        index_layer.reset()
    with log.timed(f"Reading the {distro.describe()} package index (signature checked)"):
        index, _ = debian.load_index(distro, fetcher, index_layer.path, log)
    index_layer.write(LayerTypes(cache=True), index_metadata)

    launch = debian.resolve(index, plan.launch, index.base_closure(), distro.describe())
    build = debian.resolve(
        index, plan.build, debian.installed_packages(dpkg_status), distro.describe()
    )
    added: dict[str, list[str]] = {}
    for layer, what, packages, types in (
        (
            launch_layer,
            "run-time packages",
            launch,
            LayerTypes(launch=True, build=True, cache=True),
        ),
        (build_layer, "build-time packages", build, LayerTypes(build=True, cache=True)),
    ):
        for key, dirs in _contribute_layer(
            layer, what, distro, packages, plan, types, fetcher, log
        ).items():
            added[key] = dirs + added.get(key, [])
    sbom.write(ctx.layers_dir, ctx.buildpack_dir, LAUNCH_LAYER, sbom.debs(launch, distro))
    result = dict(env)
    for key, dirs in added.items():
        old = result.get(key, "")
        result[key] = ":".join(dirs + ([old] if old else []))
    return result
