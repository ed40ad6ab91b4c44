"""tarfile on a CPython without PEP 706's extraction filters (added in 3.12 and backported to
3.11.4, 3.10.12, ...): Debian 12's CPython 3.11.2, the buildpack's own runtime on arm64, has
neither `TarInfo.replace` nor `TarFile.extract(filter=)`.

The callers check every member before extracting it (no absolute path, no `..`, no link out of
the destination, no device or fifo); where the `data` filter exists it checks again, and where
it does not, `extract_data` applies what the filter does to a member's attributes by hand:
no setuid/setgid/sticky bits, no group/other write, owner read/write.
"""

from __future__ import annotations

import copy
import tarfile
from pathlib import Path

HAS_FILTERS = hasattr(tarfile, "data_filter")


class _NeverRaised(Exception):
    """Stands in for the filter exceptions a tarfile without filters cannot raise."""


FilterError: type[Exception] = getattr(tarfile, "FilterError", _NeverRaised)
LinkOutsideDestinationError: type[Exception] = getattr(
    tarfile, "LinkOutsideDestinationError", _NeverRaised
)
SpecialFileError: type[Exception] = getattr(tarfile, "SpecialFileError", _NeverRaised)
AbsolutePathError: type[Exception] = getattr(tarfile, "AbsolutePathError", _NeverRaised)


def renamed(member: tarfile.TarInfo, *, name: str, linkname: str | None = None) -> tarfile.TarInfo:
    """A shallow copy of `member` with another name (and link target)."""
    info = copy.copy(member)
    info.name = name
    if linkname is not None:
        info.linkname = linkname
    return info


def extract_data(tf: tarfile.TarFile, member: tarfile.TarInfo, dest: Path | str) -> None:
    """`tf.extract(member, dest, set_attrs=True, filter="data")`, or its equivalent."""
    if HAS_FILTERS:
        tf.extract(member, dest, set_attrs=True, filter="data")
        return
    info = copy.copy(member)
    if info.isreg() or info.islnk():
        mode = (info.mode & 0o755) | 0o600
        if not mode & 0o100:
            mode &= ~0o111
        info.mode = mode
    elif info.isdir():
        info.mode = (info.mode & 0o755) | 0o700
    tf.extract(info, dest, set_attrs=True)
