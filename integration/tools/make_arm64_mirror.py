#!/usr/bin/env python3
"""Make the arm64 CPython test mirror from Debian's own arm64 CPython packages.

The amd64 mirror (make_mirror.py) packs this machine's pyenv builds; there is no arm64 CPython
on an amd64 host, so each MINOR:SUITE (``3.11:bookworm``: CPython 3.11.2, what Debian 12
ships) is assembled from Debian's arm64 binary packages, fetched from
http://deb.debian.org/debian and verified the way apt does: ``dists/SUITE/InRelease`` with
``gpgv`` against the Debian archive keyring the buildpack ships, ``Packages.xz`` against the
sha256 the signed Release lists, every ``.deb`` against the sha256 of that index. The packages
(``python3.X-minimal``, ``libpython3.X-minimal``, ``libpython3.X-stdlib``, ``libpython3.X``,
``libpython3.X-dev``, ``python3.X-dev``, ``python3.X-venv``) are laid out as a
python-build-standalone ``install_only`` tree (``python/bin/python3``,
``python/lib/python3.X``, ``python/include/python3.X``), the way the trixie helper's
make_debian_mirror.py does it for amd64 (same recipe, arch and glibc ceiling as parameters):

- the shared libraries the interpreter and ``lib-dynload`` need (OpenSSL, libffi, SQLite,
  expat, zlib, xz, bzip2, readline, ncurses, uuid, Berkeley DB) come from LIB_SUITE's arm64
  packages and are copied into ``python/lib``; RUNPATH ``$ORIGIN/../lib`` on the executable,
  ``$ORIGIN`` on libraries, ``$ORIGIN/../..`` on extension modules;
- Debian's multiarch paths become the pbs layout under the pbs prefix ``/install``
  (``_sysconfigdata_*.py``, the config Makefile, ``python3.X-config``, ``python-3.X.pc``); the
  buildpack rewrites ``/install`` to the layer path on install as it does for pbs archives;
  ``aarch64-linux-gnu-gcc`` becomes ``gcc``;
- Debian's site-packages policy is put back to upstream's: outside a virtual environment
  Debian's ``site`` (frozen into the interpreter since 3.11, so not patchable as a file)
  looks in ``lib/python3.X/dist-packages``, made a symlink to ``site-packages``, and its
  ``sysconfig`` installs into ``/usr/local``, patched to upstream's ``posix_prefix``; a pbs
  tree uses ``lib/python3.X/site-packages`` (the buildpack's own runtime installs there);
- ``WHEEL_PKG_DIR`` is emptied and upstream wheels of the projects ensurepip bundles (pip, and
  setuptools for 3.11) go to ``ensurepip/_bundled/``: the newest PyPI releases not newer than
  the suite's ``python3-pip-whl`` / ``python3-setuptools-whl``, checked against PyPI's sha256;
- dropped: ``EXTERNALLY-MANAGED``, the ``sitecustomize.py`` symlink into /etc,
  ``test``/``idlelib``/``tkinter``/``turtledemo``, ``_test*``/``xx*`` modules, static libs;
- the stdlib's bytecode is compiled (``checked-hash``) by the packed arm64 interpreter in a
  container of RUN_IMAGE under emulation, and the tar is written with sorted names, mtime 0
  and ``gzip -n``: the same .debs give byte-identical archives.

The output directory is a CNB service binding of type ``dependency-catalog``: ``type``,
``catalog.toml`` (``arch = "arm64"`` entries, ``[default-versions]`` cpython = DEFAULT_MINOR),
the archives, and ``SOURCES.txt`` naming every .deb and wheel used with its sha256.

usage: make_arm64_mirror.py OUT_DIR DEFAULT_MINOR RUN_IMAGE LIB_SUITE MINOR:SUITE...
"""

from __future__ import annotations

