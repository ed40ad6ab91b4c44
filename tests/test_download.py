"""Downloads (file:// and a local HTTP server), mirrors, and safe tar extraction."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pybuildpack.cnb.platform import read_bindings
from pybuildpack.dependencies import archives
from pybuildpack.dependencies.archives import extract_tar
from pybuildpack.dependencies.catalog import Dependency
from pybuildpack.dependencies.fetch import fetch
from pybuildpack.dependencies.mirrors import Mirror, hostname_from_env_suffix, redact
from pybuildpack.errors import (
    ChecksumMismatch,
    DownloadFailed,
    InvalidBinding,
    InvalidConfig,
    UnsafeArchive,
)
from pybuildpack.settings import Settings

PAYLOAD = b"pretend this is a CPython archive\n" * 100
SHA = hashlib.sha256(PAYLOAD).hexdigest()
GH = "https://github.com/astral-sh/python-build-standalone/releases/download/20250115/cpython-3.12.8%2B20250115-x86_64.tar.gz"


def mirror_from(env: dict[str, str], bindings_root: Path | None = None) -> Mirror:
    """The build's mirrors, as read_inputs makes them: settings, then bindings."""
    settings = Settings.from_env(env)
    bindings = read_bindings(bindings_root) if bindings_root is not None else []
    return Mirror.from_settings(
        settings.dependency_mirror, settings.dependency_mirror_hosts, bindings
    )


def dep(uri: str, sha: str = SHA) -> Dependency:
    return Dependency(
        id="cpython", version="3.12.8", arch="amd64", uri=uri, checksum=f"sha256:{sha}"
    )


# --- a local HTTP server ------------------------------------------------------------------


class Server:
    def __init__(self) -> None:
        self.script: dict[str, list[tuple[int, bytes, float]]] = {}
        self.hits: dict[str, int] = {}
        self.headers: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits[self.path] = outer.hits.get(self.path, 0) + 1
                outer.headers.append(dict(self.headers))
                steps = outer.script.get(self.path, [(404, b"", 0.0)])
                status, body, delay = steps[0] if len(steps) == 1 else steps.pop(0)
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True).start()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


# --- fetch -------------------------------------------------------------------------------


def test_fetch_file_uri(tmp_path: Path) -> None:
    src = tmp_path / "src" / "cpython+1.tar.gz"
    src.parent.mkdir()
    src.write_bytes(PAYLOAD)
    out = fetch(dep(src.as_uri()), tmp_path / "dl")
    assert out == tmp_path / "dl" / "cpython+1.tar.gz"
    assert out.read_bytes() == PAYLOAD
    # an absolute path works too
    assert fetch(dep(str(src)), tmp_path / "dl2").read_bytes() == PAYLOAD


def test_fetch_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DownloadFailed) as info:
        fetch(dep((tmp_path / "nope.tgz").as_uri()), tmp_path / "dl")
    assert "not found" in info.value.detail
    assert list((tmp_path / "dl").iterdir()) == []


def test_fetch_checksum_mismatch_leaves_nothing(tmp_path: Path) -> None:
    src = tmp_path / "py.tgz"
    src.write_bytes(PAYLOAD)
    with pytest.raises(ChecksumMismatch) as info:
        fetch(dep(src.as_uri(), sha="0" * 64), tmp_path / "dl")
    assert info.value.expected == "0" * 64
    assert info.value.actual == SHA
    assert list((tmp_path / "dl").iterdir()) == []


def test_fetch_http_success(server: Server, tmp_path: Path) -> None:
    server.script["/py.tgz"] = [(200, PAYLOAD, 0.0)]
    out = fetch(dep(server.url + "/py.tgz"), tmp_path)
    assert out.read_bytes() == PAYLOAD
    assert [p.name for p in tmp_path.iterdir()] == ["py.tgz"]


