"""pip, run from its wheel: `python pip-X-py3-none-any.whl/pip install ...`.

No pip is installed anywhere (no layer of a thousand files for the lifecycle to restore on
every build). The wheel is CPython's own bundled one (ensurepip) when that is the pinned
version; otherwise the pinned wheel, downloaded once by the bundled pip (so index settings,
netrc and the CA bundle apply), is kept in the cache-only `pip` layer: one file. pip is never
in the launch image and never on the app venv's sys.path.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pybuildpack.cnb.context import BuildContext
from pybuildpack.cnb.layers import Layer, LayerTypes
from pybuildpack.errors import InternalError
from pybuildpack.layers.reuse import reuse_or_reset
from pybuildpack.log import Logger
from pybuildpack.runner import run

LAYER = "pip"


class PipMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pip_version: str


def bundled_pip_wheel(python_home: Path) -> Path:
    wheels = sorted(python_home.glob("lib/python3*/ensurepip/_bundled/pip-*.whl"))
    if not wheels:
        raise InternalError(f"no bundled pip wheel under {python_home}/lib/python3*/ensurepip")
    return wheels[-1]


def keep(ctx: BuildContext, pip_version: str) -> None:
    """This build runs no pip: keep a restored wheel of the wanted version for the next."""
    layer = Layer(ctx.layers_dir, LAYER)
    metadata = PipMetadata(pip_version=pip_version).model_dump()
    if layer.restored_metadata() == metadata:
        layer.write(LayerTypes(cache=True), metadata)
    else:
        layer.toml_path.unlink(missing_ok=True)


def wheel(
    ctx: BuildContext,
    python_home: Path,
    pip_version: str,
    env: Mapping[str, str],
    log: Logger,
) -> Path:
    """The pip wheel to run (`python <wheel>/pip`)."""
    bundled = bundled_pip_wheel(python_home)
    layer = Layer(ctx.layers_dir, LAYER)
    if bundled.name.split("-")[1] == pip_version:
        layer.toml_path.unlink(missing_ok=True)
        log.detail(f"Using pip {pip_version} from CPython's bundled wheel")
        return bundled
    wanted = PipMetadata(pip_version=pip_version)
    log.header(f"Getting pip {pip_version}")
    found = sorted(layer.path.glob("pip-*.whl")) if layer.path.is_dir() else []
    if not reuse_or_reset(layer, wanted, "pip wheel", log) or len(found) != 1:
        layer.reset()
        with log.timed(f"Downloading pip {pip_version} with CPython's bundled pip"):
            run(
                [
                    str(python_home / "bin" / "python3"),
                    f"{bundled}/pip",
                    "download",
                    "--quiet",
                    "--no-input",
                    "--no-deps",
                    "--no-cache-dir",
                    "--disable-pip-version-check",
                    "--only-binary",
                    ":all:",
                    "--dest",
                    str(layer.path),
                    f"pip=={pip_version}",
                ],
                step="pip-bootstrap",
                env=env,
                log=log,
            )
        found = sorted(layer.path.glob("pip-*.whl"))
        if len(found) != 1:
            raise InternalError(f"pip download left {len(found)} wheels in {layer.path}")
    layer.write(LayerTypes(cache=True), wanted.model_dump())
    return found[0]
