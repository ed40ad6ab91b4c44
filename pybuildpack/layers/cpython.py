"""The `cpython` layer: a python-build-standalone archive, verified, unpacked and relocated.

Cached, and in the build and the launch image. Reused while version, arch and the archive's
checksum are unchanged.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pybuildpack.cnb.context import BuildContext
from pybuildpack.cnb.layers import Layer, LayerTypes
from pybuildpack.dependencies.archives import extract_tar
from pybuildpack.dependencies.catalog import Dependency
from pybuildpack.dependencies.fetch import Fetcher
from pybuildpack.layers import sbom_components as sbom
from pybuildpack.layers.cpython_relocation import find_sysconfigdata, relocate_cpython
from pybuildpack.layers.reuse import reuse_or_reset
from pybuildpack.log import Logger
from pybuildpack.runner import run

LAYER = "cpython"


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


def contribute(ctx: BuildContext, dependency: Dependency, fetcher: Fetcher, log: Logger) -> Path:
    layer = Layer(ctx.layers_dir, LAYER)
    wanted = CPythonMetadata(
        python_version=dependency.version,
        arch=dependency.arch,
        checksum=dependency.checksum,
        distro=ctx.target.distro,
    )
    log.header(f"Installing CPython {dependency.version}")
    if not reuse_or_reset(layer, wanted, "CPython", log, LABELS):
        with tempfile.TemporaryDirectory(prefix="pybuildpack-") as tmp:
            with log.timed(f"Downloading {dependency.uri}"):
                archive = fetcher.fetch(dependency, Path(tmp), log=log)
            log.subdetail(f"Verified sha256 {dependency.sha256}")
            with log.timed("Unpacking"):
                extract_tar(archive, layer.path, strip_components=1, uri=dependency.uri)
        changed = relocate_cpython(layer.path, log=log)
        log.debug(f"Rewrote build-time paths in {len(changed)} file(s)")
        _compile_hash_checked(layer.path, find_sysconfigdata(layer.path), log)
    layer.write(LayerTypes(launch=True, build=True, cache=True), wanted.model_dump())
    sbom.write(ctx.layers_dir, ctx.buildpack_dir, LAYER, sbom.cpython(dependency, layer.path))
    return layer.path


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
