"""Debian/Ubuntu archives: signed indexes, dependency resolution, and .deb unpacking.

The same steps as apt (and Heroku's deb-packages buildpack), without root and without dpkg:

1. `dists/<suite>/InRelease` is fetched and its signature checked with `gpgv` against the
   archive keyring shipped in `pybuildpack/keyrings/`; only the signed text is used.
2. `<component>/binary-<arch>/Packages.xz` is fetched (by hash when the Release says
   `Acquire-By-Hash: yes`) and checked against the sha256 and size the Release lists.
3. Requested names are resolved through `Depends` and `Pre-Depends` (the first alternative
   that exists; a virtual package with one provider is that provider), skipping packages
   the target image already has, except packages asked for by name.
4. Each `.deb` is downloaded and checked against the sha256 of the index, its maintainer
   scripts are checked (see `check_scripts`), and its `data.tar.*` is unpacked into a layer
   with absolute symlinks made relative to the layer.

Deb822 paragraphs (Release, Packages, dpkg status) and .deb files are read with
python-debian. Packages files are split into paragraphs with a regex first (0.4 s for
Debian's 63,000 packages instead of 9 s), and a paragraph is parsed only when resolution
reaches it.
"""

from __future__ import annotations

import difflib
import hashlib
import lzma
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from debian import deb822, debfile
from debian.debian_support import Version

from pybuildpack.catalog import Dependency
from pybuildpack.download import Mirror, fetch
from pybuildpack.errors import (
    AmbiguousSystemPackage,
    ArchiveSignatureInvalid,
    ArchiveUnreachable,
    ChecksumMismatch,
    DownloadFailed,
    MaintainerScriptsRequired,
    SystemPackageChecksumMismatch,
    UnknownSystemPackage,
    UnsafeArchive,
    UnsupportedDistro,
)
from pybuildpack.log import NULL, Logger

KEYRINGS = Path(__file__).resolve().parent / "keyrings"
GPGV = "gpgv"
MIRROR_ENV = "BP_SYSTEM_PACKAGES_MIRROR"
SECURITY_MIRROR_ENV = "BP_SYSTEM_PACKAGES_SECURITY_MIRROR"
DPKG_STATUS = Path("/var/lib/dpkg/status")

