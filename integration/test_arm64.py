"""arm64 for real (issue 14): `pack build --platform linux/arm64` on the arm64 builder (Debian 12
arm64 build/run images, arm64 lifecycle, the buildpack with its arm64 runtime), run under qemu
user-mode emulation on an amd64 host; and the multi-arch buildpack image (an OCI image index
with linux/amd64 and linux/arm64) published to a local registry.

Emulation is slow, so these are as few builds as prove it: the Flask sample (cold, then a
source-only rebuild that must reuse the arm64 layers) and psycopg2 compiled from its sdist
against Debian's arm64 libpq-dev. `make integration ARM64=0` deselects them (marker `arm64`).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import tarfile
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import harness
import pytest

pytestmark = pytest.mark.arm64

PLATFORM = "linux/arm64"
EM_AARCH64 = 183  # ELF e_machine of aarch64


@pytest.fixture(scope="module")
def arm64() -> dict[str, str]:
    names = ("BUILDER", "MIRROR_DIR", "RUN_IMAGE")
    env = {n: os.environ.get(f"PYBUILDPACK_ARM64_{n}", "") for n in names}
    missing = [f"PYBUILDPACK_ARM64_{n}" for n, v in env.items() if not v]
    if missing:
        pytest.skip("arm64 tests need `make integration` (missing: " + ", ".join(missing) + ")")
    return env


def build(app: Path, image: str, arm64: dict[str, str], **kw) -> harness.BuildResult:
    return harness.pack_build(
        app,
        image,
        builder=arm64["BUILDER"],
        mirror_dir=arm64["MIRROR_DIR"],
        extra_args=["--platform", PLATFORM],
        **kw,
    )


def architecture(image: str) -> str:
    return harness.podman("image", "inspect", "--format", "{{.Architecture}}", image).strip()


def body(image: str) -> dict[str, object]:
    # gunicorn and Python start several times slower under emulation
    with harness.run_app(image, arch="arm64", wait=240) as url:
        status, text = harness.http_get(url + "/", timeout=30)
        assert status == 200, text
        result = json.loads(text)
        assert isinstance(result, dict)
        return result


def mirror_archive(arm64: dict[str, str]) -> tuple[str, str]:
    """(file name, sha256) of the arm64 mirror's default CPython."""
    catalog = tomllib.loads((Path(arm64["MIRROR_DIR"]) / "catalog.toml").read_text())
    minor = catalog["default-versions"]["cpython"]
    entries = [d for d in catalog["dependencies"] if d["version"].startswith(minor + ".")]
    assert len(entries) == 1, entries
    assert entries[0]["arch"] == "arm64", entries[0]
    return entries[0]["uri"], entries[0]["checksum"].removeprefix("sha256:")


def test_flask_on_arm64_then_source_only_rebuild(cfg, arm64, scratch: Path) -> None:
    image = harness.image_name("arm64_flask")
    app = harness.copy_app("flask_gunicorn", scratch / "arm64")
    cold = build(app, image, arm64, clear_cache=True)
    archive, checksum = mirror_archive(arm64)
    assert "aarch64-unknown-linux-gnu" in archive
    # the log names the arm64 archive and the checksum it verified
    assert archive.replace("+", "%2B") in cold.log or archive in cold.log, harness.tail(cold.log)
    assert f"Verified sha256 {checksum}" in cold.log, harness.tail(cold.log, 80)
    assert architecture(image) == "arm64"
    meta = harness.image_metadata(image)
    assert {"cpython", "venv"} <= set(meta.layers), meta.layers
    got = body(image)
    assert got["greeting"] == "hello from flask"
    assert harness.python_version_of(got) == harness.expected_default_python(arm64["MIRROR_DIR"])
    assert "gunicorn" in str(got["server"]), got
    machine = harness.podman(
        "run", "--rm", "--arch", "arm64", "--entrypoint", "uname", image, "-m"
    ).strip()  # fmt: skip
    assert machine == "aarch64"

    source = app / "app.py"
    source.write_text(source.read_text().replace("hello from flask", "hello again from flask"))
    warm = build(app, image, arm64)
    warm_meta = harness.image_metadata(image)
    for layer in ("cpython", "venv"):
        assert warm_meta.layers[layer] == meta.layers[layer], harness.tail(warm.log, 80)
    assert "Reusing" in warm.log, harness.tail(warm.log, 80)
    assert body(image)["greeting"] == "hello again from flask"
    harness.report(
        f"arm64 (emulated) flask_gunicorn: cold {cold.seconds:.1f}s, source-only rebuild "
        f"{warm.seconds:.1f}s ({100 * warm.seconds / cold.seconds:.0f}% of cold), "
        f"image {harness.mb(warm_meta.size)}, CPython {harness.python_version_of(got)}"
    )
    assert warm.seconds < cold.seconds, (cold.seconds, warm.seconds)


