"""The `cpython` layer: a python-build-standalone archive, verified, unpacked and relocated.

In the launch image. Reused while version, arch and the archive's checksum are unchanged.
How it is kept between builds depends on what the build needs:

- When every build runs Python (collectstatic, `BP_PYTHON_ENTRYPOINT_CHECK=import`), the layer
  is cached (launch, build, cache): the lifecycle restores it before each build.
- Otherwise it is launch-only: a rebuild that does not run Python (a source-only change)
  neither restores nor re-tars it; the lifecycle keeps it from the previous image. A rebuild
  that does run Python (a dependency change) unpacks it again from the cache-only
  `cpython-archive` layer, which keeps the installed tree (verified when downloaded, then
  relocated) as one uncompressed tar: no download, no decompression, no relocation.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pybuildpack.cnb.context import BuildContext
from pybuildpack.cnb.layers import Layer, LayerTypes
from pybuildpack.dependencies.archives import extract_tar
from pybuildpack.dependencies.catalog import Dependency
from pybuildpack.dependencies.fetch import Fetcher
from pybuildpack.layers import sbom_components as sbom
from pybuildpack.layers.cpython_relocation import find_sysconfigdata, relocate_cpython
from pybuildpack.layers.download_cache import pack_directory, unpack_archive
from pybuildpack.layers.reuse import Found, find_launch_layer
from pybuildpack.log import Logger, format_duration
from pybuildpack.runner import run

LAYER = "cpython"
ARCHIVE_LAYER = "cpython-archive"
TREE = "cpython.tar"


class CPythonMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    python_version: str
    arch: str
    checksum: str
    distro: str = ""  # CNB_TARGET_DISTRO_NAME and _VERSION, e.g. "debian 12"


LABELS = {
    "distro": "the distribution",
    "python_version": "the Python version",
    "arch": "the architecture",
    "checksum": "the archive's checksum",
}


def python_home(ctx: BuildContext) -> Path:
    return Layer(ctx.layers_dir, LAYER).path


def contribute(
    ctx: BuildContext,
    dependency: Dependency,
    fetcher: Fetcher,
    log: Logger,
    *,
    run_now: bool,
    every_build: bool,
) -> Path:
    """CPython's home. `run_now`: this build runs it (its files must be there);
    `every_build`: every build does (then the layer is cached, not launch-only)."""
    layer = Layer(ctx.layers_dir, LAYER)
    wanted = _wanted(ctx, dependency)
    log.header(f"Installing CPython {dependency.version}")
    found = find_launch_layer(layer, wanted, "CPython", log, LABELS)
    if found is Found.IN_IMAGE and not (run_now or every_build):
        log.detail(
            "Reusing cached CPython (kept in the previous image: this build does not run it)"
        )
        # its SBOM files were restored by the lifecycle with the layer's metadata
        layer.keep_from_previous_image(wanted.model_dump())
        _keep_archive(ctx, dependency)
        return layer.path
    if found is not Found.RESTORED:
        if found is Found.IN_IMAGE:
            log.detail(
                "Reusing cached CPython (kept in the previous image, unpacked for this build)"
            )
            layer.reset()
        if not _unpack_tree(ctx, dependency, layer.path, log):
            with tempfile.TemporaryDirectory(prefix="pybuildpack-") as tmp:
                started = time.monotonic()
                archive = fetcher.fetch(dependency, Path(tmp), log=log)  # logs the source
                log.subdetail(f"Completed in {format_duration(time.monotonic() - started)}")
                log.subdetail(f"Verified sha256 {dependency.sha256}")
                with log.timed("Unpacking"):
                    extract_tar(archive, layer.path, strip_components=1, uri=dependency.uri)
            changed = relocate_cpython(layer.path, log=log)
            log.debug(f"Rewrote build-time paths in {len(changed)} file(s)")
            _compile_hash_checked(layer.path, find_sysconfigdata(layer.path), log)
            if not every_build:
                _save_tree(ctx, dependency, layer.path, log)
    types = LayerTypes(launch=True, build=every_build, cache=every_build)
    layer.write(types, wanted.model_dump())
    sbom.write(ctx.layers_dir, ctx.buildpack_dir, LAYER, sbom.cpython(dependency, layer.path))
    if every_build:
        Layer(ctx.layers_dir, ARCHIVE_LAYER).toml_path.unlink(missing_ok=True)  # not needed
    return layer.path


def _wanted(ctx: BuildContext, dependency: Dependency) -> CPythonMetadata:
    return CPythonMetadata(
        python_version=dependency.version,
        arch=dependency.arch,
        checksum=dependency.checksum,
        distro=ctx.target.distro,
    )


def in_previous_image(ctx: BuildContext, dependency: Dependency) -> bool:
    """The previous image holds this very CPython as a launch-only layer (asked before
    `contribute`, which rewrites the layer's metadata)."""
    layer = Layer(ctx.layers_dir, LAYER)
    return layer.previous_metadata() == _wanted(ctx, dependency).model_dump()


def release(ctx: BuildContext, dependency: Dependency, log: Logger) -> None:
    """After a build that ran a CPython unpacked from the cache while the previous image holds
    the very same layer (a dependency change): drop the files again, so the export keeps the
    image's layer instead of re-tarring 2,750 files to find the same digest. Only for a
    launch-only layer (no later buildpack runs it at build)."""
    layer = Layer(ctx.layers_dir, LAYER)
    if layer.path.is_dir():
        layer.keep_from_previous_image(_wanted(ctx, dependency).model_dump())
        log.debug("CPython: the files unpacked for this build dropped; the image's layer kept")


def _tree_metadata(dependency: Dependency) -> dict[str, str]:
    return {"checksum": dependency.checksum, "format": TREE}


def _keep_archive(ctx: BuildContext, dependency: Dependency) -> None:
    archive = Layer(ctx.layers_dir, ARCHIVE_LAYER)
    if archive.restored_metadata() == _tree_metadata(dependency):
        archive.write(LayerTypes(cache=True), _tree_metadata(dependency))
    else:
        archive.toml_path.unlink(missing_ok=True)


def _unpack_tree(ctx: BuildContext, dependency: Dependency, home: Path, log: Logger) -> bool:
    """CPython as this buildpack installed it before (verified, unpacked, relocated), from the
    cache-only layer: one uncompressed tar, unpacked by the system's tar. False: not there."""
    layer = Layer(ctx.layers_dir, ARCHIVE_LAYER)
    tree = layer.path / TREE
    if layer.restored_metadata() != _tree_metadata(dependency) or not tree.is_file():
        return False
    with log.timed("Unpacking the installed CPython kept in the cache (one file)"):
        unpack_archive(tree, home)
    layer.write(LayerTypes(cache=True), _tree_metadata(dependency))
    return True


def _save_tree(ctx: BuildContext, dependency: Dependency, home: Path, log: Logger) -> None:
    """Keep the installed CPython as one uncompressed tar: a rebuild that runs Python (a
    dependency change) unpacks it in a fraction of the download-verify-unpack-relocate time."""
    layer = Layer(ctx.layers_dir, ARCHIVE_LAYER)
    layer.reset()
    with log.timed("Keeping the installed CPython in the cache (one file)"):
        pack_directory(home, layer.path / TREE)
    layer.write(LayerTypes(cache=True), _tree_metadata(dependency))


def _compile_hash_checked(home: Path, source: Path, log: Logger) -> None:
    """Bytecode for the rewritten sysconfig module that stays valid whatever the file times.

    A timestamp-based .pyc would be rewritten the next time Python imports the module after
    the lifecycle restores the layer (with normalized times), changing a reused layer.
    """
    code = (
        "import py_compile, sys\n"
        "py_compile.compile(sys.argv[1], doraise=True,\n"
        "    invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)\n"
    )
    run(
        [str(home / "bin" / "python3"), "-I", "-c", code, str(source)],
        step="cpython",
        env={"PATH": "/usr/bin:/bin"},
        log=log,
        capture=True,
    )
