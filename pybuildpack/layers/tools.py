"""Package-manager tool layers (`uv`, `poetry`, `pipenv`, `pdm`): build-only and cached.

Each tool gets its own small venv in its layer, made with our CPython and filled by our pip from
the package index at the pinned (buildpack.toml) or BP_<TOOL>_VERSION version. It is never in the
launch image, and it is not on the app venv's sys.path, so the tool's own dependencies can
never be mistaken for the app's. Reused while tool version, Python version and arch are the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

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


def requirements(buildpack_dir: Path, tool: str, version: str) -> tuple[list[str], str]:
    """pip's arguments for the tool, and how they were chosen (for the log).

    The default versions come with their whole dependency tree pinned and hashed in
    `locks/tools/<tool>-<version>.txt` (`make update-locks`), so a build installs exactly
    what was tested, and nothing an index serves later. Another version (BP_<TOOL>_VERSION)
    has no lock: pip resolves its dependencies.
    """
    lock = buildpack_dir / "locks" / "tools" / f"{tool}-{version}.txt"
    if lock.is_file():
        return [
            "--require-hashes",
            "--no-deps",
            "--requirement",
            str(lock),
        ], "locked, hashes checked"
    return [f"{tool}=={version}"], "no lock for this version: dependencies resolved by pip"


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
        arguments, how = requirements(ctx.buildpack_dir, tool, version)
        with log.timed(f"Installing {tool}=={version} with pip ({how})"):
            run(
                [*command, *arguments],
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
