"""Rewrite the build-time paths of a relocated CPython, as uv does for its installs.

Hand-written on purpose: no library does this (uv does it in Rust, inside its own installs).

A python-build-standalone archive is built with prefix `/install` and clang; a pyenv build
has its install prefix (e.g. `/root/.pyenv/versions/3.12.1`) baked in. Python itself runs
from anywhere, but what it tells build tools does not: `sysconfig` (hence pip, setuptools,
meson-python...) would send C extension builds to `/install/include/python3.12` and to a
`clang` the build image does not have.

`relocate_cpython(home)` finds the build prefix recorded in `_sysconfigdata_*.py`
(`build_time_vars['prefix']`) and:

* replaces that prefix by `home` in `lib/python3.X/_sysconfigdata_*.py`,
  `lib/python3.X/config-3.X-*/Makefile`, `bin/python3*-config` and `lib/pkgconfig/*.pc`
  (as a path: at the start of a word or after `=`, `:`, `,`, `-L`, `-I`, `-R`, and followed
  by `/` or the end of the word, so `/usr/bin/install` is not touched);
* in the compiler variables (CC, CXX, CPP, LDSHARED, LDCXXSHARED, BLDSHARED, LINKCC, MAINCC)
  replaces the word `clang` (also `musl-clang` and cross `/usr/bin/<triple>-gcc`) by `cc` and
  `clang++` (and `<triple>-g++`) by `c++`, sets `AR` to `ar` when it names llvm-ar, and drops
  `-isysroot <dir>` as uv does, plus a few flags gcc rejects (`-fuse-ld=lld`,
  `--rtlib=compiler-rt`, `-fdebug-default-version=*`, `-fprofile-instr-*`);
* deletes stale `__pycache__/_sysconfigdata_*.pyc`.

A tree without `_sysconfigdata_*.py` (or without an absolute prefix in it) raises
UnsafeArchive with reason "not-cpython". It returns the files it changed (including deleted
.pyc files); running it again changes nothing (idempotent). Symlinked
files are left alone (their real file is patched if it is inside `home`).
"""

from __future__ import annotations

import ast
import pprint
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pybuildpack.errors import UnsafeArchive
from pybuildpack.log import Logger

COMPILER_VARS = ("CC", "CXX", "CPP", "LDSHARED", "LDCXXSHARED", "BLDSHARED", "LINKCC", "MAINCC")
_C_COMPILERS = {"clang": "cc", "musl-clang": "cc"}
_CXX_COMPILERS = {"clang++": "c++"}
_CROSS_GCC = re.compile(r"^/usr/bin/[a-z0-9_]+-linux-gnu[a-z]*-(gcc|g\+\+)$")
_DROP_FLAGS = re.compile(
    r"^(-fuse-ld=lld|--rtlib=compiler-rt|-rtlib=compiler-rt|-fdebug-default-version=\d+"
    r"|-fprofile-instr-(use|generate)(=\S*)?)$"
)
_HEADER = "# system configuration generated and used by the sysconfig module\n"


def _not_cpython(home: Path, member: str) -> UnsafeArchive:
    """The extracted tree does not look like a CPython install (reason "not-cpython")."""
    return UnsafeArchive(uri=str(home), member=member, reason="not-cpython")


def _prefix_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(
        r"(?:^|(?<=[\s=:,.'\"(])|(?<=-[LIR]))" + re.escape(prefix) + r"(?=/|$|[\s'\":;,)])",
        re.MULTILINE,
    )


def _replace_prefix(text: str, old: str, new: str) -> str:
    if not old or old == new:
        return text
    return _prefix_pattern(old).sub(lambda _m: new, text)


def _patch_compiler_words(value: str) -> str:
    words = value.split()
    out: list[str] = []
    skip_next = False
    for i, word in enumerate(words):
        if skip_next:
            skip_next = False
            continue
        if word == "-isysroot":
            skip_next = True
            continue
        if _DROP_FLAGS.match(word):
            continue
        if i == 0 or word in _C_COMPILERS or word in _CXX_COMPILERS:
            if word in _C_COMPILERS:
                word = _C_COMPILERS[word]
            elif word in _CXX_COMPILERS:
                word = _CXX_COMPILERS[word]
            else:
                cross = _CROSS_GCC.match(word)
                if cross:
                    word = "cc" if cross.group(1) == "gcc" else "c++"
        out.append(word)
    return " ".join(out)


def _patch_value(key: str, value: str, old: str, new: str) -> str:
    patched = _replace_prefix(value, old, new)
    if key in COMPILER_VARS:
        patched = _patch_compiler_words(patched)
    elif key == "AR" and "llvm-ar" in patched:
        patched = "ar"
    elif key in ("CFLAGS", "LDFLAGS", "CONFIGURE_CFLAGS", "CONFIGURE_LDFLAGS", "PY_CFLAGS"):
        words = patched.split()
        kept: list[str] = []
        skip = False
        for word in words:
            if skip:
                skip = False
                continue
            if word == "-isysroot":
                skip = True
                continue
            if not _DROP_FLAGS.match(word):
                kept.append(word)
        if kept != words:
            patched = " ".join(kept)
    return patched


