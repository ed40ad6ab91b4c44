"""The `server` layer: gunicorn or uvicorn for an app that has no server among its dependencies.

The analysis found an app object (Flask(), FastAPI(), Django's WSGI app...) but no server to
run it, so the web process would otherwise be `python app.py`, whose development server
listens on 127.0.0.1 only. The server gets a small venv of its own in this launch layer, made
with our CPython and filled by our pip at the version pinned in buildpack.toml
`[metadata.default-versions]`; a `.pth` file in it runs `site.addsitedir` on the app's venv, so
the server imports the app's packages (their own `.pth` files, editable installs included)
after its own. Only the server's command is on PATH (`bin/<server>`), never its `python`.
Reused while server, version, Python version and arch are unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pybuildpack.cnb.context import BuildContext
from pybuildpack.cnb.layers import Layer, LayerTypes
from pybuildpack.layers import sbom_components as sbom
from pybuildpack.layers.reuse import reuse_or_reset
from pybuildpack.log import Logger
from pybuildpack.runner import run

LAYER = "server"
PTH = "pybuildpack-app-venv.pth"


class ServerMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    server: str
    version: str
    python_version: str
    arch: str
    app_venv: str


LABELS = {
    "server": "the server",
    "version": "the server version",
    "python_version": "the Python version",
    "arch": "the architecture",
    "app_venv": "the app's virtual environment path",
}


def site_packages(venv: Path, python_version: str) -> Path:
    minor = ".".join(python_version.split(".")[:2])
    return venv / "lib" / f"python{minor}" / "site-packages"


def installed(
    ctx: BuildContext, server: str, version: str, python_version: str, app_venv: Path
) -> bool:
    """Is the restored layer the one wanted (then this build needs no Python for it)?"""
    wanted = ServerMetadata(
        server=server,
        version=version,
        python_version=python_version,
        arch=ctx.target.arch,
        app_venv=str(app_venv),
    )
    layer = Layer(ctx.layers_dir, LAYER)
    return layer.path.is_dir() and layer.restored_metadata() == wanted.model_dump()


def contribute(
    ctx: BuildContext,
    server: str,
    version: str,
    python_home: Path,
    python_version: str,
    pip_wheel: Path | None,
    app_venv: Path,
    env: Mapping[str, str],
    log: Logger,
) -> Path:
    """The layer with `bin/<server>`, installed (or reused); returns the layer path."""
    layer = Layer(ctx.layers_dir, LAYER)
    wanted = ServerMetadata(
        server=server,
        version=version,
        python_version=python_version,
        arch=ctx.target.arch,
        app_venv=str(app_venv),
    )
    log.header(f"Installing {server} {version}")
    log.detail(
        f"The web process needs a server and none is among the dependencies: the buildpack "
        f"provides {server} (BP_PYTHON_SERVER=none turns this off)"
    )
    if not reuse_or_reset(layer, wanted, server, log, LABELS):
        assert pip_wheel is not None, "build.py passes pip's wheel when the layer is made"
        venv = layer.path / "venv"
        run(
            [str(python_home / "bin" / "python3"), "-m", "venv", "--without-pip", str(venv)],
            step="venv",
            env=env,
            log=log,
        )
        install_env = {
            **env,
            "PIP_NO_CACHE_DIR": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "VIRTUAL_ENV": str(venv),
        }
        with log.timed(f"Installing {server}=={version} with pip"):
            run(
                [
                    str(venv / "bin" / "python"),
                    f"{pip_wheel}/pip",
                    "install",
                    "--no-input",
                    "--progress-bar",
                    "off",
                    "--quiet",
                    f"{server}=={version}",
                ],
                step="server-install",
                env=install_env,
                log=log,
            )
        app_site = site_packages(app_venv, python_version)
        (site_packages(venv, python_version) / PTH).write_text(
            f"import site; site.addsitedir({str(app_site)!r})\n", encoding="utf-8"
        )
        bin_dir = layer.path / "bin"
        bin_dir.mkdir()
        (bin_dir / server).symlink_to(Path("..") / "venv" / "bin" / server)
    sbom.write(ctx.layers_dir, ctx.buildpack_dir, LAYER, sbom.environment(layer.path / "venv"))
    layer.write(LayerTypes(launch=True, cache=True), wanted.model_dump())
    return layer.path
