"""Debian/Ubuntu system packages, the way apt installs them but without root or dpkg.

`distro` (which archives and keyrings serve a target), `index` (signed InRelease, verified
Packages indexes, the image's dpkg status), `resolution` (Depends/Pre-Depends, as apt) and
`deb` (.deb download, maintainer-script checks, unpacking, pkg-config fixes). The layer
(`pybuildpack.layers.system_packages`) uses the names re-exported here.
"""

from pybuildpack.debian.deb import DebFile, check_scripts, download, rewrite_pc_file, unpack
from pybuildpack.debian.distro import KEYRINGS, Archive, Distro, distro_for
from pybuildpack.debian.index import (
    DPKG_STATUS,
    IndexSource,
    Package,
    PackageIndex,
    installed_packages,
    load_index,
    verify_inrelease,
)
from pybuildpack.debian.resolution import resolve

__all__ = [
    "DPKG_STATUS",
    "KEYRINGS",
    "Archive",
    "DebFile",
    "Distro",
    "IndexSource",
    "Package",
    "PackageIndex",
    "check_scripts",
    "distro_for",
    "download",
    "installed_packages",
    "load_index",
    "resolve",
    "rewrite_pc_file",
    "unpack",
    "verify_inrelease",
]
