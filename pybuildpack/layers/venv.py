"""The `venv` layer: the app's virtual environment, in the build and launch images.

Reused untouched when the dependency files, Python version and installer are unchanged;
otherwise made anew, so no package removed from the requirements survives. Downloaded wheels
live in the cache-only `pip-cache` layer, so a changed requirements file rebuilds fast.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pybuildpack.analysis.analyze import BuildPlan
from pybuildpack.analysis.package_manager import PackageManager
from pybuildpack.analysis.start_command import EXPANDER
from pybuildpack.cnb.context import BuildContext
from pybuildpack.cnb.layers import EnvOp, EnvScope, Layer, LayerTypes
from pybuildpack.errors import UnsupportedPackageManager
from pybuildpack.layers.reuse import reuse_or_reset
from pybuildpack.log import Logger
from pybuildpack.runner import run

LAYER = "venv"
CACHE_LAYER = "pip-cache"


class VenvMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    python_version: str
    arch: str
    installer: str
    dependencies_sha256: str


LABELS = {
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


def pip_cache(ctx: BuildContext, python_version: str, arch: str) -> Path:
    """The wheel cache: cache-only, dropped when the Python minor or arch changes."""
    layer = Layer(ctx.layers_dir, CACHE_LAYER)
    minor = ".".join(python_version.split(".")[:2])
    metadata = {"python_minor": minor, "arch": arch}
    if layer.restored_metadata() != metadata:
        layer.reset()
    layer.write(LayerTypes(cache=True), metadata)
    return layer.path


def _install_command(plan: BuildPlan) -> list[str] | None:
    manager = plan.manager.manager
    if manager is PackageManager.NONE:
        return None
    if manager is not PackageManager.PIP:
        raise UnsupportedPackageManager(manager.value, list(plan.manager.files))
    base = ["-m", "pip", "install", "--no-input", "--progress-bar", "off"]
    if "requirements.txt" in plan.manager.files:
        return [*base, "--requirement", "requirements.txt"]
    return [*base, "."]  # a pyproject.toml / setup.py project installs itself


def contribute(
    ctx: BuildContext,
    plan: BuildPlan,
    python_home: Path,
    pip_site: Path,
    installer: str,
    env: Mapping[str, str],
    log: Logger,
) -> Path:
    layer = Layer(ctx.layers_dir, LAYER)
    version = str(plan.python_version)
    wanted = VenvMetadata(
        python_version=version,
        arch=ctx.target.arch,
        installer=installer,
        dependencies_sha256=dependencies_digest(ctx.app_dir, plan.dependency_files),
    )
    log.header("Installing dependencies")
    command = _install_command(plan)
    wheel_cache = pip_cache(ctx, version, ctx.target.arch)
    if not reuse_or_reset(layer, wanted, "virtual environment", log, LABELS):
        run(
            [str(python_home / "bin" / "python3"), "-m", "venv", "--without-pip", str(layer.path)],
            step="venv",
            env=env,
            log=log,
        )
        if command is None:
            log.detail("No dependency files: created an empty virtual environment")
        else:
            install_env = {
                **env,
                "PYTHONPATH": str(pip_site),
                "PIP_CACHE_DIR": str(wheel_cache),
                "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "VIRTUAL_ENV": str(layer.path),
            }
            files = ", ".join(plan.dependency_files)
            with log.timed(f"Installing from {files} with {installer}"):
                run(
                    [str(layer.path / "bin" / "python"), *command],
                    step="pip-install",
                    env=install_env,
                    log=log,
                    cwd=ctx.app_dir,
                )
    _write_env(layer, python_home)
    layer.write(LayerTypes(launch=True, build=True, cache=True), wanted.model_dump())
    return layer.path


# Runs at container start (exec.d: no shell needed), after PORT has its value: servers that
# read their own variables (uvicorn) listen on $PORT on all interfaces unless told otherwise.
PORT_EXEC_D = """#!{python} -I
import json, os
port = os.environ.get("PORT") or "8080"
lines = []
if "UVICORN_PORT" not in os.environ:
    lines.append("UVICORN_PORT = " + json.dumps(port))
if "UVICORN_HOST" not in os.environ:
    lines.append('UVICORN_HOST = "0.0.0.0"')
with os.fdopen(3, "w") as out:
    out.write("\\n".join(lines) + "\\n")
"""


# Starts a process whose command refers to env vars: expands $VAR, ${VAR}, ${VAR:-default}
# in its arguments at container start and execs it (the launcher expands nothing itself).
EXPANDER_SCRIPT = """#!{python} -I
import os, re, sys
VAR = re.compile(r"\\$\\{{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}}]*))?\\}}|\\$([A-Za-z_][A-Za-z0-9_]*)")
def expand(word):
    def value(m):
        name = m.group(1) or m.group(3)
        return os.environ.get(name) or (m.group(2) or "")
    return VAR.sub(value, word)
if len(sys.argv) < 2:
    sys.exit("usage: pybuildpack-exec COMMAND [ARG...]")
argv = [expand(word) for word in sys.argv[1:]]
try:
    os.execvp(argv[0], argv)
except OSError as err:
    sys.exit(f"pybuildpack-exec: cannot run {{argv[0]}}: {{err.strerror}}")
"""


def _write_env(layer: Layer, python_home: Path) -> None:
    layer.set_env("VIRTUAL_ENV", str(layer.path))
    layer.set_env("PYTHONUNBUFFERED", "1")
    layer.set_env("PORT", "8080", scope=EnvScope.LAUNCH, op=EnvOp.DEFAULT)
    python = python_home / "bin" / "python3"
    layer.add_exec_d("port", PORT_EXEC_D.format(python=python))
    expander = layer.path / "bin" / EXPANDER
    expander.write_text(EXPANDER_SCRIPT.format(python=python), encoding="utf-8")
    expander.chmod(0o755)