def test_fetch_http_checksum_mismatch(server: Server, tmp_path: Path) -> None:
    server.script["/py.tgz"] = [(200, b"tampered", 0.0)]
    with pytest.raises(ChecksumMismatch):
        fetch(dep(server.url + "/py.tgz"), tmp_path, backoff=0)
    assert list(tmp_path.iterdir()) == []
    assert server.hits["/py.tgz"] == 1  # a bad checksum is not retried


def test_fetch_http_404_is_not_retried(server: Server, tmp_path: Path) -> None:
    with pytest.raises(DownloadFailed) as info:
        fetch(dep(server.url + "/missing.tgz"), tmp_path, retries=3, backoff=0)
    assert "404" in info.value.detail
    assert info.value.attempts == 1
    assert server.hits["/missing.tgz"] == 1


def test_fetch_http_retries_500_then_succeeds(server: Server, tmp_path: Path) -> None:
    server.script["/py.tgz"] = [(500, b"oops", 0.0), (503, b"", 0.0), (200, PAYLOAD, 0.0)]
    out = fetch(dep(server.url + "/py.tgz"), tmp_path, retries=3, backoff=0)
    assert out.read_bytes() == PAYLOAD
    assert server.hits["/py.tgz"] == 3


def test_fetch_http_gives_up_after_retries(server: Server, tmp_path: Path) -> None:
    server.script["/py.tgz"] = [(502, b"", 0.0)]
    with pytest.raises(DownloadFailed) as info:
        fetch(dep(server.url + "/py.tgz"), tmp_path, retries=2, backoff=0)
    assert info.value.attempts == 3 and "502" in info.value.detail
    assert server.hits["/py.tgz"] == 3


def test_fetch_http_timeout(server: Server, tmp_path: Path) -> None:
    server.script["/slow.tgz"] = [(200, PAYLOAD, 0.6)]
    with pytest.raises(DownloadFailed) as info:
        fetch(dep(server.url + "/slow.tgz"), tmp_path, timeout=0.15, retries=1, backoff=0)
    assert "timed out" in info.value.detail
    assert info.value.attempts == 2


def test_fetch_connection_refused(tmp_path: Path) -> None:
    with pytest.raises(DownloadFailed) as info:
        fetch(dep("http://127.0.0.1:9/py.tgz"), tmp_path, retries=1, backoff=0)
    assert "connection failed" in info.value.detail


def test_fetch_through_mirror_with_basic_auth(server: Server, tmp_path: Path) -> None:
    server.script[
        "/mirror/github.com/astral-sh/python-build-standalone/releases/download/20250115/cpython-3.12.8%2B20250115-x86_64.tar.gz"
    ] = [(200, PAYLOAD, 0.0)]
    mirror = Mirror(
        default=server.url.replace("http://", "http://bob:s3cret@") + "/mirror/{originalHost}"
    )
    out = fetch(dep(GH), tmp_path, mirror=mirror)
    assert out.name == "cpython-3.12.8+20250115-x86_64.tar.gz"
    assert server.headers[-1]["Authorization"] == "Basic Ym9iOnMzY3JldA=="


# --- mirrors ------------------------------------------------------------------------------


def test_hostname_env_encoding() -> None:
    assert hostname_from_env_suffix("GITHUB_COM") == "github.com"
    assert hostname_from_env_suffix("DOWNLOAD_BELL__SW_COM") == "download.bell-sw.com"


def test_mirror_default_keeps_path() -> None:
    m = mirror_from({"BP_DEPENDENCY_MIRROR": "https://mirror.example.org/deps/"}, None)
    assert (
        m.rewrite(GH)
        == "https://mirror.example.org/deps/astral-sh/python-build-standalone/releases/download/20250115/cpython-3.12.8%2B20250115-x86_64.tar.gz"
    )