import hashlib
import lzma
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ARCHIVE = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
PYPI_SIMPLE = os.environ.get("PYPI_SIMPLE", "https://pypi.org/simple")
KEYRING = (
    Path(__file__).resolve().parents[2]
    / "pybuildpack"
    / "debian"
    / "keyrings"
    / "debian-archive-keyring.gpg"
)
CACHE = Path(os.environ.get("DEB_CACHE", Path.home() / ".cache" / "pybuildpack-dev" / "debs"))
ARCH = "arm64"
TRIPLE = "aarch64-unknown-linux-gnu"
MULTIARCH = "aarch64-linux-gnu"
PREFIX = "/install"
GLIBC_CEILING = (2, 36)  # Debian 12's glibc: the arm64 run image
# Symbols whose newer glibc version may be bound to the older default one (same calling
# convention; see the module docstring).
REBINDABLE = {"cfsetispeed", "cfsetospeed", "cfgetispeed", "cfgetospeed", "cfsetspeed"}
SYSTEM_LIBS = re.compile(
    r"^(linux-vdso|ld-linux[-\w]*|libc|libm|libpthread|libdl|librt|libutil|libresolv|"
    r"libcrypt|libmvec|libanl|libgcc_s)\.so"
)
DROP_STDLIB = {"test", "idlelib", "tkinter", "turtledemo", "EXTERNALLY-MANAGED", "sitecustomize.py"}
DROP_DYNLOAD = re.compile(r"^(_test|_ctypes_test|_xxtestfuzz|xx)")
LIB_PACKAGE = re.compile(r"^(lib|zlib1g$)")
NOT_BUNDLED_PACKAGES = {"libc6", "libgcc-s1", "libcrypt1"}


def log(msg: str) -> None:
    print(f"make_arm64_mirror: {msg}", flush=True)


def fetch(url: str) -> bytes:
    opener = urllib.request.build_opener()
    with opener.open(url, timeout=120) as resp:
        data: bytes = resp.read()
        return data


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- signed indexes ------------------------------------------------------------------------


def paragraphs(text: str) -> list[dict[str, str]]:
    out = []
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if fields:
            out.append(fields)
    return out