def test_psycopg2_sdist_with_libpq_on_arm64(cfg, arm64, scratch: Path) -> None:
    image = harness.image_name("arm64_psycopg2_sdist")
    app = harness.copy_app("psycopg2_sdist", scratch / "arm64")
    cold = build(app, image, arm64, clear_cache=True)
    assert "Installing system packages" in cold.log, harness.tail(cold.log, 80)
    # the arm64 package index, so arm64 libpq-dev and libpq5
    assert "(bookworm, arm64) package index" in cold.log, harness.tail(cold.log, 80)
    assert architecture(image) == "arm64"
    meta = harness.image_metadata(image)
    assert "system-packages" in meta.layers, meta.layers
    got = body(image)
    assert got["greeting"] == "hello from psycopg2"
    # libpq 15 from Debian 12's arm64 packages: built against and loaded at run time
    assert isinstance(got["libpq_loaded"], int) and got["libpq_loaded"] >= 150000, got
    assert got["libpq_built"] == got["libpq_loaded"], got
    harness.report(
        f"arm64 (emulated) psycopg2_sdist + libpq: cold {cold.seconds:.1f}s, "
        f"libpq {got['libpq_loaded']}, image {harness.mb(meta.size)}"
    )


# ------------------------------------------------------------------------ multi-arch buildpack
@pytest.fixture(scope="module")
def registry(cfg: harness.Config) -> Iterator[str]:
    port = harness.free_port()
    address = f"127.0.0.1:{port}"
    proc = subprocess.Popen(
        [cfg.crane, "registry", "serve", "--address", address],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if harness.http_get(f"http://{address}/v2/", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"crane registry did not start: {proc.stderr.read()}")
            time.sleep(0.2)
        yield address
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def elf_machine(data: bytes) -> int:
    assert data[:4] == b"\x7fELF", data[:4]
    return int.from_bytes(data[18:20], "little")


def interpreter_machine(cfg: harness.Config, ref: str) -> int:
    """ELF machine of the buildpack's own python in the image's layers."""
    tar_bytes = subprocess.run(
        [cfg.crane, "export", ref, "-"], capture_output=True, check=True, timeout=300
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        for member in tar:
            if re.search(r"/runtime/python/bin/python3\.\d+$", member.name) and member.isfile():
                extracted = tar.extractfile(member)
                assert extracted is not None
                return elf_machine(extracted.read(64))
    raise AssertionError(f"{ref} has no runtime/python/bin/python3.X")


def test_multiarch_buildpack_image_index(cfg, registry: str) -> None:
    multiarch = Path(os.environ.get("PYBUILDPACK_MULTIARCH_DIR", ""))
    if not (multiarch / "buildpack.toml").is_file():
        pytest.skip("needs `make package` (the multi-arch stage, PYBUILDPACK_MULTIARCH_DIR)")
    ref = f"{registry}/pybuildpack/python:multiarch"
    start = time.monotonic()
    out = harness.run(
        [cfg.pack, "buildpack", "package", ref, "--path", str(multiarch), "--publish"],
        timeout=900,
    )
    seconds = time.monotonic() - start
    index = json.loads(harness.run([cfg.crane, "manifest", ref]))
    assert index["mediaType"] == "application/vnd.oci.image.index.v1+json", (index, out)
    platforms = sorted(
        f"{m['platform']['os']}/{m['platform']['architecture']}" for m in index["manifests"]
    )
    assert platforms == ["linux/amd64", "linux/arm64"], index
    machines = {}
    for m in index["manifests"]:
        arch = m["platform"]["architecture"]
        digest_ref = f"{registry}/pybuildpack/python@{m['digest']}"
        config = json.loads(harness.run([cfg.crane, "config", digest_ref]))
        assert config["architecture"] == arch, config
        labels = config["config"]["Labels"]
        assert json.loads(labels["io.buildpacks.buildpackage.metadata"])["id"] == (
            harness.OUR_BUILDPACK
        )
        machines[arch] = interpreter_machine(cfg, digest_ref)
    assert machines == {"amd64": 62, "arm64": EM_AARCH64}, machines
    harness.report(
        f"multi-arch buildpack: pack buildpack package --publish {seconds:.1f}s, index "
        f"{', '.join(platforms)}; the runtime in each is an ELF for its own machine"
    )
