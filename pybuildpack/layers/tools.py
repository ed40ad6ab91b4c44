"""Package-manager tool layers (`uv`, `poetry`, `pipenv`, `pdm`): build-only and cached.

uv is one static binary: it is taken out of its PyPI wheel into `<layer>/bin/uv`, one file;
nothing is installed. The wheel of the default version comes from the buildpack's catalog
(a verified download, no Python run: layers/uv_wheel.py); with an index of the user's own, or
another version, pip downloads it from the index, so index settings apply. Poetry, pipenv
and PDM get their own small venv in their layer, filled by pip run from its wheel. A tool is
never in the launch image, and never on the app venv's sys.path, so its own dependencies can
never be mistaken for the app's. Reused while tool version, Python version and arch are the
same; a build that installs no dependencies keeps the layer without running anything.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pybuildpack.cnb.context import BuildContext
from pybuildpack.cnb.layers import Layer, LayerTypes
from pybuildpack.dependencies.catalog import Dependency
from pybuildpack.dependencies.fetch import Fetcher
from pybuildpack.errors import InternalError
from pybuildpack.layers import uv_wheel
from pybuildpack.layers.reuse import reuse_or_reset
from pybuildpack.layers.uv_wheel import Catalogued as Catalogued
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
    layer = Layer(ctx.layers_dir, tool).path
    return layer / "bin" / "uv" if tool == "uv" else layer / "venv" / "bin" / tool


def keep(ctx: BuildContext, tool: str, version: str, python_version: str) -> None:
    """This build installs no dependencies: keep a restored tool layer for the next one."""
    layer = Layer(ctx.layers_dir, tool)
    wanted = ToolMetadata(
        tool_version=version,
        python_version=python_version,
        arch=ctx.target.arch,
        distro=ctx.target.distro,
    )
    if layer.restored_metadata() == wanted.model_dump():
        layer.write(LayerTypes(launch=False, build=False, cache=True), wanted.model_dump())
    else:
        layer.toml_path.unlink(missing_ok=True)


def contribute(
    ctx: BuildContext,
    tool: str,
    version: str,
    python_home: Path,
    python_version: str,
    pip_wheel: Path,
    env: Mapping[str, str],
    log: Logger,
    catalogued: Catalogued | None = None,
) -> Path:
    """The tool's executable, installed in its layer (or reused).

    `catalogued`: the build's catalog and fetcher, for uv's wheel (None: pip downloads it)."""
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
    if not reuse_or_reset(layer, wanted, name, log, LABELS) or not executable(ctx, tool).exists():
        layer.reset()
        arguments, how = requirements(ctx.buildpack_dir, tool, version)
        if tool == "uv":
            source = uv_wheel.choose(catalogued, version, ctx.target.arch, ctx.bindings)
            if source.dependency is not None and catalogued is not None:
                _fetch_uv(layer.path, version, source.dependency, catalogued.fetcher, log)
            else:
                log.detail(f"uv {version} through pip: {source.reason}")
                _unpack_uv(layer.path, version, arguments, python_home, pip_wheel, env, log)
        else:
            _pip_install(
                layer.path, tool, version, arguments, how, python_home, pip_wheel, env, log
            )
    layer.write(LayerTypes(launch=False, build=False, cache=True), wanted.model_dump())
    return executable(ctx, tool)


def _pip_download_wheel(
    dest: Path,
    arguments: list[str],
    python_home: Path,
    pip_wheel: Path,
    env: Mapping[str, str],
    log: Logger,
) -> Path:
    run(
        [
            str(python_home / "bin" / "python3"),
            f"{pip_wheel}/pip",
            "download",
            "--quiet",
            "--no-input",
            "--no-deps",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--only-binary",
            ":all:",
            "--dest",
            str(dest),
            *arguments,
        ],
        step="tool-install",
        env=env,
        log=log,
    )
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise InternalError(f"pip download {' '.join(arguments)} left {len(wheels)} wheels")
    return wheels[0]


def _unpack_uv(
    layer: Path,
    version: str,
    arguments: list[str],
    python_home: Path,
    pip_wheel: Path,
    env: Mapping[str, str],
    log: Logger,
) -> None:
    """uv's wheel downloaded by pip (the index settings apply), its binary taken out."""
    with tempfile.TemporaryDirectory(prefix="pybuildpack-") as tmp:
        with log.timed(f"Downloading the uv {version} wheel"):
            wheel = _pip_download_wheel(Path(tmp), arguments, python_home, pip_wheel, env, log)
        uv_wheel.extract_binary(wheel, layer / "bin" / "uv")
    log.detail(f"uv {version}: the binary from its wheel ({wheel.name})")


def _fetch_uv(
    layer: Path,
    version: str,
    dependency: Dependency,
    fetcher: Fetcher,
    log: Logger,
) -> None:
    """uv's wheel from the buildpack's catalog (mirrors, CA bundle, sha256), its binary out."""
    with tempfile.TemporaryDirectory(prefix="pybuildpack-") as tmp:
        with log.timed(f"Downloading the uv {version} wheel from the buildpack's catalog"):
            wheel = fetcher.fetch(dependency, Path(tmp), log=log)
        uv_wheel.extract_binary(wheel, layer / "bin" / "uv")
    log.detail(f"uv {version} from the buildpack's catalog (sha256 verified): {wheel.name}")


def _pip_install(
    layer: Path,
    tool: str,
    version: str,
    arguments: list[str],
    how: str,
    python_home: Path,
    pip_wheel: Path,
    env: Mapping[str, str],
    log: Logger,
) -> None:
    venv = layer / "venv"
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
    command = [
        str(venv / "bin" / "python"),
        f"{pip_wheel}/pip",
        "install",
        "--no-input",
        "--progress-bar",
        "off",
        "--quiet",
    ]
    with log.timed(f"Installing {tool}=={version} with pip ({how})"):
        run([*command, *arguments], step="tool-install", env=install_env, log=log)
