"""Daemonless, as kpack and Tekton run it (issue 3 item 9): the lifecycle's `creator` runs inside
the builder image with `podman run` (no Docker/podman socket mounted) and exports to a local
registry (`crane registry serve` on 127.0.0.1); the exported image is pulled, run, and answers."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import harness
import pytest


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
                status, _ = harness.http_get(f"http://{address}/v2/", timeout=1)
                if status == 200:
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


def test_creator_exports_to_registry_without_daemon(cfg, registry: str, scratch: Path) -> None:
    run_ref = f"{registry}/pybuildpack/run:bookworm"
    app_ref = f"{registry}/pybuildpack/daemonless-flask:latest"
    harness.podman("push", "--tls-verify=false", cfg.run_image, run_ref)

    builder_env = json.loads(harness.podman("image", "inspect", cfg.builder))[0]["Config"]["Env"]
    env = dict(e.split("=", 1) for e in builder_env)
    uid, gid = int(env["CNB_USER_ID"]), int(env["CNB_GROUP_ID"])
    app = harness.copy_app("flask_gunicorn", scratch / "daemonless")
    for root, dirs, files in os.walk(app):
        for name in [*dirs, *files]:
            os.chown(os.path.join(root, name), uid, gid)
    os.chown(app, uid, gid)

    cmd = [
        "podman", "run", "--rm", "--network", "host",
        "-v", f"{app}:/workspace",
        "-v", f"{cfg.mirror_dir}:/platform/bindings/cpython-mirror:ro",
        "-v", f"{cfg.ca_binding_dir}:/platform/bindings/ca-certificates:ro",
        "-e", "CNB_PLATFORM_API=0.15",
        cfg.builder,
        "/cnb/lifecycle/creator",
        "-app", "/workspace",
        "-layers", "/layers",
        "-platform", "/platform",
        "-run-image", run_ref,
        "-log-level", "info",
        app_ref,
    ]  # fmt: skip
    print("$ " + " ".join(cmd), flush=True)
    start = time.monotonic()
    proc = subprocess.run(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1500, check=False
    )
    seconds = time.monotonic() - start
    assert proc.returncode == 0, (
        f"creator failed ({proc.returncode}):\n{harness.tail(proc.stdout, 120)}"
    )
    assert "DOCKER_HOST" not in proc.stdout

    harness.podman("pull", "--tls-verify=false", app_ref, timeout=300)
    try:
        meta = harness.image_metadata(app_ref)
        assert "web" in meta.processes
        with harness.run_app(app_ref) as url:
            status, text = harness.http_get(url + "/")
            assert status == 200, text
            body = json.loads(text)
            assert body["greeting"] == "hello from flask"
            assert harness.python_version_of(body) == harness.expected_default_python()
        harness.report(
            f"daemonless creator -> registry: flask_gunicorn {seconds:.1f}s, "
            f"image {harness.mb(meta.size)}"
        )
    finally:
        harness.podman("rmi", "-f", app_ref, check=False)
