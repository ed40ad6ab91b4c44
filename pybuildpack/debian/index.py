"""Debian/Ubuntu package indexes: signed InRelease files, Packages indexes, the dpkg status.

The same steps as apt (and Heroku's deb-packages buildpack), without root and without dpkg:

1. `dists/<suite>/InRelease` is fetched and its signature checked with `gpgv` against the
   archive keyring shipped in `pybuildpack/debian/keyrings/`; only the signed text is used.
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
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from debian import deb822
from debian.debian_support import Version

from pybuildpack.debian.distro import KEYRINGS, Archive, Distro
from pybuildpack.dependencies.catalog import Dependency
from pybuildpack.dependencies.fetch import Fetcher
from pybuildpack.errors import (
    ArchiveSignatureInvalid,
    ArchiveUnreachable,
    ChecksumMismatch,
    DownloadFailed,
    SystemPackageChecksumMismatch,
)
from pybuildpack.log import NULL, Logger

GPGV = "gpgv"
DPKG_STATUS = Path("/var/lib/dpkg/status")
_PACKAGE = re.compile(rb"^Package: *(\S+)", re.MULTILINE)
_PROVIDES = re.compile(rb"^Provides: *(.*(?:\n[ \t].*)*)", re.MULTILINE)
_BASE = re.compile(rb"^(?:Priority: *required|Essential: *yes)\s*$", re.MULTILINE)


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
    uri: str, sha256: str, dest: Path, fetcher: Fetcher, log: Logger, name: str = ""
) -> Path:
    """`uri` downloaded into `dest` and checked against `sha256` (ChecksumMismatch if not)."""
    dependency = Dependency(
        id=name or "system-package",
        version="0",
        uri=uri,
        checksum=f"sha256:{sha256}",
    )
    try:
        return fetcher.fetch(dependency, dest)
    except DownloadFailed as exc:
        raise ArchiveUnreachable(exc.uri, exc.detail) from None
    except ChecksumMismatch as exc:
        what = "index" if name == "index" else "package"
        raise SystemPackageChecksumMismatch(exc.uri, what, exc.expected, exc.actual) from None


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


# --- the whole index step ----------------------------------------------------------------------


@dataclass(frozen=True)
class IndexSource:
    """Where each index came from, for caching and the log."""

    uri: str
    sha256: str


def load_index(
    distro: Distro,
    fetcher: Fetcher,
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
        try:
            signed = fetcher.read(inrelease_uri)
        except DownloadFailed as exc:
            raise ArchiveUnreachable(exc.uri, exc.detail) from None
        release = verify_inrelease(signed, KEYRINGS / archive.keyring, inrelease_uri)
        for item in index_files(archive, release, distro.arch, inrelease_uri):
            cached = cache_dir / f"{item.sha256}.xz"
            if cached.is_file() and _sha256(cached.read_bytes()) == item.sha256:
                log.debug(f"index {item.uri} from the cache")
            else:
                with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
                    got = fetch_verified(item.uri, item.sha256, Path(tmp), fetcher, log, "index")
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