_MULTIARCH = {"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}
_DEBIAN_CODENAMES = {"12": "bookworm", "13": "trixie"}
_UBUNTU_CODENAMES = {"22.04": "jammy", "24.04": "noble"}
_PACKAGE = re.compile(rb"^Package: *(\S+)", re.MULTILINE)
_PROVIDES = re.compile(rb"^Provides: *(.*(?:\n[ \t].*)*)", re.MULTILINE)
_BASE = re.compile(rb"^(?:Priority: *required|Essential: *yes)\s*$", re.MULTILINE)


# --- which archive ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Archive:
    """One apt source: `deb <uri> <suite> <components...>`, signed by `keyring`."""

    uri: str
    suite: str
    components: tuple[str, ...]
    keyring: str  # a file name in pybuildpack/keyrings/


@dataclass(frozen=True)
class Distro:
    name: str  # "debian", "ubuntu"
    version: str  # "12", "24.04"
    codename: str
    arch: str  # Debian's name: amd64, arm64
    archives: tuple[Archive, ...]

    @property
    def multiarch(self) -> str:
        return _MULTIARCH[self.arch]

    def describe(self) -> str:
        return f"{self.name} {self.version} ({self.codename}, {self.arch})"


def distro_for(name: str, version: str, arch: str, env: Mapping[str, str]) -> Distro:
    """The archives of the target's distribution (CNB_TARGET_DISTRO_NAME and _VERSION)."""
    name, version = name.strip().lower(), version.strip()
    if arch not in _MULTIARCH:
        raise UnsupportedDistro(name or "(unset)", version, arch, "architecture")
    main_mirror = env.get(MIRROR_ENV, "").strip().rstrip("/") or None
    security_mirror = env.get(SECURITY_MIRROR_ENV, "").strip().rstrip("/") or None
    if name == "debian":
        codename = _DEBIAN_CODENAMES.get(version.split(".")[0])
        if codename is None:
            raise UnsupportedDistro(name, version, arch, "version")
        main = main_mirror or "http://deb.debian.org/debian"
        security = security_mirror or "http://deb.debian.org/debian-security"
        keyring = "debian-archive-keyring.gpg"
        archives = (
            Archive(main, codename, ("main",), keyring),
            Archive(main, f"{codename}-updates", ("main",), keyring),
            Archive(security, f"{codename}-security", ("main",), keyring),
        )
    elif name == "ubuntu":
        codename = _UBUNTU_CODENAMES.get(version)
        if codename is None:
            raise UnsupportedDistro(name, version, arch, "version")
        default = (
            "http://archive.ubuntu.com/ubuntu"
            if arch == "amd64"
            else "http://ports.ubuntu.com/ubuntu-ports"
        )
        main = main_mirror or default
        security = security_mirror or (
            "http://security.ubuntu.com/ubuntu" if arch == "amd64" else default
        )
        keyring = "ubuntu-archive-keyring.gpg"
        parts = ("main", "universe")
        archives = (
            Archive(main, codename, parts, keyring),
            Archive(main, f"{codename}-updates", parts, keyring),
            Archive(security, f"{codename}-security", parts, keyring),
        )
    else:
        raise UnsupportedDistro(name or "(unset)", version, arch, "name")
    for archive in archives:
        if not (KEYRINGS / archive.keyring).is_file():
            raise UnsupportedDistro(name, version, arch, "keyring")
    return Distro(name, version, codename, arch, archives)


# --- signed indexes --------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify_inrelease(data: bytes, keyring: Path, uri: str) -> bytes:
    """The signed text of an InRelease file, or ArchiveSignatureInvalid.

    Only what gpgv writes out as signed is returned: text outside the signature (which an
    attacker could append) never reaches the parser.
    """
    if shutil.which(GPGV) is None:
        raise ArchiveSignatureInvalid(uri, "gpgv-missing", "")
    with tempfile.TemporaryDirectory(prefix="pybuildpack-gpgv-") as home:
        signed = Path(home) / "InRelease"
        signed.write_bytes(data)
        out = Path(home) / "Release"
        result = subprocess.run(
            [
                GPGV,
                "--homedir",
                home,
                "--status-fd",
                "1",
                "--keyring",
                str(keyring),
                "--output",
                str(out),
                str(signed),
            ],
            capture_output=True,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
            check=False,
        )
        status = result.stdout.decode(errors="replace")
        if result.returncode != 0 or "[GNUPG:] VALIDSIG" not in status or not out.is_file():
            detail = (result.stderr.decode(errors="replace") or status).strip()
            raise ArchiveSignatureInvalid(uri, "bad-signature", detail[-1500:])
        return out.read_bytes()


@dataclass(frozen=True)
class IndexFile:
    """A Packages file the Release lists: where it is and what it must hash to."""

    archive: Archive
    component: str
    uri: str
    sha256: str
    size: int


def index_files(archive: Archive, release_text: bytes, arch: str, uri: str) -> list[IndexFile]:
    release = deb822.Release(release_text)
    codename = release.get("Codename", "")
    suite = release.get("Suite", "")
    if archive.suite not in (codename, suite):
        raise ArchiveSignatureInvalid(
            uri, "wrong-suite", f"signed for {codename or suite!r}, not {archive.suite!r}"
        )
    by_hash = release.get("Acquire-By-Hash", "no").strip().lower() == "yes"
    listed = {entry["name"]: entry for entry in release.get("SHA256", [])}
    base = f"{archive.uri}/dists/{archive.suite}"
    files = []
    for component in archive.components:
        name = f"{component}/binary-{arch}/Packages.xz"
        entry = listed.get(name)
        if entry is None:
            raise ArchiveSignatureInvalid(uri, "not-listed", name)
        digest = entry["sha256"]
        path = f"{component}/binary-{arch}/by-hash/SHA256/{digest}" if by_hash else name
        files.append(IndexFile(archive, component, f"{base}/{path}", digest, int(entry["size"])))
    return files


def fetch_verified(
    uri: str, sha256: str, dest: Path, mirror: Mirror | None, log: Logger, name: str = ""
) -> Path:
    """`uri` downloaded into `dest` and checked against `sha256` (ChecksumMismatch if not)."""
    dependency = Dependency(
        id=name or "system-package",
        version="0",
        uri=uri,
        checksum=f"sha256:{sha256}",
    )
    try:
        return fetch(dependency, dest, mirror=mirror, log=None, retries=3)
    except DownloadFailed as exc:
        raise ArchiveUnreachable(exc.uri, exc.detail) from None
    except ChecksumMismatch as exc:
        what = "index" if name == "index" else "package"
        raise SystemPackageChecksumMismatch(exc.uri, what, exc.expected, exc.actual) from None


def _fetch_unchecked(uri: str, mirror: Mirror | None) -> bytes:
    """An InRelease file: its integrity comes from its signature, checked right after."""
    import urllib.error
    import urllib.request

    from pybuildpack.download import _request, ssl_context

    source = mirror.rewrite(uri) if mirror else uri
    local = source[7:] if source.startswith("file://") else None
    try:
        if local is not None:
            return Path(local).read_bytes()
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ssl_context()))
        last = ""
        for _ in range(3):
            try:
                with opener.open(_request(source), timeout=30) as response:
                    body: bytes = response.read()
                    return body
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    raise ArchiveUnreachable(source, f"HTTP {exc.code} {exc.reason}") from None
                last = f"HTTP {exc.code} {exc.reason}"
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                last = str(getattr(exc, "reason", exc))
        raise ArchiveUnreachable(source, last)
    except OSError as exc:
        raise ArchiveUnreachable(source, str(exc)) from None