def verified_release(suite: str) -> str:
    data = fetch(f"{ARCHIVE}/dists/{suite}/InRelease")
    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "InRelease").write_bytes(data)
        proc = subprocess.run(
            [
                "gpgv",
                "--homedir",
                home,
                "--status-fd",
                "1",
                "--keyring",
                str(KEYRING),
                "--output",
                f"{home}/Release",
                f"{home}/InRelease",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0 or "[GNUPG:] VALIDSIG" not in proc.stdout:
            raise SystemExit(f"make_arm64_mirror: {suite}/InRelease: bad signature\n{proc.stderr}")
        return (Path(home) / "Release").read_text()


@dataclass(frozen=True)
class Deb:
    package: str
    version: str
    filename: str
    sha256: str
    depends: str
    suite: str


def load_index(suite: str) -> dict[str, Deb]:
    release = paragraphs(verified_release(suite))[0]
    name = f"main/binary-{ARCH}/Packages.xz"
    listed = {
        parts[2]: parts[0]
        for line in release["SHA256"].splitlines()
        if len(parts := line.split()) == 3
    }
    if name not in listed:
        raise SystemExit(f"make_arm64_mirror: {suite} Release does not list {name}")
    data = fetch(f"{ARCHIVE}/dists/{suite}/{name}")
    if sha256(data) != listed[name]:
        raise SystemExit(
            f"make_arm64_mirror: {suite}/{name}: sha256 differs from the signed Release"
        )
    debs: dict[str, Deb] = {}
    for p in paragraphs(lzma.decompress(data).decode()):
        depends = ", ".join(x for x in (p.get("Pre-Depends", ""), p.get("Depends", "")) if x)
        debs[p["Package"]] = Deb(
            p["Package"], p["Version"], p["Filename"], p["SHA256"], depends, suite
        )
    log(f"{suite}: signed Release and Packages.xz verified ({len(debs)} packages)")
    return debs


def download(deb: Deb) -> Path:
    path = CACHE / f"{deb.sha256[:16]}-{Path(deb.filename).name}"
    if path.is_file() and sha256(path.read_bytes()) == deb.sha256:
        return path
    data = fetch(f"{ARCHIVE}/{deb.filename}")
    if sha256(data) != deb.sha256:
        raise SystemExit(f"make_arm64_mirror: {deb.filename}: sha256 differs from Packages")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".tmp").write_bytes(data)
    path.with_suffix(".tmp").rename(path)
    return path


def unpack(deb: Deb, dest: Path) -> None:
    subprocess.run(["dpkg-deb", "-x", str(download(deb)), str(dest)], check=True)


def library_closure(roots: list[Deb], libs: dict[str, Deb]) -> list[Deb]:
    """The shared-library packages (from LIB_SUITE) the roots depend on, transitively."""
    seen: dict[str, Deb] = {}
    todo = [d for d in roots]
    while todo:
        deb = todo.pop()
        for clause in deb.depends.split(","):
            name = clause.strip().split("|")[0].split()[0].split(":")[0] if clause.strip() else ""
            if (
                not name
                or not LIB_PACKAGE.match(name)
                or name in NOT_BUNDLED_PACKAGES
                or name.endswith(("-dev", "-bin"))
            ):
                continue
            if name.startswith("libpython") or name in seen:
                continue
            if name not in libs:
                raise SystemExit(
                    f"make_arm64_mirror: {deb.package} needs {name}, not in the library suite"
                )
            seen[name] = libs[name]
            todo.append(libs[name])
    return sorted(seen.values(), key=lambda d: d.package)


def upstream_wheel(project: str, debian_version: str) -> tuple[Path, str, str]:
    """A project's own wheel from PyPI: the newest release not newer than Debian's
    python3-<project>-whl.

    Debian's pip wheel is patched to trust only /etc/ssl/certs/ca-certificates.crt (its
    certifi), so a venv made with it on an image without ca-certificates cannot run pip at all;
    pbs archives carry upstream wheels. Verified against the sha256 in PyPI's simple index."""
    html = fetch(f"{PYPI_SIMPLE}/{project}/").decode()
    pattern = rf'href="([^"#]+/({project}-[^"#/]+-py3-none-any\.whl))#sha256=([0-9a-f]{{64}})"'
    links = {name: (url, digest) for url, name, digest in re.findall(pattern, html)}
    limit = vtuple(debian_version.split("+")[0])
    final = [n for n in links if re.fullmatch(rf"{project}-\d+(\.\d+)*-py3-none-any\.whl", n)]
    fitting = sorted(
        (n for n in final if vtuple(n.split("-")[1]) <= limit),
        key=lambda n: vtuple(n.split("-")[1]),
    )
    if not fitting:
        raise SystemExit(f"make_arm64_mirror: no {project} wheel on PyPI up to {debian_version}")
    name = fitting[-1]
    url, digest = links[name]
    path = CACHE / digest[:16] / name
    if not (path.is_file() and sha256(path.read_bytes()) == digest):
        data = fetch(url)
        if sha256(data) != digest:
            raise SystemExit(f"make_arm64_mirror: {name}: sha256 differs from PyPI's index")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".tmp").write_bytes(data)
        path.with_suffix(".tmp").rename(path)
    return path, url, digest


def vtuple(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version))


# --- ELF ---------------------------------------------------------------------------------------


