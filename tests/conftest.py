"""Shared fixtures: a buildpack dir, a small offline CPython, and lifecycle-like runs.

The CPython archive here has the python-build-standalone layout (python/bin, python/lib)
but its `bin/python3` hands over to the interpreter running the tests, so builds work
offline in a second. It is served through the operator `dependency-catalog` binding,
exactly as an air-gapped operator would serve real builds.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BASE_PYTHON = Path(sys._base_executable)  # type: ignore[attr-defined]
PY_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
PY_MINOR = f"{sys.version_info.major}.{sys.version_info.minor}"


def _bundled_pip() -> Path:
    base = Path(sys.base_prefix) / "lib" / f"python{PY_MINOR}" / "ensurepip" / "_bundled"
    return sorted(base.glob("pip-*.whl"))[-1]


BUNDLED_PIP = _bundled_pip()
BUNDLED_PIP_VERSION = BUNDLED_PIP.name.split("-")[1]


@pytest.fixture(scope="session")
def buildpack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The buildpack as the lifecycle sees it, with runtime/ wrapping the test interpreter."""
    root = tmp_path_factory.mktemp("buildpack")
    shutil.copytree(REPO / "bin", root / "bin")
    shutil.copy(REPO / "buildpack.toml", root / "buildpack.toml")
    shutil.copytree(REPO / "locks", root / "locks")
    (root / "pybuildpack").symlink_to(REPO / "pybuildpack")
    wrapper = root / "runtime" / "python" / "bin" / "python3"
    wrapper.parent.mkdir(parents=True)
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    return root


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def make_cpython_archive(path: Path, prefix: str = "/install") -> str:
    """A pbs-layout archive; returns its sha256."""
    lib = f"python/lib/python{PY_MINOR}"
    with tarfile.open(path, "w:gz") as tar:
        _add(tar, "python/bin/python3", f'#!/bin/sh\nexec "{BASE_PYTHON}" "$@"\n'.encode(), 0o755)
        _add(
            tar,
            f"{lib}/_sysconfigdata__linux_x86_64-linux-gnu.py",
            (
                "build_time_vars = {"
                f"'prefix': '{prefix}', 'CC': 'clang -pthread', "
                f"'INCLUDEPY': '{prefix}/include/python{PY_MINOR}'"
                "}\n"
            ).encode(),
        )
        _add(tar, f"{lib}/ensurepip/_bundled/{BUNDLED_PIP.name}", BUNDLED_PIP.read_bytes())
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Mirror:
    dir: Path
    sha256: str


@pytest.fixture(scope="session")
def cpython_mirror(tmp_path_factory: pytest.TempPathFactory) -> Mirror:
    """A `dependency-catalog` binding with one CPython build."""
    root = tmp_path_factory.mktemp("mirror")
    name = f"cpython-{PY_VERSION}+test-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
    sha = make_cpython_archive(root / name)
    (root / "type").write_text("dependency-catalog\n")
    (root / "catalog.toml").write_text(
        f'[default-versions]\ncpython = "{PY_MINOR}"\n\n'
        "[[dependencies]]\n"
        f'id = "cpython"\nversion = "{PY_VERSION}"\nuri = "{name}"\n'
        f'checksum = "sha256:{sha}"\narch = "amd64"\nos = "linux"\n'
    )
    return Mirror(root, sha)


def make_wheel(directory: Path, name: str = "demo_pkg", version: str = "1.0") -> Path:
    """A minimal pure-Python wheel, so pip installs work offline."""
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = "".join(f"{path},,\n" for path in files) + f"{dist}/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, content in files.items():
            archive.writestr(path, content)
        archive.writestr(f"{dist}/RECORD", record)
    return wheel


@dataclass
class Dirs:
    app: Path
    layers: Path
    platform: Path
    plan: Path
    build_plan: Path


@pytest.fixture
def dirs(tmp_path: Path, cpython_mirror: Mirror) -> Dirs:
    app = tmp_path / "app"
    layers = tmp_path / "layers"
    platform = tmp_path / "platform"
    for d in (app, layers, platform / "env"):
        d.mkdir(parents=True)
    binding = platform / "bindings" / "cpython"
    binding.parent.mkdir()
    binding.symlink_to(cpython_mirror.dir)
    plan = tmp_path / "plan.toml"
    plan.write_text("")
    return Dirs(app, layers, platform, plan, tmp_path / "build-plan.toml")


def write_app(app: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        target = app / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


def offline_requirements(app: Path, *lines: str) -> None:
    """requirements.txt that installs demo_pkg from a local wheel dir (no network)."""
    make_wheel(app / "wheels")
    body = "--no-index\n--find-links wheels\n" + "".join(f"{line}\n" for line in lines)
    (app / "requirements.txt").write_text(body)


def lifecycle_env(buildpack_dir: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    keep.update(
        CNB_BUILDPACK_DIR=str(buildpack_dir),
        CNB_TARGET_OS="linux",
        CNB_TARGET_ARCH="amd64",
        CNB_TARGET_DISTRO_NAME="debian",
        CNB_TARGET_DISTRO_VERSION="12",
        BP_PIP_VERSION=BUNDLED_PIP_VERSION,
    )
    keep.update(extra)
    return keep


def run_detect(buildpack_dir: Path, d: Dirs, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(buildpack_dir / "bin" / "detect")],
        cwd=d.app,
        env=lifecycle_env(
            buildpack_dir,
            CNB_PLATFORM_DIR=str(d.platform),
            CNB_BUILD_PLAN_PATH=str(d.build_plan),
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_build(buildpack_dir: Path, d: Dirs, **env: str) -> subprocess.CompletedProcess[str]:
    layers = d.layers / "pybuildpack_python"
    layers.mkdir(exist_ok=True)
    return subprocess.run(
        [str(buildpack_dir / "bin" / "build")],
        cwd=d.app,
        env=lifecycle_env(
            buildpack_dir,
            CNB_LAYERS_DIR=str(layers),
            CNB_PLATFORM_DIR=str(d.platform),
            CNB_BP_PLAN_PATH=str(d.plan),
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )


def restore_like_lifecycle(layers_dir: Path) -> None:
    """What the lifecycle keeps for the next build: cache layers, metadata without [types],
    and the metadata (only) of launch-only layers, which stay in the previous image."""
    import tomllib

    import tomlkit

    bp = layers_dir / "pybuildpack_python"
    for toml_path in list(bp.glob("*.toml")):
        if toml_path.name in {"launch.toml", "build.toml", "store.toml"}:
            toml_path.unlink()
            continue
        data = tomllib.loads(toml_path.read_text())
        layer = bp / toml_path.stem
        if not data.get("types", {}).get("cache"):
            shutil.rmtree(layer, ignore_errors=True)
            if data.get("types", {}).get("launch"):
                # launch-only: the metadata comes back from the app image, the files do not
                toml_path.write_text(tomlkit.dumps({"metadata": data.get("metadata", {})}))
            else:
                toml_path.unlink()
            continue
        toml_path.write_text(tomlkit.dumps({"metadata": data.get("metadata", {})}))
