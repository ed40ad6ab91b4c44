"""The buildpack as an OCI image (issue 13 item 2): `make package` publishes it with `pack
buildpack package --format image --publish` to the local registry (`crane registry serve`,
PACKAGE_IMAGE); an app builds with `--buildpack <that image>`, and with a builder made from a
builder.toml whose `uri` is that image.

pack 0.40.6 refuses `docker://` with a registry port (`docker://127.0.0.1:5000/...`: its
locator does not parse it as an image and then reports "unsupported protocol 'docker'"), so
the registry reference is given bare (pack takes a bare reference for an image too), and
`docker://` is exercised with the same image under a port-less name."""

from __future__ import annotations

import json
import os
from pathlib import Path

import harness
import pytest

BUILDER_TEMPLATE = Path(__file__).resolve().parent / "builder.toml.in"


@pytest.fixture(scope="module")
def package_image(cfg) -> str:
    ref = os.environ.get("PYBUILDPACK_PACKAGE_IMAGE", "")
    assert ref, "PYBUILDPACK_PACKAGE_IMAGE is unset: run through `make integration`"
    manifest = json.loads(harness.run([cfg.crane, "manifest", ref]))
    config = json.loads(harness.run([cfg.crane, "config", ref]))
    assert config["os"] == "linux" and config["architecture"] == "amd64", config
    labels = config["config"]["Labels"]
    meta = json.loads(labels["io.buildpacks.buildpackage.metadata"])
    assert meta["id"] == "pybuildpack/python", meta
    harness.report(
        f"OCI buildpack image {ref}: {len(manifest['layers'])} layer(s), "
        f"{harness.mb(sum(layer['size'] for layer in manifest['layers']))} compressed"
    )
    # pack reads `docker://` buildpacks through the daemon (pull policy never here)
    harness.podman("pull", "--tls-verify=false", ref, timeout=300)
    return ref


def check_flask(image: str) -> None:
    meta = harness.image_metadata(image)
    assert {"cpython", "venv"} <= set(meta.layers), meta.layers
    with harness.run_app(image) as url:
        status, text = harness.http_get(url + "/")
        assert status == 200, text
        body = json.loads(text)
    assert body["deps"]["flask"] == "3.1.3"
    assert harness.python_version_of(body) == harness.expected_default_python()


@pytest.mark.parametrize("form", ["registry", "docker"])
def test_build_with_buildpack_image(cfg, scratch: Path, package_image: str, form: str) -> None:
    ref = package_image
    if form == "docker":
        alias = "pybuildpack.test/buildpack-image:" + package_image.rsplit(":", 1)[-1]
        harness.podman("tag", package_image, alias)
        ref = f"docker://{alias}"
    app = harness.copy_app("flask_gunicorn", scratch / f"oci-{form}")
    image = harness.image_name(f"oci_{form}_flask")
    result = harness.pack_build(app, image, buildpack=ref, clear_cache=True)
    check_flask(image)
    harness.report(f"--buildpack {ref}: flask cold build {result.seconds:.1f}s")


def test_builder_toml_referencing_the_image(cfg, scratch: Path, package_image: str) -> None:
    lifecycle = os.environ["PYBUILDPACK_LIFECYCLE_TGZ"]
    toml = (
        BUILDER_TEMPLATE.read_text()
        .replace("@BUILDPACK_URI@", package_image)
        .replace("@BUILDPACK_ID@", "pybuildpack/python")
        .replace("@LIFECYCLE_URI@", f"file://{lifecycle}")
        .replace("@BUILD_IMAGE@", cfg.build_image)
        .replace("@RUN_IMAGE@", cfg.run_image)
        .replace("@DISTRO_VERSION@", "12")  # the Debian 12 images (cfg.build_image, run_image)
        .replace("@SUITE@", "bookworm")
    )
    assert "@" not in toml.replace(package_image, ""), "a placeholder of builder.toml.in is left"
    config = scratch / "oci-builder.toml"
    config.write_text(toml)
    builder = f"{cfg.builder.rsplit(':', 1)[0]}-oci:{cfg.builder.rsplit(':', 1)[-1]}"
    harness.run(
        [cfg.pack, "builder", "create", builder, "--config", str(config), "--pull-policy", "never"],
        env={**os.environ, "DOCKER_HOST": cfg.docker_host},
        timeout=900,
    )
    try:
        app = harness.copy_app("flask_gunicorn", scratch / "oci-builder")
        image = harness.image_name("oci_builder_flask")
        result = harness.pack_build(app, image, clear_cache=True, builder=builder)
        check_flask(image)
        harness.report(f"builder.toml uri {package_image}: flask cold build {result.seconds:.1f}s")
    finally:
        harness.podman("rmi", "-f", builder, check=False)