# --- the package index -----------------------------------------------------------------------


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    filename: str
    sha256: str
    size: int
    archive_uri: str
    depends: tuple[tuple[str, ...], ...]  # each tuple: the alternatives of one dependency

    @property
    def uri(self) -> str:
        return f"{self.archive_uri}/{self.filename}"


def _parse(raw: bytes, archive_uri: str) -> Package:
    para = deb822.Packages(raw)
    depends: list[tuple[str, ...]] = []
    for field_name in ("pre-depends", "depends"):
        for alternatives in para.relations[field_name] or []:
            names = tuple(alt["name"] for alt in alternatives)
            if names:
                depends.append(names)
    return Package(
        name=para["Package"],
        version=para.get("Version", ""),
        filename=para.get("Filename", ""),
        sha256=para.get("SHA256", ""),
        size=int(para.get("Size", "0") or 0),
        archive_uri=archive_uri,
        depends=tuple(depends),
    )


@dataclass
class PackageIndex:
    """Every package of the archives, each parsed only when asked for."""

    raw: dict[str, list[tuple[bytes, str]]] = field(default_factory=dict)
    providers: dict[str, set[str]] = field(default_factory=dict)
    base: set[str] = field(default_factory=set)  # Priority: required / Essential: yes
    _parsed: dict[str, Package] = field(default_factory=dict)

    def add(self, text: bytes, archive_uri: str) -> None:
        for para in text.split(b"\n\n"):
            match = _PACKAGE.search(para)
            if match is None:
                continue
            name = match.group(1).decode()
            self.raw.setdefault(name, []).append((para, archive_uri))
            self._parsed.pop(name, None)
            provides = _PROVIDES.search(para)
            if provides is not None:
                for item in provides.group(1).decode().split(","):
                    virtual = item.strip().split(" ")[0].split("(")[0].strip()
                    if virtual:
                        self.providers.setdefault(virtual, set()).add(name)
            if _BASE.search(para):
                self.base.add(name)

    def __contains__(self, name: object) -> bool:
        return name in self.raw

    def get(self, name: str) -> Package:
        """The highest version of `name` across the archives (the first on a tie)."""
        if name not in self._parsed:
            candidates = [_parse(raw, uri) for raw, uri in self.raw[name]]
            best = candidates[0]
            for candidate in candidates[1:]:
                if Version(candidate.version) > Version(best.version):
                    best = candidate
            self._parsed[name] = best
        return self._parsed[name]

    def base_closure(self) -> frozenset[str]:
        """The distribution's required set with its unconditional dependencies.

        This is what `debootstrap --variant=minbase` starts from and every base image of
        the distribution has. Alternatives (`a | b`) are not followed: an image may have
        either, so neither is assumed.
        """
        seen: set[str] = set()
        todo = sorted(self.base)
        while todo:
            name = todo.pop()
            if name in seen or name not in self.raw:
                continue
            seen.add(name)
            for alternatives in self.get(name).depends:
                if len(alternatives) == 1:
                    todo.append(alternatives[0])
        return frozenset(seen)

    def suggestions(self, name: str) -> list[str]:
        names = list(self.raw) + list(self.providers)
        return difflib.get_close_matches(name, names, n=5, cutoff=0.75)


