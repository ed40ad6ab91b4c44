"""Which archives serve a target distribution (Debian 12/13, Ubuntu 22.04/24.04)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pybuildpack.errors import (
    UnsupportedDistro,
)

KEYRINGS = Path(__file__).resolve().parent / "keyrings"
_MULTIARCH = {"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}
_DEBIAN_CODENAMES = {"12": "bookworm", "13": "trixie"}
_UBUNTU_CODENAMES = {"22.04": "jammy", "24.04": "noble"}


# --- which archive ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Archive:
    """One apt source: `deb <uri> <suite> <components...>`, signed by `keyring`."""

    uri: str
    suite: str
    components: tuple[str, ...]
    keyring: str  # a file name in pybuildpack/debian/keyrings/


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


def distro_for(
    name: str,
    version: str,
    arch: str,
    main_mirror: str | None = None,
    security_mirror: str | None = None,
) -> Distro:
    """The archives of the target's distribution (CNB_TARGET_DISTRO_NAME and _VERSION).

    `main_mirror` and `security_mirror` (BP_SYSTEM_PACKAGES_MIRROR and _SECURITY_MIRROR)
    replace the distribution's archive hosts.
    """
    name, version = name.strip().lower(), version.strip()
    if arch not in _MULTIARCH:
        raise UnsupportedDistro(name or "(unset)", version, arch, "architecture")
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
