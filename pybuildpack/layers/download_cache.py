"""Package managers' download caches (`pip-cache`, `uv-cache`, ...): cache-only layers.

The lifecycle restores every cached layer before every build and re-reads it at export, and
both cost grows with the number of files: a uv cache holds thousands. So the cache is kept
as one file, `cache.tar`, unpacked into a scratch directory only for a build that installs
dependencies and packed again after it. A build that installs nothing (a source-only change)
restores and re-exports that one file and never unpacks it. Dropped when the Python minor
or the architecture changes.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pybuildpack.cnb.context import BuildContext
from pybuildpack.cnb.layers import Layer, LayerTypes
from pybuildpack.log import Logger

ARCHIVE = "cache.tar"


class DownloadCache:
    def __init__(self, ctx: BuildContext, name: str, python_version: str, arch: str) -> None:
        self.layer = Layer(ctx.layers_dir, name)
        minor = ".".join(python_version.split(".")[:2])
        self.metadata = {"python_minor": minor, "arch": arch, "format": ARCHIVE}

    def keep(self) -> None:
        """This build installs nothing: keep the restored cache as it is (or drop a stale one)."""
        if self.layer.restored_metadata() == self.metadata:
            self.layer.write(LayerTypes(cache=True), self.metadata)
        else:
            self.layer.toml_path.unlink(missing_ok=True)

    @contextlib.contextmanager
    def unpacked(self, log: Logger) -> Iterator[Path]:
        """A directory holding the cache; packed back into the layer when the block succeeds."""
        archive = self.layer.path / ARCHIVE
        if self.layer.restored_metadata() != self.metadata or not archive.is_file():
            self.layer.reset()
        with tempfile.TemporaryDirectory(prefix=f"pybuildpack-{self.layer.name}-") as tmp:
            directory = Path(tmp) / "cache"
            directory.mkdir()
            if archive.is_file():
                with log.timed(f"Unpacking the {self.layer.name} layer"):
                    unpack_archive(archive, directory)
            yield directory
            with log.timed(f"Packing the {self.layer.name} layer"):
                pack_directory(directory, archive)
        self.layer.write(LayerTypes(cache=True), self.metadata)


def unpack_archive(archive: Path, directory: Path) -> None:
    """Unpack a tar this buildpack wrote (pack_directory) into directory."""
    tar = shutil.which("tar")
    if tar:
        subprocess.run([tar, "-xf", str(archive), "-C", str(directory)], check=True)
        return
    with tarfile.open(archive) as handle:
        handle.extractall(directory, filter="data")


def pack_directory(directory: Path, archive: Path) -> None:
    """directory's contents as one uncompressed tar (the system's tar when there is one)."""
    partial = archive.with_name(archive.name + ".partial")
    tar = shutil.which("tar")
    if tar:
        subprocess.run([tar, "-cf", str(partial), "-C", str(directory), "."], check=True)
    else:
        with tarfile.open(partial, "w") as handle:
            handle.add(directory, arcname=".")
    partial.replace(archive)
