"""Private indexes (issue 4 item 6): a package only a basic-auth index on 127.0.0.1 serves is
installed with the credentials in PIP_EXTRA_INDEX_URL (PyPI stays the main index: pip
itself comes from there), and the secret is in no image layer, no
image config (launch env) and not in the build log."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import subprocess
import tarfile
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import harness

USER = "pbp-user"
SECRET = "pbp-s3cret-7f3a9c"


def make_wheel(directory: Path) -> Path:
    wheel = directory / "pbp_private_pkg-1.0-py3-none-any.whl"
    dist = "pbp_private_pkg-1.0.dist-info"
    files = {
        "pbp_private_pkg/__init__.py": 'VERSION = "1.0-private"\n',
        f"{dist}/METADATA": "Metadata-Version: 2.1\nName: pbp-private-pkg\nVersion: 1.0\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr(
            f"{dist}/RECORD", "".join(f"{n},,\n" for n in files) + f"{dist}/RECORD,,\n"
        )
    return wheel


@contextlib.contextmanager
def private_index(wheel: Path) -> Iterator[int]:
    expected = "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:
            requests.append(self.path)
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="private"')
                self.end_headers()
                return
            if self.path.rstrip("/") in ("/simple/pbp-private-pkg", "/simple/pbp_private_pkg"):
                body = f'<a href="/files/{wheel.name}">{wheel.name}</a>'.encode()
                ctype = "text/html"
            elif self.path == f"/files/{wheel.name}":
                body, ctype = wheel.read_bytes(), "application/octet-stream"
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def image_contains(image: str, needle: bytes) -> list[str]:
    """Every layer file and config of the image that contains needle."""
    found: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        harness.podman("save", "-q", "--format", "docker-dir", "-o", f"{tmp}/img", image)
        for blob in Path(tmp, "img").iterdir():
            data = blob.read_bytes()
            if needle in data:
                found.append(f"{blob.name} (raw)")
            if tarfile.is_tarfile(blob):
                with tarfile.open(blob) as tar:
                    for member in tar:
                        if member.isfile():
                            content = tar.extractfile(member)
                            if content is not None and needle in content.read():
                                found.append(f"{blob.name}:{member.name}")
    return found


def test_private_index_credentials_stay_out_of_the_image(cfg, scratch: Path) -> None:
    app = harness.copy_app("pm_private_index", scratch / "private")
    wheel = make_wheel(scratch)
    image = harness.image_name("pm_private_index")
    with private_index(wheel) as port:
        url = f"http://{USER}:{SECRET}@127.0.0.1:{port}/simple/"
        result = harness.pack_build(
            app,
            image,
            clear_cache=True,
            env={"PIP_EXTRA_INDEX_URL": url},
            extra_args=["--network", "host"],
        )
    assert SECRET not in result.log, "the secret is in the build log"
    with harness.run_app(image) as base:
        status, text = harness.http_get(base + "/")
    assert status == 200 and json.loads(text) == {"private": "1.0-private"}, text
    leaks = image_contains(image, SECRET.encode())
    assert not leaks, f"the secret is in the image: {leaks}"
    config = subprocess.run(
        ["podman", "image", "inspect", image], capture_output=True, text=True, check=True
    ).stdout
    assert SECRET not in config
    harness.report(
        f"private index (basic auth, PIP_EXTRA_INDEX_URL): built in {result.seconds:.1f}s, no leak"
    )
