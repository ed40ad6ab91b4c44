#!/usr/bin/env python3
"""Make a local CPython mirror from the pyenv CPython builds on this machine.

Each version is packed as a python-build-standalone ``install_only_stripped`` archive (a gzip
tar with one top directory ``python/``), made relocatable and self-contained the way pbs builds
are: the non-glibc shared libraries that the interpreter, libpython and the extension modules
need are copied into ``python/lib/``, and every ELF file gets an ``$ORIGIN``-relative RUNPATH.
``_sysconfigdata_*.py`` keeps the pyenv prefix (the buildpack rewrites build-time paths on
install, as uv does for pbs archives).

The output directory is a CNB service binding of type ``dependency-catalog``: ``type``,
``catalog.toml`` and the archives.

usage: make_mirror.py OUT_DIR DEFAULT_MINOR VERSION...
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
TAG = "pyenv"
TRIPLE = "x86_64-unknown-linux-gnu"

# Libraries every glibc system has (glibc itself, and libcrypt which is Priority: required in
# Debian): never bundled, as pbs does not bundle them either.
SYSTEM_LIBS = re.compile(
    r"^(linux-vdso|ld-linux|libc|libm|libpthread|libdl|librt|libutil|libresolv|"
    r"libcrypt|libmvec|libanl)\.so"
)
DROP_STDLIB = {"test", "idlelib", "tkinter", "turtledemo", "__pycache__", "lib2to3/tests"}
KEEP_BIN = re.compile(r"^(python3?(\.\d+)?|pip3?(\.\d+)?|pydoc3(\.\d+)?|python3(\.\d+)?-config)$")
KEEP_SITE = re.compile(
    r"^(README\.txt|pip|pip-[^/]+\.dist-info|setuptools|setuptools-[^/]+\.dist-info|"
    r"pkg_resources|_distutils_hack|distutils-precedence\.pth)$"
)


def run(*cmd: str, **kw: object) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout  # type: ignore[call-overload,no-any-return]


def is_elf(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def ldd_deps(path: Path) -> dict[str, Path]:
    """soname -> resolved path of every shared library path needs (transitively)."""
    out = run("ldd", str(path))
    deps: dict[str, Path] = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+)\s+=>\s+(\S+)\s+\(", line)
        if m:
            if m.group(2) == "not":
                raise SystemExit(f"make_mirror: {path}: {line.strip()}")
            deps[m.group(1)] = Path(m.group(2))
    return deps


def copy_tree(src: Path, dst: Path, minor: str) -> None:
    stdlib = f"lib/python{minor}"

    def ignore(directory: str, names: list[str]) -> set[str]:
        rel = Path(directory).relative_to(src).as_posix()
        dropped: set[str] = set()
        for n in names:
            relpath = f"{rel}/{n}" if rel != "." else n
            if (
                n == "__pycache__"
                or n.endswith(".a")
                or (rel == "bin" and not KEEP_BIN.match(n))
                or (rel == stdlib and n in DROP_STDLIB)
                or relpath == f"{stdlib}/lib2to3/tests"
                or (rel == f"{stdlib}/site-packages" and not KEEP_SITE.match(n))
                or (
                    rel == f"{stdlib}/lib-dynload"
                    and (n.startswith("_tkinter") or n.startswith("_test"))
                )
                or (rel == "share" and n != "terminfo")
            ):
                dropped.add(n)
        return dropped

    shutil.copytree(src, dst, symlinks=True, ignore=ignore)


def relocatable_scripts(bindir: Path, minor: str) -> None:
    """Make pip's console scripts (pyenv's absolute shebang) run the python beside them."""
    for p in bindir.iterdir():
        if p.is_symlink() or not p.is_file() or is_elf(p):
            continue
        text = p.read_bytes()
        if not text.startswith(b"#!"):
            continue
        first, _, rest = text.partition(b"\n")
        if b"python" not in first:
            continue
        if b"-config" in p.name.encode():
            continue  # python3.X-config is a shell script
        tramp = (
            "#!/bin/sh\n"
            f'\'\'\'exec\' "$(dirname -- "$(realpath -- "$0")")"/\'python{minor}\' "$0" "$@"\n'
            "' '''\n"
        ).encode()
        p.write_bytes(tramp + rest)


def bundle_libs(root: Path, minor: str) -> list[str]:
    lib = root / "lib"
    dynload = lib / f"python{minor}" / "lib-dynload"
    exe = root / "bin" / f"python{minor}"
    elves = [exe, *sorted(lib.glob("libpython*.so*")), *sorted(dynload.glob("*.so"))]
    elves = [e for e in elves if is_elf(e)]
    needed: dict[str, Path] = {}
    for e in elves:
        for soname, path in ldd_deps(e).items():
            if soname.startswith("libpython") or SYSTEM_LIBS.match(soname):
                continue
            needed[soname] = path
    for soname, path in sorted(needed.items()):
        shutil.copy2(path.resolve(), lib / soname)
        os.chmod(lib / soname, 0o755)
    # strip first, then set RUNPATHs (patchelf after strip keeps the new dynamic section)
    bundled = [lib / s for s in needed]
    for e in [*elves, *bundled]:
        subprocess.run(["strip", "--strip-unneeded", str(e)], check=True)
    for e in elves + bundled:
        if e == exe:
            rpath = "$ORIGIN/../lib"
        elif e.parent == dynload:
            rpath = "$ORIGIN/../.."
        else:
            rpath = "$ORIGIN"
        run("patchelf", "--set-rpath", rpath, str(e))
    return sorted(needed)


def compile_bytecode(root: Path, minor: str) -> None:
    """Ship the stdlib's bytecode, as pbs archives do, so that running the interpreter does not
    write __pycache__ into the (read-only in spirit) CPython layer. Hash-checked pycs do not
    depend on file mtimes, which the archive normalizes; a source the buildpack rewrites on
    install (_sysconfigdata_*.py) is noticed and recompiled."""
    subprocess.run(
        [
            str(root / "bin" / f"python{minor}"),
            "-E",
            "-s",
            "-B",  # imports made while compiling must not leave timestamp-based pycs behind
            "-m",
            "compileall",
            "-q",
            "-f",
            "-j0",
            "--invalidation-mode",
            "checked-hash",
            # record /python/lib/... as the source path, not the random staging dir: the
            # archives come out byte-identical run after run (import fixes co_filename anyway)
            "-s",
            str(root.parent),
            "-p",
            "/",
            str(root / "lib" / f"python{minor}"),
        ],
        check=True,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
    )


def check_no_host_paths(root: Path, prefix: str) -> None:
    for e in root.rglob("*"):
        if is_elf(e):
            dyn = run("readelf", "-d", str(e))
            if prefix in dyn or "/usr/lib" in dyn:
                raise SystemExit(f"make_mirror: {e} still has a host path in its dynamic section")


def pack_version(version: str, out: Path) -> tuple[str, str]:
    minor = ".".join(version.split(".")[:2])
    src = PYENV / version
    if not (src / "bin" / f"python{minor}").exists():
        raise SystemExit(f"make_mirror: no pyenv CPython {version} at {src}")
    name = f"cpython-{version}+{TAG}-{TRIPLE}-install_only_stripped.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "python"
        copy_tree(src, root, minor)
        relocatable_scripts(root / "bin", minor)
        libs = bundle_libs(root, minor)
        check_no_host_paths(root, str(src))
        compile_bytecode(root, minor)
        # pyenv's pkgconfig and config dir name the prefix too; pbs ships them as they are.
        subprocess.run(
            [
                "tar",
                "-C",
                tmp,
                "--sort=name",
                "--mtime=@0",
                "--owner=0",
                "--group=0",
                "--numeric-owner",
                "-I",
                "gzip -n -6",
                "-cf",
                str(out / name),
                "python",
            ],
            check=True,
        )
    digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
    size = (out / name).stat().st_size
    print(f"make_mirror: {name} {size // 1024} KiB sha256:{digest[:12]} bundled: {' '.join(libs)}")
    return name, digest


def main() -> None:
    out = Path(sys.argv[1])
    default_minor = sys.argv[2]
    versions = sys.argv[3:]
    out.mkdir(parents=True, exist_ok=True)
    lines = ["[default-versions]", f'cpython = "{default_minor}"', ""]
    for v in versions:
        name, digest = pack_version(v, out)
        lines += [
            "[[dependencies]]",
            'id = "cpython"',
            'name = "CPython"',
            f'version = "{v}"',
            f'uri = "{name}"',
            f'checksum = "sha256:{digest}"',
            'arch = "amd64"',
            'os = "linux"',
            'licenses = ["PSF-2.0"]',
            f'purl = "pkg:generic/cpython@{v}?arch=amd64"',
            "",
        ]
    (out / "catalog.toml").write_text("\n".join(lines))
    (out / "type").write_text("dependency-catalog\n")


if __name__ == "__main__":
    main()
