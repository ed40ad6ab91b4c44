"""Relocating a CPython install: sysconfig data, Makefile, python-config, pkg-config."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pybuildpack.errors import UnsafeArchive
from pybuildpack.layers.cpython_relocation import build_prefix, relocate_cpython

SYSCONFIG = """# system configuration generated and used by the sysconfig module
build_time_vars = {'AR': '/tools/llvm/bin/llvm-ar',
 'BINDIR': '/install/bin',
 'BLDSHARED': 'clang -shared -L/install/lib -fuse-ld=lld',
 'CC': 'clang -pthread',
 'CFLAGS': '-O3 -isysroot /sdk -I/install/include',
 'CXX': 'clang++ -pthread',
 'INCLUDEPY': '/install/include/python3.12',
 'INSTALL': '/usr/bin/install -c',
 'LDSHARED': 'clang -shared -Wl,-rpath,/install/lib '
             '-L/install/lib',
 'LIBDIR': '/install/lib',
 'Py_ENABLE_SHARED': 1,
 'prefix': '/install'}
"""
MAKEFILE = """prefix=\t\t/install
CC=\t\tclang -pthread
CXX=\t\tclang++ -pthread
LDSHARED=\t$(CC) -shared
AR=\t\t/tools/llvm/bin/llvm-ar
INSTALL=\t/usr/bin/install -c
"""
PC = "prefix=/install\nexec_prefix=${prefix}\nlibdir=${exec_prefix}/lib\n"
CONFIG = '#!/bin/sh\nprefix_build="/install"\nprefix_real=$(installed_prefix "$0")\n'


def fake_pbs(home: Path) -> Path:
    lib = home / "lib" / "python3.12"
    (lib / "config-3.12-x86_64-linux-gnu").mkdir(parents=True)
    (lib / "__pycache__").mkdir()
    (home / "lib" / "pkgconfig").mkdir()
    (home / "bin").mkdir()
    (lib / "_sysconfigdata__linux_x86_64-linux-gnu.py").write_text(SYSCONFIG)
    (lib / "__pycache__" / "_sysconfigdata__linux_x86_64-linux-gnu.cpython-312.pyc").write_bytes(
        b"old"
    )
    (lib / "config-3.12-x86_64-linux-gnu" / "Makefile").write_text(MAKEFILE)
    (home / "lib" / "pkgconfig" / "python-3.12.pc").write_text(PC)
    (home / "bin" / "python3.12-config").write_text(CONFIG)
    (home / "bin" / "python3.12-config").chmod(0o755)
    (home / "bin" / "python3-config").symlink_to("python3.12-config")
    return lib


def load_vars(lib: Path) -> dict[str, object]:
    scope: dict[str, object] = {}
    exec((lib / "_sysconfigdata__linux_x86_64-linux-gnu.py").read_text(), scope)
    result = scope["build_time_vars"]
    assert isinstance(result, dict)
    return result


def test_relocate_fake_pbs_tree(tmp_path: Path) -> None:
    home = tmp_path / "layers" / "cpython"
    lib = fake_pbs(home)
    assert build_prefix(home) == "/install"
    changed = relocate_cpython(home)
    names = {p.name for p in changed}
    assert {
        "_sysconfigdata__linux_x86_64-linux-gnu.py",
        "Makefile",
        "python-3.12.pc",
        "python3.12-config",
    } <= names
    v = load_vars(lib)
    h = str(home)
    assert v["prefix"] == h and v["BINDIR"] == f"{h}/bin" and v["LIBDIR"] == f"{h}/lib"
    assert v["INCLUDEPY"] == f"{h}/include/python3.12"
    assert v["CC"] == "cc -pthread" and v["CXX"] == "c++ -pthread"
    assert v["LDSHARED"] == f"cc -shared -Wl,-rpath,{h}/lib -L{h}/lib"
    assert v["BLDSHARED"] == f"cc -shared -L{h}/lib"  # -fuse-ld=lld dropped
    assert v["CFLAGS"] == f"-O3 -I{h}/include"  # -isysroot dropped
    assert v["AR"] == "ar"
    assert v["INSTALL"] == "/usr/bin/install -c"  # not a prefix path
    assert v["Py_ENABLE_SHARED"] == 1
    assert not list((lib / "__pycache__").glob("_sysconfigdata_*"))


def test_relocate_makefile_pkgconfig_and_config_script(tmp_path: Path) -> None:
    home = tmp_path / "py"
    lib = fake_pbs(home)
    relocate_cpython(home)
    makefile = (lib / "config-3.12-x86_64-linux-gnu" / "Makefile").read_text()
    assert f"prefix=\t\t{home}\n" in makefile
    assert "CC=\t\tcc -pthread\n" in makefile and "CXX=\t\tc++ -pthread\n" in makefile
    assert "AR=\t\tar\n" in makefile and "INSTALL=\t/usr/bin/install -c\n" in makefile
    assert (
        (home / "lib" / "pkgconfig" / "python-3.12.pc").read_text().startswith(f"prefix={home}\n")
    )
    script = home / "bin" / "python3.12-config"
    assert f'prefix_build="{home}"' in script.read_text()
    assert os.access(script, os.X_OK)
    assert (home / "bin" / "python3-config").is_symlink()


def test_relocate_is_idempotent(tmp_path: Path) -> None:
    home = tmp_path / "py"
    fake_pbs(home)
    assert relocate_cpython(home)
    snapshot = {p: p.read_bytes() for p in home.rglob("*") if p.is_file() and not p.is_symlink()}
    assert relocate_cpython(home) == []
    assert snapshot == {
        p: p.read_bytes() for p in home.rglob("*") if p.is_file() and not p.is_symlink()
    }


def test_relocate_again_after_move(tmp_path: Path) -> None:
    first = tmp_path / "a"
    fake_pbs(first)
    relocate_cpython(first)
    second = tmp_path / "b"
    shutil.copytree(first, second, symlinks=True)
    relocate_cpython(second)
    v = load_vars(second / "lib" / "python3.12")
    assert v["prefix"] == str(second) and str(first) not in repr(v)


def test_relocate_not_cpython(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    with pytest.raises(UnsafeArchive) as info:
        relocate_cpython(tmp_path)
    assert info.value.reason == "not-cpython"


PYENV = Path("/root/.pyenv/versions/3.12.1")


@pytest.mark.skipif(not (PYENV / "bin" / "python3.12").exists(), reason="needs pyenv 3.12.1")
def test_relocate_real_pyenv_build(tmp_path: Path) -> None:
    """A minimal copy of a real CPython: own binary, libpython and config files, stdlib linked."""
    home = tmp_path / "home"
    (home / "bin").mkdir(parents=True)
    (home / "lib" / "python3.12").mkdir(parents=True)
    shutil.copy2(PYENV / "bin" / "python3.12", home / "bin" / "python3.12")
    shutil.copy2(PYENV / "bin" / "python3.12-config", home / "bin" / "python3.12-config")
    for so in ("libpython3.12.so.1.0", "libpython3.so"):
        shutil.copy2(PYENV / "lib" / so, home / "lib" / so)
    shutil.copytree(PYENV / "lib" / "pkgconfig", home / "lib" / "pkgconfig", symlinks=True)
    src_lib = PYENV / "lib" / "python3.12"
    for entry in src_lib.iterdir():
        target = home / "lib" / "python3.12" / entry.name
        if entry.name.startswith("_sysconfigdata_"):
            shutil.copy2(entry, target)
        elif entry.name.startswith("config-3.12"):
            target.mkdir()
            shutil.copy2(entry / "Makefile", target / "Makefile")
        elif entry.name != "__pycache__":
            target.symlink_to(entry)
    assert build_prefix(home) == str(PYENV)
    changed = relocate_cpython(home)
    assert len(changed) >= 4
    env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": str(home / "lib"), "PYTHONNOUSERSITE": "1"}
    code = (
        "import sys, sysconfig; v = sysconfig.get_config_vars();"
        "print(sys.prefix); print(v['LIBDIR']); print(v['INCLUDEPY']);"
        f"print(any({str(PYENV)!r} in str(x) for x in v.values()))"
    )
    out = subprocess.run(
        [str(home / "bin" / "python3.12"), "-S", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == [str(home), f"{home}/lib", f"{home}/include/python3.12", "False"]
    assert relocate_cpython(home) == []