def test_mirror_original_host_placeholder() -> None:
    m = mirror_from({"BP_DEPENDENCY_MIRROR": "https://m.example.org/{originalHost}"}, None)
    assert (
        m.rewrite("https://github.com/a/b.tgz?x=1")
        == "https://m.example.org/github.com/a/b.tgz?x=1"
    )


def test_mirror_per_host_beats_default() -> None:
    env = {
        "BP_DEPENDENCY_MIRROR": "https://default.test/{originalHost}",
        "BP_DEPENDENCY_MIRROR_GITHUB_COM": "https://gh.test/public-github",
        "BP_DEPENDENCY_MIRROR_DOWNLOAD_BELL__SW_COM": "https://bell.test",
    }
    m = mirror_from(env, None)
    assert m.rewrite("https://github.com/a/b.tgz") == "https://gh.test/public-github/a/b.tgz"
    assert m.rewrite("https://download.bell-sw.com/vm/x.tgz") == "https://bell.test/vm/x.tgz"
    assert (
        m.rewrite("https://repo1.maven.org/m/x.jar")
        == "https://default.test/repo1.maven.org/m/x.jar"
    )


def test_mirror_host_only_leaves_other_hosts_and_file_uris() -> None:
    m = mirror_from({"BP_DEPENDENCY_MIRROR_GITHUB_COM": "https://gh.test"}, None)
    assert m.rewrite("https://pypi.org/x.whl") == "https://pypi.org/x.whl"
    assert m.rewrite("file:///srv/x.tgz") == "file:///srv/x.tgz"
    assert not mirror_from({}, None)


def test_file_mirror_fetch(tmp_path: Path) -> None:
    target = (
        tmp_path
        / "mirror"
        / "github.com"
        / "astral-sh/python-build-standalone/releases/download/20250115"
        / "cpython-3.12.8+20250115-x86_64.tar.gz"
    )
    target.parent.mkdir(parents=True)
    target.write_bytes(PAYLOAD)
    m = mirror_from(
        {"BP_DEPENDENCY_MIRROR": (tmp_path / "mirror").as_uri() + "/{originalHost}"}, None
    )
    assert m.rewrite(GH).startswith("file://")
    assert fetch(dep(GH), tmp_path / "dl", mirror=m).read_bytes() == PAYLOAD


def test_mirror_bad_scheme() -> None:
    with pytest.raises(InvalidConfig) as info:
        mirror_from({"BP_DEPENDENCY_MIRROR": "ftp://m.test"}, None)
    assert info.value.name == "BP_DEPENDENCY_MIRROR"


def test_mirror_binding_and_env_precedence(tmp_path: Path) -> None:
    b = tmp_path / "bindings" / "mirror"
    b.mkdir(parents=True)
    (b / "type").write_text("dependency-mirror\n")
    (b / "default").write_text("https://binding-default.test/{originalHost}\n")
    (b / "github.com").write_text("https://binding-gh.test\n")
    m = mirror_from({}, tmp_path / "bindings")
    assert m.rewrite("https://github.com/a.tgz") == "https://binding-gh.test/a.tgz"
    assert m.rewrite("https://other.org/a.tgz") == "https://binding-default.test/other.org/a.tgz"
    m = mirror_from(
        {"BP_DEPENDENCY_MIRROR_GITHUB_COM": "https://env-gh.test"}, tmp_path / "bindings"
    )
    assert m.rewrite("https://github.com/a.tgz") == "https://env-gh.test/a.tgz"


def test_two_mirror_bindings_are_an_error(tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "type").write_text("dependency-mirror")
    with pytest.raises(InvalidBinding):
        mirror_from({}, tmp_path)


def test_redact() -> None:
    assert redact("https://bob:pw@m.test/x") == "https://bob:***@m.test/x"
    assert redact("https://m.test/x") == "https://m.test/x"


# --- extraction ---------------------------------------------------------------------------


