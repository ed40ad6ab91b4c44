"""Package-manager tool layers (`uv`, `poetry`, `pipenv`, `pdm`): build-only and cached.

Each tool gets its own small venv in its layer, made with our CPython and filled by our pip from
the package index at the pinned (buildpack.toml) or BP_<TOOL>_VERSION version. It is never in the
launch image, and it is not on the app venv's sys.path, so the tool's own dependencies can
never be mistaken for the app's. Reused while tool version, Python version and arch are the same.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict

from pybuildpack.cnb.context import BuildContext
from pybuildpack.cnb.layers import Layer, LayerTypes
from pybuildpack.layers.reuse import reuse_or_reset
from pybuildpack.log import Logger
from pybuildpack.runner import run

TOOLS = ("uv", "poetry", "pipenv", "pdm")
DISPLAY = {"uv": "uv", "poetry": "Poetry", "pipenv": "pipenv", "pdm": "PDM"}


class ToolMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tool_version: str
    python_version: str
    arch: str
    distro: str = ""  # CNB_TARGET_DISTRO_NAME and _VERSION, e.g. "debian 12"


LABELS = {
    "distro": "the distribution",
    "tool_version": "the tool version",
    "python_version": "the Python version",
    "arch": "the architecture",
}


def constraints(tool: str, version: str) -> list[str]:
    """pip constraints a tool release needs because its own pins are too loose.

    pdm <= 2.29.3 breaks with unearth 0.19 (which moved to httpx2) and hishel 2.
    """
    try:
        parsed = Version(version)
    except InvalidVersion:
        return []
    if tool == "pdm" and parsed <= Version("2.29.3"):
        return ["unearth<0.19", "hishel<2"]
    return []


def executable(ctx: BuildContext, tool: str) -> Path:
    return Layer(ctx.layers_dir, tool).path / "venv" / "bin" / tool


def contribute(
    ctx: BuildContext,
    tool: str,
    version: str,
    python_home: Path,
    python_version: str,
    pip_site: Path,
    env: Mapping[str, str],
    log: Logger,
) -> Path:
    """The tool's executable, installed in its layer (or reused)."""
    if tool not in TOOLS:
        raise ValueError(f"unknown tool {tool!r}")
    layer = Layer(ctx.layers_dir, tool)
    wanted = ToolMetadata(
        tool_version=version,
        python_version=python_version,
        arch=ctx.target.arch,
        distro=ctx.target.distro,
    )
    name = DISPLAY[tool]
    log.header(f"Installing {name} {version}")
    if not reuse_or_reset(layer, wanted, name, log, LABELS):
        venv = layer.path / "venv"
        run(
            [str(python_home / "bin" / "python3"), "-m", "venv", "--without-pip", str(venv)],
            step="venv",
            env=env,
            log=log,
        )
        install_env = {
            **env,
            "PYTHONPATH": str(pip_site),
            "PIP_NO_CACHE_DIR": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "VIRTUAL_ENV": str(venv),
        }
        with tempfile.TemporaryDirectory(prefix="pybuildpack-") as tmp:
            command = [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--no-input",
                "--progress-bar",
                "off",
                "--quiet",
            ]
            pins = constraints(tool, version)
            if pins:
                file = Path(tmp) / "constraints.txt"
                file.write_text("".join(f"{pin}\n" for pin in pins), encoding="utf-8")
                command += ["--constraint", str(file)]
            with log.timed(f"Installing {tool}=={version} with pip"):
                run(
                    [*command, f"{tool}=={version}"],
                    step="tool-install",
                    env=install_env,
                    log=log,
                )
    layer.write(LayerTypes(launch=False, build=False, cache=True), wanted.model_dump())
    return executable(ctx, tool)


def cache_layer(ctx: BuildContext, name: str, python_version: str, arch: str) -> Path:
    """A download cache: cache-only (never in an image), dropped when Python minor/arch change."""
    layer = Layer(ctx.layers_dir, name)
    minor = ".".join(python_version.split(".")[:2])
    metadata = {"python_minor": minor, "arch": arch}
    if layer.restored_metadata() != metadata:
        layer.reset()
    layer.write(LayerTypes(cache=True), metadata)
    return layer.path
