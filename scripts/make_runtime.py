"""Put the buildpack's own CPython, with pybuildpack's dependencies, in ./runtime.

pybuildpack's dependencies come from `locks/runtime.txt` (every package pinned, with its
sha256 hashes; `make update-locks`), installed with `pip install --require-hashes`.

The interpreter comes from a catalog of CPython builds, the same mechanism apps get theirs
through (the buildpack.toml catalog, or an operator's `dependency-catalog` file): fetched,
verified against its sha256, unpacked safely and relocated by pybuildpack's own code. The
result is cached outside the checkout, keyed by the archive's checksum and the dependencies.

usage: make_runtime.py --catalog FILE --python 3.13 --dest runtime --cache DIR
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalog", type=Path, help="an operator catalog.toml (optional)")
    parser.add_argument("--python", default="3.13", help="minor version for the runtime")
    parser.add_argument("--dest", type=Path, default=REPO / "runtime")
    parser.add_argument("--cache", type=Path, required=True)
    options = parser.parse_args()

    catalog = load_buildpack_catalog(REPO / "buildpack.toml")
    if options.catalog:
        catalog = with_overrides(catalog, [load_catalog_file(options.catalog)])
    arch = normalize_arch(platform.machine())
    request = VersionRequest(options.python, "make runtime", RequestKind.MINOR, options.python)
    _, version = resolve(request, catalog, arch)
    dependency = catalog.find("cpython", str(version), arch)
    assert dependency is not None
    requirements = locked_names()
    key_source = "\n".join([dependency.checksum, LOCK.read_text(), Path(__file__).read_text()])
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
        python = tmp / "python" / "bin" / "python3"
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-cache-dir",
                "--disable-pip-version-check",
                "--root-user-action=ignore",
                "--require-hashes",
                "--no-deps",
                "--requirement",
                str(LOCK),
            ],
            check=True,
        )
        compile_unchecked(python, tmp / "python" / "lib")
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