def make_tar(
    path: Path, members: Sequence[tuple[str, str, str | bytes]], mode: str = "w:gz"
) -> Path:
    """members: (kind, name, data-or-linkname); kind in file, dir, sym, hard, fifo, chr."""
    with tarfile.open(path, mode) as tf:  # type: ignore[call-overload]
        for kind, name, data in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                raw = data if isinstance(data, bytes) else data.encode()
                info.size = len(raw)
                info.mode = 0o755
                tf.addfile(info, io.BytesIO(raw))
                continue
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, str(data)
            elif kind == "hard":  # same mode as the file it links to, as tar writes them
                info.type, info.linkname, info.mode = tarfile.LNKTYPE, str(data), 0o755
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            elif kind == "chr":
                info.type = tarfile.CHRTYPE
            tf.addfile(info)
    return path


GOOD = [
    ("dir", "python", ""),
    ("dir", "python/bin", ""),
    ("file", "python/bin/python3.12", "#!elf"),
    ("sym", "python/bin/python3", "python3.12"),
    ("hard", "python/bin/python3-hard", "python/bin/python3.12"),
    ("dir", "python/lib", ""),
    ("file", "python/lib/os.py", "import sys\n"),
    ("sym", "python/lib/up", "../bin"),
]


@pytest.mark.parametrize("mode,suffix", [("w:gz", "tgz"), ("w:xz", "tar.xz"), ("w", "tar")])
def test_extract_good_archive(tmp_path: Path, mode: str, suffix: str) -> None:
    archive = make_tar(tmp_path / f"a.{suffix}", GOOD, mode)
    dest = tmp_path / "layer" / "python"
    extract_tar(archive, dest)
    assert (dest / "bin" / "python3.12").read_text() == "#!elf"
    assert (dest / "bin" / "python3").is_symlink()
    assert (dest / "bin" / "python3").resolve() == (dest / "bin" / "python3.12").resolve()
    assert (dest / "bin" / "python3-hard").stat().st_ino == (
        dest / "bin" / "python3.12"
    ).stat().st_ino
    assert (dest / "lib" / "up").resolve() == (dest / "bin").resolve()
    assert [p.name for p in (tmp_path / "layer").iterdir()] == ["python"]  # no temp dir left


def test_extract_strip_components(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "a.tgz", [("file", "a/b/c.txt", "x"), ("file", "top.txt", "t")])
    extract_tar(archive, tmp_path / "s0", strip_components=0)
    assert (tmp_path / "s0" / "a" / "b" / "c.txt").exists() and (
        tmp_path / "s0" / "top.txt"
    ).exists()
    extract_tar(archive, tmp_path / "s2", strip_components=2)
    assert [p.name for p in (tmp_path / "s2").iterdir()] == ["c.txt"]


def test_extract_into_existing_empty_dir(tmp_path: Path) -> None:
    dest = tmp_path / "layer"
    dest.mkdir()
    extract_tar(make_tar(tmp_path / "a.tgz", GOOD), dest)
    assert (dest / "lib" / "os.py").exists()


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ([("file", "/etc/evil", "x")], "absolute-path"),
        ([("file", "python/../../evil", "x")], "path-escape"),
        ([("sym", "python/lib/link", "../../../etc")], "link-escape"),
        ([("sym", "python/lib/link", "/etc/passwd")], "link-escape"),
        ([("hard", "python/lib/h", "/etc/passwd")], "hardlink-escape"),
        ([("hard", "python/lib/h", "python/../../etc/passwd")], "hardlink-escape"),
        ([("fifo", "python/lib/f", "")], "special-file"),
        ([("chr", "python/dev/null", "")], "special-file"),
    ],
)
def test_extract_rejects_unsafe_members(
    tmp_path: Path, members: list[tuple[str, str, str]], reason: str
) -> None:
    archive = make_tar(tmp_path / "bad.tgz", [*GOOD, *members])
    dest = tmp_path / "layer" / "python"
    with pytest.raises(UnsafeArchive) as info:
        extract_tar(archive, dest, uri="https://x.test/bad.tgz")
    assert info.value.reason == reason
    assert info.value.uri == "https://x.test/bad.tgz"
    assert not dest.exists()
    assert list((tmp_path / "layer").iterdir()) == []
    assert not (tmp_path / "etc").exists() and not (tmp_path / "evil").exists()


