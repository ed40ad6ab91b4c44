"""Extraction on a CPython without tarfile's extraction filters (Debian 12's 3.11.2, the
buildpack's own runtime on arm64): the same results as with them."""

from __future__ import annotations

import io
import stat
import tarfile
from pathlib import Path

import pytest

from pybuildpack.dependencies import tar_compat
from pybuildpack.dependencies.archives import extract_tar
from pybuildpack.errors import UnsafeArchive


def make_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data else None)
    return path


def file_info(name: str, mode: int, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    return info, data


@pytest.fixture(params=[True, False], ids=["filters", "no-filters"])
def filters(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if request.param and not tar_compat.HAS_FILTERS:
        pytest.skip("this Python's tarfile has no extraction filters")
    monkeypatch.setattr(tar_compat, "HAS_FILTERS", request.param)
    return bool(request.param)


def test_modes_are_sanitised_either_way(tmp_path: Path, filters: bool) -> None:
    link = tarfile.TarInfo("python/bin/python3")
    link.type = tarfile.SYMTYPE
    link.linkname = "python3.11"
    archive = make_tar(
        tmp_path / "a.tar.gz",
        [
            file_info("python/bin/python3.11", 0o4777, b"\x7fELF"),
            file_info("python/lib/data.txt", 0o444, b"x"),
            (link, b""),
        ],
    )
    extract_tar(archive, tmp_path / "out", strip_components=1)
    exe = (tmp_path / "out" / "bin" / "python3.11").stat().st_mode
    assert stat.S_IMODE(exe) == 0o755  # no setuid, no group/other write
    data = (tmp_path / "out" / "lib" / "data.txt").stat().st_mode
    assert stat.S_IMODE(data) == 0o644  # owner can write
    assert (tmp_path / "out" / "bin" / "python3").resolve().name == "python3.11"


def test_escaping_symlink_refused_either_way(tmp_path: Path, filters: bool) -> None:
    link = tarfile.TarInfo("python/evil")
    link.type = tarfile.SYMTYPE
    link.linkname = "../../etc/passwd"
    archive = make_tar(tmp_path / "b.tar.gz", [(link, b"")])
    with pytest.raises(UnsafeArchive) as err:
        extract_tar(archive, tmp_path / "out", strip_components=1)
    assert err.value.reason == "link-escape"
    assert not (tmp_path / "out").exists()


def test_renamed_is_a_copy() -> None:
    info = tarfile.TarInfo("a/b")
    copy = tar_compat.renamed(info, name="b", linkname="c")
    assert (copy.name, copy.linkname, info.name, info.linkname) == ("b", "c", "a/b", "")