def installed_packages(status: Path = DPKG_STATUS) -> frozenset[str]:
    """Names (and what they provide) installed in this image, from dpkg's status file."""
    try:
        text = status.read_bytes()
    except OSError:
        return frozenset()
    names: set[str] = set()
    for para in deb822.Deb822.iter_paragraphs(text, use_apt_pkg=False):
        state = para.get("Status", "").split()
        if "Package" not in para or state[-1:] != ["installed"]:
            continue
        names.add(para["Package"])
        for item in para.get("Provides", "").split(","):
            virtual = item.strip().split(" ")[0]
            if virtual:
                names.add(virtual)
    return frozenset(names)


# --- resolution ------------------------------------------------------------------------------


def _lookup(index: PackageIndex, name: str, distro: str) -> str:
    """A real package name for `name` (itself, or the single provider of a virtual name)."""
    if name in index:
        return name
    providers = sorted(index.providers.get(name, ()))
    if len(providers) == 1:
        return providers[0]
    if len(providers) > 1:
        raise AmbiguousSystemPackage(name, providers, distro)
    raise UnknownSystemPackage(name, index.suggestions(name), distro)


def resolve(
    index: PackageIndex,
    requested: Sequence[str],
    present: Iterable[str],
    distro: str = "",
) -> list[Package]:
    """The packages to unpack for `requested`, dependencies included, in a stable order.

    A package in `present` (the target image has it) is skipped with its dependencies,
    unless it was requested by name. Cycles end at packages already chosen.
    """
    have = set(present)
    chosen: dict[str, Package] = {}
    provided: set[str] = set()

    def satisfied(name: str) -> bool:
        return name in have or name in chosen or name in provided

    def visit(name: str, forced: bool) -> None:
        if name in chosen or (not forced and name in have):
            return
        package = index.get(name)
        chosen[name] = package
        for virtual, providers in index.providers.items():
            if name in providers:
                provided.add(virtual)
        for alternatives in package.depends:
            if any(satisfied(alt) for alt in alternatives):
                continue
            pick = None
            for alt in alternatives:
                try:
                    pick = _lookup(index, alt, distro)
                    break
                except (UnknownSystemPackage, AmbiguousSystemPackage):
                    if alt == alternatives[-1]:
                        raise
            if pick is not None and not satisfied(pick):
                visit(pick, forced=False)

    for name in requested:
        visit(_lookup(index, name, distro), forced=True)
    return sorted(chosen.values(), key=lambda p: p.name)


# --- .deb files ------------------------------------------------------------------------------