def test_extract_rejects_symlink_chain_escape(tmp_path: Path) -> None:
    # each link looks harmless on its own; together `a` points outside
    members = [
        ("dir", "python/sub", ""),
        ("sym", "python/a", "sub/s2/.."),
        ("sym", "python/sub/s2", ".."),
        ("file", "python/a/evil", "x"),
    ]
    archive = make_tar(tmp_path / "chain.tgz", members)
    with pytest.raises(UnsafeArchive) as info:
        extract_tar(archive, tmp_path / "out" / "python")
    assert info.value.reason in ("path-escape", "link-escape")
    assert not (tmp_path / "out" / "evil").exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_extract_not_a_tar(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tgz"
    junk.write_bytes(b"not a tar at all")
    with pytest.raises(UnsafeArchive) as info:
        extract_tar(junk, tmp_path / "out")
    assert info.value.reason == "unreadable"
    assert not (tmp_path / "out").exists()


def _tree(root: Path) -> dict[str, tuple[str, int, str]]:
    """Every entry under root: kind, mode bits, content or link target."""
    out: dict[str, tuple[str, int, str]] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        st = path.lstat()
        if path.is_symlink():
            out[rel] = ("sym", 0, os.readlink(path))
        elif path.is_dir():
            out[rel] = ("dir", st.st_mode & 0o7777, "")
        else:
            out[rel] = ("file", st.st_mode & 0o7777, path.read_text())
    return out


def test_system_tar_and_tarfile_extract_the_same_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = make_tar(tmp_path / "a.tgz", GOOD)
    calls: list[list[str]] = []
    real_run = archives.subprocess.run

    def recording_run(cmd: list[str], **kwargs: Any) -> Any:
        calls.append(cmd)
        return real_run(cmd, **kwargs)

    monkeypatch.setattr(archives.subprocess, "run", recording_run)
    extract_tar(archive, tmp_path / "tar" / "python")
    assert calls and Path(calls[0][0]).name == "tar"  # the fast path ran
    monkeypatch.setattr(archives.shutil, "which", lambda name: None)
    extract_tar(archive, tmp_path / "tarfile" / "python")
    assert _tree(tmp_path / "tar") == _tree(tmp_path / "tarfile")


@pytest.mark.parametrize(
    "members",
    [
        # a member under a symlink member: tar would write through the link
        [("dir", "python/real", ""), ("sym", "python/l", "real"), ("file", "python/l/x", "x")],
        # a name twice
        [("file", "python/dup", "one"), ("file", "python/dup", "two")],
    ],
)
def test_archives_the_system_tar_may_not_take_go_through_tarfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, members: list[tuple[str, str, str]]
) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(archives.subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    extract_tar(make_tar(tmp_path / "a.tgz", [*GOOD, *members]), tmp_path / "out" / "python")
    assert calls == []
    assert (tmp_path / "out" / "python" / "lib" / "os.py").read_text() == "import sys\n"


def test_a_failing_system_tar_falls_back_to_tarfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bin" / "tar"
    fake.parent.mkdir()
    # half-extracts into the directory it is given (-C DIR), then fails
    fake.write_text('#!/bin/sh\ntouch "$5/half-written"; mkdir -p "$5/partial"\nexit 2\n')
    fake.chmod(0o755)
    monkeypatch.setattr(archives.shutil, "which", lambda name: str(fake))
    extract_tar(make_tar(tmp_path / "a.tgz", GOOD), tmp_path / "out" / "python")
    assert sorted(p.name for p in (tmp_path / "out" / "python").iterdir()) == ["bin", "lib"]
