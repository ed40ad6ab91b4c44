"""The `venv` layer: the app's virtual environment, in the launch image.

Reused untouched when the dependency files (lock included), Python version and installer (the
tool and its version) are unchanged; otherwise made anew, so no package removed from the
requirements survives. The installer (pybuildpack/installers) says what to run; each manager's
downloads live in its own cache-only layer (one archive file: layers/download_cache.py), so
a changed lock file rebuilds fast.

When the build needs the venv's files every time (collectstatic, an import check, a start
command whose module is in the venv) the layer is cached and in the build too; otherwise it is
launch-only: a rebuild that reuses it (a source-only change) neither restores nor re-tars it,
the lifecycle keeps it from the previous image.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pybuildpack.analysis.analyze import BuildPlan
from pybuildpack.cnb.context import BuildContext
from pybuildpack.cnb.layers import Layer, LayerTypes
from pybuildpack.errors import CommandFailed
from pybuildpack.installers import Installer, InstallPaths
from pybuildpack.layers import sbom_components as sbom
from pybuildpack.layers.download_cache import DownloadCache
from pybuildpack.layers.reuse import Found, find_launch_layer
from pybuildpack.log import Logger
from pybuildpack.runner import run

LAYER = "venv"
# each manager's download cache: cache-only layers, never in an image
CACHE_LAYERS = {
    "pip": "pip-cache",
    "uv": "uv-cache",
    "poetry": "poetry-cache",
    "pipenv": "pipenv-cache",
    "pdm": "pdm-cache",
}


class VenvMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    python_version: str
    arch: str
    installer: str
    dependencies_sha256: str
    distro: str = ""  # CNB_TARGET_DISTRO_NAME and _VERSION, e.g. "debian 12"


LABELS = {
    "distro": "the distribution",
    "python_version": "the Python version",
    "arch": "the architecture",
    "installer": "the installer",
    "dependencies_sha256": "the dependency files (sha256)",
}


def dependencies_digest(app_dir: Path, files: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode() + b"\0")
        digest.update((app_dir / name).read_bytes() + b"\0")
    return digest.hexdigest()


def path(ctx: BuildContext) -> Path:
    return Layer(ctx.layers_dir, LAYER).path


def wanted_metadata(ctx: BuildContext, plan: BuildPlan, installer_label: str) -> VenvMetadata:
    return VenvMetadata(
        python_version=str(plan.python_version),
        arch=ctx.target.arch,
        installer=installer_label,
        dependencies_sha256=dependencies_digest(ctx.app_dir, plan.dependency_files),
        distro=ctx.target.distro,
    )


def find(ctx: BuildContext, wanted: VenvMetadata, log: Logger) -> Found:
    """Is the venv reusable (restored, or kept in the previous image)? Logs why not."""
    return find_launch_layer(
        Layer(ctx.layers_dir, LAYER), wanted, "virtual environment", log, LABELS
    )


def download_cache(
    ctx: BuildContext, plan: BuildPlan, installer: Installer | None
) -> DownloadCache:
    manager = installer.manager if installer else "pip"
    return DownloadCache(ctx, CACHE_LAYERS[manager], str(plan.python_version), ctx.target.arch)


def keep(
    ctx: BuildContext, wanted: VenvMetadata, found: Found, every_build: bool, log: Logger
) -> Path:
    """Reuse the venv as found (RESTORED, or IN_IMAGE when the build does not need it)."""
    layer = Layer(ctx.layers_dir, LAYER)
    if found is Found.IN_IMAGE:
        log.detail(
            "Reusing cached virtual environment (kept in the previous image: not needed at build)"
        )
        layer.keep_from_previous_image(wanted.model_dump())
    else:
        layer.write(
            LayerTypes(launch=True, build=every_build, cache=every_build), wanted.model_dump()
        )
    return layer.path


def contribute(
    ctx: BuildContext,
    wanted: VenvMetadata,
    python_home: Path,
    pip_wheel: Path | None,
    installer: Installer | None,
    installer_label: str,
    tool: Path | None,
    cache: DownloadCache,
    every_build: bool,
    env: Mapping[str, str],
    log: Logger,
) -> Path:
    """Make the venv anew with the app's dependencies; `installer_label` is e.g. "uv 0.13.8"."""
    layer = Layer(ctx.layers_dir, LAYER)
    layer.reset()
    run(
        [str(python_home / "bin" / "python3"), "-m", "venv", "--without-pip", str(layer.path)],
        step="venv",
        env=env,
        log=log,
    )
    if installer is None:
        log.detail("No dependency files: created an empty virtual environment")
        cache.keep()
    else:
        with cache.unpacked(log) as cache_dir:
            paths = InstallPaths(
                app_dir=ctx.app_dir,
                venv=layer.path,
                python=python_home / "bin" / "python3",
                cache=cache_dir,
                pip_wheel=pip_wheel,
                tool=tool,
            )
            _install(installer, paths, installer_label.split(" ")[-1], env, log)
    _write_env(layer)
    layer.write(LayerTypes(launch=True, build=every_build, cache=every_build), wanted.model_dump())
    sbom.write(ctx.layers_dir, ctx.buildpack_dir, LAYER, sbom.environment(layer.path))
    return layer.path


def _install(
    installer: Installer,
    paths: InstallPaths,
    tool_version: str,
    env: Mapping[str, str],
    log: Logger,
) -> None:
    for step in installer.steps(paths, tool_version):
        if step.warning:
            log.warning(*step.warning)
        step_env = {k: v for k, v in env.items() if k not in step.unset}
        step_env.update(step.env)
        with log.timed(step.description):
            try:
                run(step.command, step=step.step, env=step_env, log=log, cwd=paths.app_dir)
            except CommandFailed as err:
                mapped = installer.failure(err, err.output)
                if mapped is not None:
                    raise mapped from err
                raise


def _write_env(layer: Layer) -> None:
    layer.set_env("VIRTUAL_ENV", str(layer.path))
    layer.set_env("PYTHONUNBUFFERED", "1")
