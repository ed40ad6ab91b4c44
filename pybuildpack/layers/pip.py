"""The `pip` layer: pip at the pinned (or BP_PIP_VERSION) version, build-only and cached.

pip is kept out of the app's virtual environment, so it is not in the launch image; it is run
from here with the venv's interpreter. It is bootstrapped from the wheel CPython bundles for
ensurepip, so no pip needs to be in the CPython archive.
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

    python_version: str
    pip_version: str


def site_dir(ctx: BuildContext) -> Path:
    return Layer(ctx.layers_dir, LAYER).path / "site"


def bundled_pip_wheel(python_home: Path) -> Path:
    wheels = sorted(python_home.glob("lib/python3*/ensurepip/_bundled/pip-*.whl"))
    if not wheels:
        raise InternalError(f"no bundled pip wheel under {python_home}/lib/python3*/ensurepip")
    return wheels[-1]


def contribute(
    ctx: BuildContext,
    python_home: Path,
    python_version: str,
    pip_version: str,
    env: Mapping[str, str],
    log: Logger,
) -> Path:
    layer = Layer(ctx.layers_dir, LAYER)
    wanted = PipMetadata(python_version=python_version, pip_version=pip_version)
    log.header(f"Installing pip {pip_version}")
    if not reuse_or_reset(layer, wanted, "pip", log):
        wheel = bundled_pip_wheel(python_home)
        bundled = wheel.name.split("-")[1]
        source = str(wheel) if bundled == pip_version else f"pip=={pip_version}"
        with log.timed(f"Installing pip {pip_version}"):
            run(
                [
                    str(python_home / "bin" / "python3"),
                    f"{wheel}/pip",
                    "install",
                    "--quiet",
                    "--no-input",
                    "--no-cache-dir",
                    "--disable-pip-version-check",
                    "--target",
                    str(site_dir(ctx)),
                    source,
                ],
                step="pip-bootstrap",
                env=env,
                log=log,
            )
    layer.write(LayerTypes(launch=False, build=False, cache=True), wanted.model_dump())
    return site_dir(ctx)