def is_elf(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def needed(path: Path) -> list[str]:
    out = subprocess.run(
        ["readelf", "-d", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def glibc_versions_over_ceiling(path: Path) -> dict[str, set[str]]:
    """version name -> symbols that need a glibc newer than GLIBC_CEILING.

    readelf, not objdump: the host's objdump (amd64 binutils) does not read aarch64 files."""
    out = subprocess.run(
        ["readelf", "--dyn-syms", "--wide", str(path)], capture_output=True, text=True, check=True
    ).stdout
    over: dict[str, set[str]] = {}
    for line in out.splitlines():
        m = re.search(r"\bUND\s+([^@\s]+)@GLIBC_(\d+)\.(\d+)", line)
        if m and (int(m.group(2)), int(m.group(3))) > GLIBC_CEILING:
            over.setdefault(f"GLIBC_{m.group(2)}.{m.group(3)}", set()).add(m.group(1))
    return over


def weaken_version_need(path: Path, version: str) -> None:
    """Set VER_FLG_WEAK on the Vernaux entry naming `version` (ld.so then only warns)."""
    data = bytearray(path.read_bytes())
    assert data[4] == 2 and data[5] == 1, f"{path}: not a little-endian ELF64"
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [
        struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)
    ]
    done = False
    for sec in sections:
        if sec[1] != 0x6FFFFFFE:  # SHT_GNU_verneed
            continue
        strtab = sections[sec[6]][4]
        off = sec[4]
        for _ in range(sec[7]):
            _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, off)
            a = off + aux
            for _ in range(cnt):
                _, flags, _, name, anext = struct.unpack_from("<IHHII", data, a)
                end = data.index(b"\0", strtab + name)
                if data[strtab + name : end].decode() == version:
                    struct.pack_into("<H", data, a + 4, flags | 0x2)  # VER_FLG_WEAK
                    done = True
                a += anext
            off += nxt
    if not done:
        raise SystemExit(f"make_arm64_mirror: {path}: no version need {version}")
    path.write_bytes(bytes(data))


def bind_to_older_glibc(path: Path) -> list[str]:
    fixed = []
    for version, symbols in sorted(glibc_versions_over_ceiling(path).items()):
        if not symbols <= REBINDABLE:
            raise SystemExit(
                f"make_arm64_mirror: {path.name} needs {version} for "
                f"{sorted(symbols - REBINDABLE)}: newer than the run image's glibc {GLIBC_CEILING}"
            )
        args = [a for s in sorted(symbols) for a in ("--clear-symbol-version", s)]
        subprocess.run(["patchelf", *args, str(path)], check=True)
        weaken_version_need(path, version)
        fixed.append(f"{path.name}: {version} ({', '.join(sorted(symbols))})")
    return fixed


# --- layout ------------------------------------------------------------------------------------


def path_rewrites(minor: str) -> list[tuple[re.Pattern[str], str]]:
    before = r"(?:^|(?<=[\s=:,'\"(])|(?<=-[LIR]))"
    after = r"(?=/|$|[\s'\":;,)])"
    pairs = [
        (f"/usr/lib/{MULTIARCH}/python{minor}", f"{PREFIX}/lib/python{minor}"),
        (f"/usr/lib/{MULTIARCH}", f"{PREFIX}/lib"),
        (f"/usr/include/{MULTIARCH}/python{minor}", f"{PREFIX}/include/python{minor}"),
        ("/usr/include", f"{PREFIX}/include"),
        (f"/usr/lib/python{minor}", f"{PREFIX}/lib/python{minor}"),
        (f"/usr/bin/python{minor}", f"{PREFIX}/bin/python{minor}"),
    ]
    rules = [(re.compile(before + re.escape(old) + after, re.MULTILINE), new) for old, new in pairs]
    # the bare prefix and its bin/lib dirs, as whole words only (/usr/bin/install stays)
    for old, new in (
        ("/usr/bin", f"{PREFIX}/bin"),
        ("/usr/lib", f"{PREFIX}/lib"),
        ("/usr", PREFIX),
    ):
        rules.append(
            (re.compile(before + re.escape(old) + r"(?=$|[\s'\":;,)])", re.MULTILINE), new)
        )
    rules.append((re.compile(r"\$\{exec_prefix\}/lib/" + MULTIARCH), "${exec_prefix}/lib"))
    rules.append((re.compile(r"\s*-I\$\{includedir\}/" + MULTIARCH + f"/python{minor}"), ""))
    rules.append(
        (
            re.compile(r"\b" + MULTIARCH + r"-(gcc-ar|gcc-nm|gcc-ranlib|gcc|g\+\+|cpp)(?![\w+.-])"),
            r"\1",
        )
    )
    return rules


def rewrite_file(path: Path, minor: str) -> None:
    text = path.read_text()
    for pattern, new in path_rewrites(minor):
        text = pattern.sub(new, text)
    if path.name.startswith("_sysconfigdata_"):
        text = re.sub(r"'WHEEL_PKG_DIR': '[^']*'", "'WHEEL_PKG_DIR': ''", text)
    elif path.name.startswith("_sysconfig_vars_"):
        text = re.sub(r'"WHEEL_PKG_DIR": "[^"]*"', '"WHEEL_PKG_DIR": ""', text)
    elif path.name == "Makefile":
        text = re.sub(r"^(WHEEL_PKG_DIR=).*$", r"\1", text, flags=re.MULTILINE)
    path.write_text(text)


def lay_out(unpacked: Path, root: Path, minor: str, wheels: list[Path]) -> None:
    usr = unpacked / "usr"
    stdlib = root / "lib" / f"python{minor}"
    (root / "bin").mkdir(parents=True)
    (root / "include").mkdir()
    shutil.copytree(usr / "lib" / f"python{minor}", stdlib, symlinks=True)
    for name in DROP_STDLIB:
        p = stdlib / name
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        elif p.exists() or p.is_symlink():
            p.unlink()
    for p in sorted(stdlib.rglob("*")):
        if p.name == "__pycache__" and p.is_dir():
            shutil.rmtree(p)
        elif p.name.endswith(".a"):
            p.unlink()
    for p in sorted((stdlib / "lib-dynload").iterdir()):
        if DROP_DYNLOAD.match(p.name):
            p.unlink()
    (stdlib / "site-packages").mkdir(exist_ok=True)
    (stdlib / "site-packages" / "README.txt").write_text(
        "This directory exists so that 3rd party packages can be installed here.  Read the\n"
        "source for site.py for more details.\n"
    )
    # headers: Debian's include/python3.X/pyconfig.h only includes the multiarch one
    shutil.copytree(
        usr / "include" / f"python{minor}", root / "include" / f"python{minor}", symlinks=True
    )
    shutil.copy2(
        usr / "include" / MULTIARCH / f"python{minor}" / "pyconfig.h",
        root / "include" / f"python{minor}" / "pyconfig.h",
    )
    # the interpreter, the shared library, pkg-config files, python3.X-config
    shutil.copy2(usr / "bin" / f"python{minor}", root / "bin" / f"python{minor}")
    for link in ("python3", "python"):
        (root / "bin" / link).symlink_to(f"python{minor}")
    shutil.copy2(
        usr / "bin" / f"{MULTIARCH}-python{minor}-config", root / "bin" / f"python{minor}-config"
    )
    (root / "bin" / "python3-config").symlink_to(f"python{minor}-config")
    libdir = usr / "lib" / MULTIARCH
    shutil.copy2(libdir / f"libpython{minor}.so.1.0", root / "lib" / f"libpython{minor}.so.1.0")
    (root / "lib" / f"libpython{minor}.so.1").symlink_to(f"libpython{minor}.so.1.0")
    (root / "lib" / f"libpython{minor}.so").symlink_to(f"libpython{minor}.so.1.0")
    config = stdlib / f"config-{minor}-{MULTIARCH}"
    if (config / f"libpython{minor}.so").is_symlink() or (config / f"libpython{minor}.so").exists():
        (config / f"libpython{minor}.so").unlink()
        (config / f"libpython{minor}.so").symlink_to(f"../../libpython{minor}.so")
    (root / "lib" / "pkgconfig").mkdir()
    for pc in sorted((libdir / "pkgconfig").glob("python-*.pc")):
        shutil.copy2(pc, root / "lib" / "pkgconfig" / pc.name)
    # pip (and setuptools for 3.11) for ensurepip and the buildpack: the pbs place, not
    # Debian's WHEEL_PKG_DIR
    bundled = stdlib / "ensurepip" / "_bundled"
    bundled.mkdir()
    init = stdlib / "ensurepip" / "__init__.py"
    text = init.read_text()
    for wheel in wheels:
        project, version = wheel.name.split("-")[:2]
        shutil.copy2(wheel, bundled / wheel.name)
        text = re.sub(
            rf'^_{project.upper()}_VERSION = "[^"]*"',
            f'_{project.upper()}_VERSION = "{version}"',
            text,
            flags=re.MULTILINE,
        )
    init.write_text(text)
    # upstream's site-packages policy (see the module docstring). `site` is a frozen module
    # since 3.11 (compiled into the interpreter), so Debian's site.py runs whatever the file
    # says: outside a venv it looks in lib/python3.X/dist-packages, which is made to be
    # site-packages; sysconfig is read from its file, and installs go to site-packages.
    (stdlib / "dist-packages").symlink_to("site-packages")
    sysconfig = stdlib / "sysconfig.py"
    sysconfig.write_text(
        sysconfig.read_text().replace(
            "prefix_scheme = 'posix_local'", "prefix_scheme = 'posix_prefix'"
        )
    )
    # Debian's paths -> pbs layout under /install
    targets = [
        *stdlib.glob("_sysconfigdata_*.py"),
        *stdlib.glob("_sysconfig_vars_*.json"),
        *stdlib.glob("build-details*.json"),
        config / "Makefile",
        root / "bin" / f"python{minor}-config",
        *(root / "lib" / "pkgconfig").glob("*.pc"),
    ]
    for t in targets:
        if t.is_file() and not t.is_symlink():
            rewrite_file(t, minor)


def bundle_libs(root: Path, minor: str, libtree: Path) -> tuple[list[str], list[str]]:
    lib = root / "lib"
    dynload = lib / f"python{minor}" / "lib-dynload"
    exe = root / "bin" / f"python{minor}"
    available: dict[str, Path] = {}
    for d in (libtree / "usr" / "lib" / MULTIARCH, libtree / "lib" / MULTIARCH):
        if d.is_dir():
            for p in d.iterdir():
                if ".so" in p.name:
                    available.setdefault(p.name, p)
    elves = [exe, lib / f"libpython{minor}.so.1.0", *sorted(dynload.glob("*.so"))]
    bundled: dict[str, Path] = {}
    todo = list(elves)
    while todo:
        e = todo.pop()
        for soname in needed(e):
            if soname.startswith("libpython") or SYSTEM_LIBS.match(soname) or soname in bundled:
                continue
            if soname not in available:
                raise SystemExit(
                    f"make_arm64_mirror: {e.name} needs {soname}: in none of the library packages"
                )
            dest = lib / soname
            shutil.copy2(available[soname].resolve(), dest)
            os.chmod(dest, 0o755)
            bundled[soname] = dest
            todo.append(dest)
    fixed: list[str] = []
    for e in elves + list(bundled.values()):
        fixed += bind_to_older_glibc(e)
        if e == exe:
            rpath = "$ORIGIN/../lib"
        elif e.parent == dynload:
            rpath = "$ORIGIN/../.."
        else:
            rpath = "$ORIGIN"
        subprocess.run(["patchelf", "--set-rpath", rpath, str(e)], check=True)
    for e in elves + list(bundled.values()):
        over = glibc_versions_over_ceiling(e)
        dyn = subprocess.run(
            ["readelf", "-d", str(e)], capture_output=True, text=True, check=True
        ).stdout
        if "/usr/lib" in dyn or "/build/" in dyn:
            raise SystemExit(f"make_arm64_mirror: {e} still has a host path in its dynamic section")
        if over and any(not s <= REBINDABLE for s in over.values()):
            raise SystemExit(f"make_arm64_mirror: {e} still needs {sorted(over)}")
    return sorted(bundled), fixed


def compile_bytecode(stage: Path, minor: str, image: str) -> None:
    """compileall with the packed interpreter, in a container of the run image (as root, so it
    can write into the bind-mounted tree; nothing else is written)."""
    subprocess.run(
        [
            "podman",
            "run",
            "--rm",
            "--arch",
            ARCH,
            "--network",
            "none",
            "--user",
            "0:0",
            "-v",
            f"{stage}:/stage",
            "--entrypoint",
            f"/stage/python/bin/python{minor}",
            image,
            "-E",
            "-s",
            "-B",
            "-m",
            "compileall",
            "-q",
            "-f",
            "-j0",
            "--invalidation-mode",
            "checked-hash",
            "-s",
            "/stage",
            "-p",
            "/",
            f"/stage/python/lib/python{minor}",
        ],
        check=True,
    )


def pack(
    minor: str,
    suite: str,
    indexes: dict[str, dict[str, Deb]],
    lib_suite: str,
    image: str,
    out: Path,
) -> tuple[str, str, str, list[Deb], list[str]]:
    index = indexes[suite]
    names = [
        f"python{minor}-minimal",
        f"libpython{minor}-minimal",
        f"libpython{minor}-stdlib",
        f"libpython{minor}",
        f"libpython{minor}-dev",
        f"python{minor}-dev",
        f"python{minor}-venv",
    ]
    # the wheels this version's ensurepip bundles (3.11: setuptools and pip; 3.12+: pip)
    projects = ["pip"]
    if tuple(int(x) for x in minor.split(".")) < (3, 12):
        projects.insert(0, "setuptools")
    missing = [n for n in [*names, *(f"python3-{p}-whl" for p in projects)] if n not in index]
    if missing:
        raise SystemExit(f"make_arm64_mirror: {suite} has no {' '.join(missing)}")
    debs = [index[n] for n in names]
    version = index[f"python{minor}-minimal"].version
    upstream = re.match(r"^(\d+\.\d+\.\d+)", version)
    if not upstream:
        raise SystemExit(f"make_arm64_mirror: python{minor} {version}: not a final release")
    v = upstream.group(1)
    libs = library_closure(debs, indexes[lib_suite])
    wheels = [(p, *upstream_wheel(p, index[f"python3-{p}-whl"].version)) for p in projects]
    with tempfile.TemporaryDirectory(prefix="debmirror-") as tmp:
        unpacked, libtree, stage = Path(tmp) / "debs", Path(tmp) / "libs", Path(tmp) / "stage"
        for d in debs:
            unpack(d, unpacked)
        for d in libs:
            unpack(d, libtree)
        root = stage / "python"
        lay_out(unpacked, root, minor, [w for _, w, _, _ in wheels])
        bundled, fixed = bundle_libs(root, minor, libtree)
        compile_bytecode(stage, minor, image)
        tag = "debian." + version.replace("+", ".").replace("~", ".")
        name = f"cpython-{v}+{tag}-{TRIPLE}-install_only_stripped.tar.gz"
        subprocess.run(
            [
                "tar",
                "-C",
                str(stage),
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
    digest = sha256((out / name).read_bytes())
    log(
        f"{name} {(out / name).stat().st_size // 1024} KiB sha256:{digest[:12]} "
        f"from {suite} {version}; bundled from {lib_suite}: {' '.join(bundled)}"
    )
    for f in fixed:
        log(f"  glibc: {f} bound to the older default version, need marked weak")
    return (
        v,
        name,
        digest,
        debs + libs,
        [f"pypi {p} {w.name.split('-')[1]} {url} sha256:{digest}" for p, w, url, digest in wheels],
    )


def main() -> None:
    out, default_minor, image, lib_suite, *specs = sys.argv[1:]
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    pairs = [tuple(s.split(":", 1)) for s in specs]
    indexes = {s: load_index(s) for s in sorted({lib_suite, *(suite for _, suite in pairs)})}
    lines = ["[default-versions]", f'cpython = "{default_minor}"', ""]
    sources = []
    for minor, suite in pairs:
        v, name, digest, used, wheels = pack(minor, suite, indexes, lib_suite, image, out_dir)
        sources.append(f"# {name}")
        sources += [
            f"{d.suite} {d.package} {d.version} {d.filename} sha256:{d.sha256}" for d in used
        ]
        sources += wheels
        lines += [
            "[[dependencies]]",
            'id = "cpython"',
            'name = "CPython"',
            f'version = "{v}"',
            f'uri = "{name}"',
            f'checksum = "sha256:{digest}"',
            f'arch = "{ARCH}"',
            'os = "linux"',
            'licenses = ["PSF-2.0"]',
            f'purl = "pkg:generic/cpython@{v}?arch={ARCH}"',
            "",
        ]
    (out_dir / "catalog.toml").write_text("\n".join(lines))
    (out_dir / "SOURCES.txt").write_text("\n".join(sources) + "\n")
    (out_dir / "type").write_text("dependency-catalog\n")


if __name__ == "__main__":
    main()
