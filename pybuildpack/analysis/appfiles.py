"""The one way the buildpack reads a file of the app: inside the app, regular, bounded.

Every reader (manifests, locks, version files, Procfile, Python sources) goes through
`read_app_file`: the path must resolve inside the app dir (a symbolic link out of it is an
error naming the file, never its content), it must be a regular file (a FIFO would block,
`/dev/zero` would never end), and it is read up to a size cap. Opening with O_NONBLOCK
means a FIFO is seen for what it is instead of waiting for a writer.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pybuildpack.errors import FileOutsideApp, FileTooLarge, NotRegularFile, UnreadableFile

# Manifests and locks: the largest real uv.lock / Pipfile.lock seen are a few MB.
MAX_FILE_BYTES = 16 * 1024 * 1024
# Nesting deeper than this in TOML/JSON is not a real project file.
MAX_NESTING = 64


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def inside(app_dir: Path, rel: str) -> bool:
    """Whether `rel` (following every symbolic link) resolves inside the app dir."""
    if "\0" in rel:
        return False
    root = os.path.realpath(app_dir)
    real = os.path.realpath(os.path.join(app_dir, rel))
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def present(app_dir: Path, rel: str) -> bool:
    """The name exists in the app (a link counts, even a broken one) and is not a directory."""
    if "\0" in rel:
        return False
    path = os.path.join(app_dir, rel)
    return os.path.lexists(path) and not os.path.isdir(path)


def read_regular(path: Path, shown: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, at most `limit`; typed errors name it as `shown`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError as exc:
        raise UnreadableFile(shown, "it is a symbolic link to a file that does not exist") from exc
    except OSError as exc:
        raise UnreadableFile(shown, exc.strerror or type(exc).__name__) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(shown, _kind(info.st_mode))
        if info.st_size > limit:
            raise FileTooLarge(shown, info.st_size, limit)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # grew while read
            raise FileTooLarge(shown, total, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise UnreadableFile(shown, exc.strerror or type(exc).__name__) from exc
    finally:
        os.close(fd)


def read_app_file(app_dir: Path, rel: str, limit: int = MAX_FILE_BYTES) -> bytes | None:
    """The file's bytes; None when the name does not exist in the app."""
    if "\0" in rel:
        return None
    path = Path(os.path.join(app_dir, rel))
    if not os.path.lexists(path):
        return None
    if not inside(app_dir, rel):
        raise FileOutsideApp(rel)
    return read_regular(path, rel, limit)


def nesting_depth(value: object, limit: int = MAX_NESTING) -> int:
    """How deeply lists and tables nest (iteratively: no recursion on hostile input)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def value_error_detail(exc: ValueError) -> str:
    """What a parser's ValueError means for the user (not Python's own advice to developers)."""
    text = str(exc).strip().split("\n", 1)[0]
    if "integer string conversion" in text or "Exceeds the limit" in text:
        return "it has a number with more digits than Python reads (4300)"
    if "null bytes" in text or "null byte" in text:
        return "it contains NUL bytes"
    return text[:200]