# Maintainer scripts are never run (no root, no dpkg database in a layer). Triggers are
# ldconfig's and the like: LD_LIBRARY_PATH does ldconfig's job. prerm/postrm only run on
# removal. preinst, postinst and config (debconf) can do what a package needs to work, so
# a package with one is refused unless its script is only boilerplate, or it was reviewed:
REVIEWED_SCRIPTS: dict[str, str] = {
    "mariadb-common": "postinst only points /etc/mysql/my.cnf at mariadb.cnf with "
    "update-alternatives; the client library works without the file",
    "mysql-common": "postinst only manages the /etc/mysql/my.cnf alternative",
    "libgssapi-krb5-2": "postinst only copies /usr/etc/gss/mech on upgrades from < 1.12",
    "pkg-config": "preinst only removes leftovers of old versions on upgrade",
    "pkgconf": "preinst only removes diversions of old versions on upgrade",
}
_CHECKED_SCRIPTS = ("preinst", "postinst", "config")
_BOILERPLATE = re.compile(
    r"^(#.*|set -e|exit 0|ldconfig|if \[ \"\$1\" = \"configure\" \]; then|fi|"
    r"case \"\$1\" in|esac|;;|\S+\)|true|dpkg-maintscript-helper .*)$"
)


def _script_lines(text: str) -> list[str]:
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not _BOILERPLATE.match(line):
            lines.append(line)
    return lines


@dataclass(frozen=True)
class DebFile:
    package: Package
    path: Path


def check_scripts(deb: DebFile, allowed: frozenset[str]) -> None:
    """MaintainerScriptsRequired when the package needs a script that we do not run."""
    name = deb.package.name
    if name in REVIEWED_SCRIPTS or name in allowed:
        return
    try:
        control = debfile.DebFile(str(deb.path)).control
        members = {Path(n).name for n in control.tgz().getnames()}
        for script in _CHECKED_SCRIPTS:
            if script not in members:
                continue
            text = (control.get_content(script) or b"").decode("utf-8", errors="replace")
            lines = _script_lines(text)
            if lines:
                raise MaintainerScriptsRequired(name, deb.package.version, script, lines[:8])
    except debfile.DebError as exc:
        raise UnsafeArchive(deb.package.uri, "control.tar", "unreadable") from exc


def download(
    packages: Sequence[Package], dest: Path, mirror: Mirror | None, log: Logger = NULL
) -> list[DebFile]:
    """Each .deb, checked against the sha256 of the signed index."""
    files = []
    for package in packages:
        path = fetch_verified(package.uri, package.sha256, dest, mirror, log, package.name)
        files.append(DebFile(package, path))
    return files


_DROPPED = ("usr/share/man/", "usr/share/info/", "usr/share/lintian/", "usr/share/locale/")


def _keep(name: str) -> bool:
    if name.startswith(_DROPPED):
        return False
    # documentation goes, but copyright files stay (licences of what we ship)
    return not (name.startswith("usr/share/doc/") and not name.endswith("/copyright"))


def unpack(deb: DebFile, dest: Path) -> list[str]:
    """Unpack `data.tar.*` under `dest`; returns the regular files and links written.

    Absolute symlinks (`/usr/lib/x/libfoo.so -> /lib/x/libfoo.so.1`) are made relative so
    they point into the layer; anything that would still leave `dest` is refused by
    tarfile's `data` filter (UnsafeArchive).
    """
    uri = deb.package.uri
    try:
        data = debfile.DebFile(str(deb.path)).data.tgz()
    except (debfile.DebError, tarfile.TarError, OSError, lzma.LZMAError) as exc:
        raise UnsafeArchive(uri, "data.tar", "unreadable") from exc
    written: list[str] = []
    members: list[tarfile.TarInfo] = []
    try:
        for member in data.getmembers():
            name = os.path.normpath(member.name.lstrip("./") or ".")
            if name == "." or not _keep(name + ("/" if member.isdir() else "")):
                continue
            if name.startswith("../") or name == "..":
                raise UnsafeArchive(uri, member.name, "path-escape")
            changes: dict[str, str] = {"name": name}
            if member.issym() and member.linkname.startswith("/"):
                target = os.path.normpath(member.linkname.lstrip("/"))
                changes["linkname"] = os.path.relpath(target, os.path.dirname(name) or ".")
            elif member.islnk():
                changes["linkname"] = os.path.normpath(member.linkname.lstrip("./"))
            members.append(member.replace(**changes, deep=False))  # type: ignore[arg-type]
            if not member.isdir():
                written.append(name)
        dest.mkdir(parents=True, exist_ok=True)
        for member in members:
            existing = dest / member.name
            if (existing.is_symlink() or existing.exists()) and not member.isdir():
                existing.unlink()
            data.extract(member, dest, set_attrs=True, filter="data")
    except tarfile.FilterError as exc:
        member_name = getattr(getattr(exc, "tarinfo", None), "name", "")
        raise UnsafeArchive(uri, member_name, "link-escape") from exc
    except (tarfile.TarError, OSError, EOFError, lzma.LZMAError) as exc:
        raise UnsafeArchive(uri, "", "unreadable") from exc
    return written