def find_sysconfigdata(python_home: Path) -> Path:
    """`lib/python3.X/_sysconfigdata_*.py` (a real file, not a symlink)."""
    candidates = sorted(python_home.glob("lib/python3.*/_sysconfigdata_*.py"))
    for candidate in candidates:
        if candidate.is_file() and not candidate.is_symlink():
            return candidate
    raise _not_cpython(python_home, "lib/python3.X/_sysconfigdata_*.py")


def _load_build_time_vars(path: Path) -> dict[str, Any]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, ValueError, UnicodeDecodeError, OSError):
        raise _not_cpython(path.parent.parent.parent, path.name) from None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "build_time_vars"
        ):
            try:
                value = ast.literal_eval(node.value)
            except (ValueError, SyntaxError):
                break
            if isinstance(value, dict):
                return value
    raise _not_cpython(path.parent.parent.parent, path.name)


def build_prefix(python_home: Path) -> str:
    """The install prefix recorded at build time (`/install` for python-build-standalone)."""
    data = _load_build_time_vars(find_sysconfigdata(python_home))
    prefix = data.get("prefix")
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise _not_cpython(python_home, "build_time_vars['prefix']")
    return prefix.rstrip("/") or "/"


def _write_if_changed(path: Path, text: str, changed: list[Path]) -> None:
    if path.read_text(encoding="utf-8") != text:
        mode = path.stat().st_mode
        tmp = path.with_name(path.name + ".relocate-tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(mode & 0o7777)
        tmp.replace(path)
        changed.append(path)


def _patch_text_file(path: Path, transform: Callable[[str], str], changed: list[Path]) -> None:
    if not path.is_file() or path.is_symlink():
        return
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return  # a binary (e.g. a compiled python3-config): nothing we can patch
    _write_if_changed(path, transform(text), changed)


_MAKEFILE_ASSIGN = re.compile(r"^(?P<key>[A-Z][A-Z0-9_]*)(?P<op>\s*[:+?]?=[ \t]*)(?P<value>.*)$")


def _patch_makefile(text: str, old: str, new: str) -> str:
    lines = _replace_prefix(text, old, new).split("\n")
    for i, line in enumerate(lines):
        m = _MAKEFILE_ASSIGN.match(line)
        if not m:
            continue
        key, value = m["key"], m["value"]
        if key in COMPILER_VARS or key == "AR":
            patched = _patch_value(key, value, old, new)
            if patched != value:
                lines[i] = f"{key}{m['op']}{patched}"
    return "\n".join(lines)


def relocate_cpython(python_home: Path, *, log: Logger | None = None) -> list[Path]:
    """Point the sysconfig data of the CPython in `python_home` at `python_home`.

    Returns the files that were changed (empty when already relocated).
    """
    home = Path(python_home).absolute()
    new = str(home)
    sysconfigdata = find_sysconfigdata(home)
    data = _load_build_time_vars(sysconfigdata)
    old = data.get("prefix")
    if not isinstance(old, str) or not old.startswith("/"):
        raise _not_cpython(home, "build_time_vars['prefix']")
    old = old.rstrip("/") or "/"
    changed: list[Path] = []
    if log is not None:
        log.debug(f"relocating CPython: build prefix {old} -> {new}")

    # _sysconfigdata_*.py: patched as data, written back as CPython itself writes it.
    patched = {
        key: _patch_value(key, value, old, new) if isinstance(value, str) else value
        for key, value in data.items()
    }
    if patched != data:
        text = _HEADER + "build_time_vars = " + pprint.pformat(patched, indent=1) + "\n"
        _write_if_changed(sysconfigdata, text, changed)

    libdir = sysconfigdata.parent
    for makefile in sorted(libdir.glob("config-3.*/Makefile")):
        _patch_text_file(makefile, lambda t: _patch_makefile(t, old, new), changed)
    for script in sorted(home.glob("bin/python3*-config")):
        _patch_text_file(script, lambda t: _replace_prefix(t, old, new), changed)
    for pc in sorted(home.glob("lib/pkgconfig/*.pc")):
        _patch_text_file(pc, lambda t: _replace_prefix(t, old, new), changed)

    if changed:
        stem = sysconfigdata.stem
        for pyc in sorted((libdir / "__pycache__").glob(f"{stem}.*.pyc")):
            pyc.unlink(missing_ok=True)
            changed.append(pyc)
    if log is not None:
        for path in changed:
            log.debug(f"patched {path.relative_to(home) if path.is_relative_to(home) else path}")
    return changed
