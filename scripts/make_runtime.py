"""Put the buildpack's own CPython, with pybuildpack's dependencies, in ./runtime.

pybuildpack's dependencies come from `locks/runtime.txt` (every package pinned, with its
sha256 hashes; `make update-locks`), installed with `pip install --require-hashes`.

The interpreter comes from a catalog of CPython builds, the same mechanism apps get theirs
through (the buildpack.toml catalog, or an operator's `dependency-catalog` file): fetched,
verified against its sha256, unpacked safely and relocated by pybuildpack's own code. The
result is cached outside the checkout, keyed by the archive's checksum and the dependencies.

For another architecture than the host's (--arch arm64 on an amd64 machine) the interpreter
cannot run here, so the dependencies are not installed by it but by this Python's pip, as
wheels for that platform: `pip install --platform manylinux2014_aarch64 --only-binary :all:
--python-version 3.X --target <runtime>/lib/python3.X/site-packages` (every dependency has
such wheels; an sdist-only one would fail here rather than be built for the wrong machine).

usage: make_runtime.py --catalog FILE --python 3.13 --dest runtime --cache DIR [--arch arm64]
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pybuildpack.analysis.python_version import RequestKind, VersionRequest, resolve
from pybuildpack.dependencies.archives import extract_tar
from pybuildpack.dependencies.catalog import (
    load_buildpack_catalog,
    load_catalog_file,
    normalize_arch,
    with_overrides,
)
from pybuildpack.dependencies.fetch import fetch
from pybuildpack.layers.cpython_relocation import relocate_cpython

REPO = Path(__file__).resolve().parents[1]


LOCK = REPO / "locks" / "runtime.txt"


def locked_names(lock: Path = LOCK) -> list[str]:
    """`name==version` of every package the lock pins (for the log)."""
    return [
        line.split(" ")[0]
        for line in lock.read_text().splitlines()
        if line and not line.startswith((" ", "#"))
    ]


def compile_unchecked(python: Path, lib: Path) -> None:
    """Byte-code that Python uses whatever the file times: pack sets every file time in the
    builder and the .cnb to 1980, so timestamp .pyc files would all be stale, and the
    buildpack's directory is read-only there, so Python would recompile every module it
    imports on every run of bin/detect and bin/build. Unchecked-hash .pyc are never checked
    against their source (nothing edits the runtime after this)."""
    subprocess.run(
        [
            str(python),
            "-m",
            "compileall",
            "-q",
            "-f",
            "-j0",
            "--invalidation-mode",
            "unchecked-hash",
            "-x",
            r"/(test|tests|idlelib|tkinter|turtledemo|lib2to3)/",
            str(lib),
        ],
        check=False,  # a file that does not compile (py2 leftovers) keeps no .pyc: not fatal
        stdout=subprocess.DEVNULL,
    )


PIP_PLATFORMS = {"arm64": "manylinux2014_aarch64", "amd64": "manylinux2014_x86_64"}


def install_native(home: Path, requirements: list[str]) -> None:
    subprocess.run(
        [
            str(home / "bin" / "python3"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--root-user-action=ignore",
            *requirements,
        ],
        check=True,
    )


def install_cross(home: Path, version: str, arch: str, requirements: list[str]) -> None:
    """Wheels for `arch` into the interpreter's site-packages, by this machine's pip."""
    minor = ".".join(version.split(".")[:2])
    site_packages = home / "lib" / f"python{minor}" / "site-packages"
    if not site_packages.is_dir():
        raise SystemExit(f"runtime: {site_packages} is missing: not a pbs install_only layout")
    print(f"runtime: {arch} wheels for CPython {minor} ({PIP_PLATFORMS[arch]}) by the host's pip")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--root-user-action=ignore",
            "--platform",
            PIP_PLATFORMS[arch],
            "--python-version",
            minor,
            "--implementation",
            "cp",
            "--only-binary",
            ":all:",
            "--no-compile",
            "--target",
            str(site_packages),
            *requirements,
        ],
        check=True,
    )
    # --target puts console scripts in site-packages/bin, with this machine's interpreter in
    # their shebang: the runtime runs pybuildpack by module, so they are dropped.
    shutil.rmtree(site_packages / "bin", ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalog", type=Path, help="an operator catalog.toml (optional)")
    parser.add_argument("--python", default="3.13", help="minor version for the runtime")
    parser.add_argument("--dest", type=Path, default=REPO / "runtime")
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--arch", help="amd64 or arm64 (default: this machine's)")
    options = parser.parse_args()

    catalog = load_buildpack_catalog(REPO / "buildpack.toml")
    if options.catalog:
        catalog = with_overrides(catalog, [load_catalog_file(options.catalog)])
    host_arch = normalize_arch(platform.machine())
    arch = normalize_arch(options.arch or host_arch)
    request = VersionRequest(options.python, "make runtime", RequestKind.MINOR, options.python)
    _, version = resolve(request, catalog, arch)
    dependency = catalog.find("cpython", str(version), arch)
    assert dependency is not None
    requirements = locked_names()
    key_source = "\n".join([dependency.checksum, LOCK.read_text(), Path(__file__).read_text()])
    if arch != host_arch:
        key_source += f"\ncross {arch} from {host_arch} {sys.version_info[:2]}"
    key = hashlib.sha256(key_source.encode()).hexdigest()[:12]
    cached = options.cache / "runtime" / f"{version}-{key}"
    if not (cached / "python" / "bin" / "python3").exists():
        print(f"runtime: building CPython {version} with {', '.join(requirements)}")
        tmp = cached.with_name(cached.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as downloads:
            archive = fetch(dependency, Path(downloads))
            extract_tar(archive, tmp / "python", strip_components=1, uri=dependency.uri)
        relocate_cpython(tmp / "python")
        locked = ["--require-hashes", "--no-deps", "--requirement", str(LOCK)]
        if arch == host_arch:
            install_native(tmp / "python", locked)
            compile_unchecked(tmp / "python" / "bin" / "python3", tmp / "python" / "lib")
        else:
            install_cross(tmp / "python", str(version), arch, locked)
        tmp.rename(cached)
    else:
        print(f"runtime: reusing {cached}")
    stamp = options.dest / ".key"
    if stamp.is_file() and stamp.read_text() == cached.name:
        return 0
    shutil.rmtree(options.dest, ignore_errors=True)
    shutil.copytree(cached, options.dest, symlinks=True)
    stamp.write_text(cached.name)
    print(f"runtime: CPython {version} in {options.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