# --- pkg-config ------------------------------------------------------------------------------

_PC_VARIABLE = re.compile(r"^(\w+)=(/.*)$")
_PC_FLAG = re.compile(r"(-[IL])(/(?:usr|lib)\b)")


def rewrite_pc_file(path: Path, root: Path) -> bool:
    """Point a .pc file's absolute paths into `root` (prefix=/usr -> prefix=<root>/usr)."""
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    lines = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        match = _PC_VARIABLE.match(body)
        if match and not match.group(2).startswith(str(root)):
            body = f"{match.group(1)}={root}{match.group(2)}"
        elif ":" in body and not body.startswith("#"):
            body = _PC_FLAG.sub(lambda m: f"{m.group(1)}{root}{m.group(2)}", body)
        lines.append(body + ("\n" if line.endswith("\n") else ""))
    new = "".join(lines)
    if new == text:
        return False
    if path.is_symlink():
        return False  # the file it points at is rewritten on its own
    path.write_text(new, encoding="utf-8", errors="surrogateescape")
    return True


# --- the whole index step ----------------------------------------------------------------------


@dataclass(frozen=True)
class IndexSource:
    """Where each index came from, for caching and the log."""

    uri: str
    sha256: str


def load_index(
    distro: Distro,
    mirror: Mirror | None,
    cache_dir: Path,
    log: Logger = NULL,
) -> tuple[PackageIndex, list[IndexSource]]:
    """Fetch, verify and read every archive's Packages index.

    `cache_dir` keeps verified Packages.xz files by sha256: an unchanged index is not
    downloaded again (InRelease always is, so the cache never serves a stale index).
    """
    index = PackageIndex()
    sources: list[IndexSource] = []
    cache_dir.mkdir(parents=True, exist_ok=True)
    for archive in distro.archives:
        inrelease_uri = f"{archive.uri}/dists/{archive.suite}/InRelease"
        signed = _fetch_unchecked(inrelease_uri, mirror)
        release = verify_inrelease(signed, KEYRINGS / archive.keyring, inrelease_uri)
        for item in index_files(archive, release, distro.arch, inrelease_uri):
            cached = cache_dir / f"{item.sha256}.xz"
            if cached.is_file() and _sha256(cached.read_bytes()) == item.sha256:
                log.debug(f"index {item.uri} from the cache")
            else:
                with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
                    got = fetch_verified(item.uri, item.sha256, Path(tmp), mirror, log, "index")
                    got.replace(cached)
            try:
                text = lzma.decompress(cached.read_bytes())
            except lzma.LZMAError as exc:
                raise SystemPackageChecksumMismatch(
                    item.uri, "index", item.sha256, str(exc)
                ) from exc
            index.add(text, archive.uri)
            sources.append(IndexSource(item.uri, item.sha256))
    keep = {f"{s.sha256}.xz" for s in sources}
    for stale in cache_dir.glob("*.xz"):
        if stale.name not in keep:
            stale.unlink()
    return index, sources
