"""`.deb` files: download, maintainer-script checks, unpacking into a layer, pkg-config fixes."""

from __future__ import annotations

import lzma
import os
import re
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from debian import debfile

from pybuildpack.debian.index import Package, fetch_verified
from pybuildpack.dependencies import tar_compat
from pybuildpack.dependencies.fetch import Fetcher
from pybuildpack.errors import (
    MaintainerScriptsRequired,
    UnsafeArchive,
)
from pybuildpack.log import NULL, Logger

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
    packages: Sequence[Package], dest: Path, fetcher: Fetcher, log: Logger = NULL
) -> list[DebFile]:
    """Each .deb, checked against the sha256 of the signed index."""
    files = []
    for package in packages:
        path = fetch_verified(package.uri, package.sha256, dest, fetcher, log, package.name)
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
            linkname: str | None = None
            if member.issym() and member.linkname.startswith("/"):
                target = os.path.normpath(member.linkname.lstrip("/"))
                linkname = os.path.relpath(target, os.path.dirname(name) or ".")
            elif member.islnk():
                linkname = os.path.normpath(member.linkname.lstrip("./"))
            members.append(tar_compat.renamed(member, name=name, linkname=linkname))
            if not member.isdir():
                written.append(name)
        dest.mkdir(parents=True, exist_ok=True)
        for member in members:
            existing = dest / member.name
            if (existing.is_symlink() or existing.exists()) and not member.isdir():
                existing.unlink()
            tar_compat.extract_data(data, member, dest)
    except tar_compat.FilterError as exc:
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
