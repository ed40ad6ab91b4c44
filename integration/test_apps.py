"""Each fixture app: real `pack build` with the integration builder, `podman run` with a PORT the
test picks, an HTTP GET that must report the right Python, dependencies and port, and the
image's process types read from its metadata (issue 3 items 6 and 7)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import harness
import pytest


@dataclass(frozen=True)
class App:
    name: str
    minor: str | None  # None: the mirror catalog's default minor
    deps: dict[str, str] = field(default_factory=dict)
    processes: frozenset[str] = frozenset({"web"})


APPS = [
    App("flask_gunicorn", None, {"flask": "3.1.3", "gunicorn": "23.0.0"}),
    App(
        "django_gunicorn",
        None,
        {"django": "5.2.19", "gunicorn": "23.0.0", "whitenoise": "6.9.0"},
    ),
    App("fastapi_uvicorn", None, {"fastapi": "0.115.12", "uvicorn": "0.34.0"}),
    App("plain_main", None),
    App("procfile_worker", None, processes=frozenset({"web", "worker"})),
    App("python_312", "3.12", {"packaging": "24.2"}),
    App("cext_sdist", None, {"markupsafe": "3.0.2"}),
    App("cxx_sdist", None),
]


def expected_python(app: App) -> str:
    return harness.newest_patch(app.minor) if app.minor else harness.expected_default_python()


@pytest.mark.parametrize("app", APPS, ids=[a.name for a in APPS])
def test_app_builds_and_answers(app: App, builds) -> None:
    result = builds.get(app.name)
    meta = harness.image_metadata(result.image)

    # process types from the image's io.buildpacks.build.metadata label
    assert app.processes <= set(meta.processes), meta.processes
    assert meta.default_process == "web", meta.entrypoint
    # the layers the buildpack promises, recorded in io.buildpacks.lifecycle.metadata
    assert "cpython" in meta.layers, meta.layers
    assert meta.user.split(":")[0] == "1001", "runs as the run image's user"

    port = harness.free_port()
    with harness.run_app(result.image, port) as url:
        status, text = harness.http_get(url + "/")
        assert status == 200, text
        body = json.loads(text)
        assert harness.python_version_of(body) == expected_python(app), body
        assert body["port"] == str(port), body
        for dist, version in app.deps.items():
            assert body["deps"].get(dist) == version, body
        extra = CHECKS.get(app.name)
        if extra:
            extra(url, body, meta)
    harness.report(
        f"{app.name}: python {harness.python_version_of(body)}, processes "
        f"{sorted(meta.processes)}, image {harness.mb(meta.size)}"
    )

    # a source-only rebuild reuses every layer of ours (same digests) and is faster
    cold_tag = result.image.replace(":latest", ":cold")
    harness.podman("tag", result.image, cold_tag)
    try:
        warm = builds.rebuild_source_only(app.name)
        warm_meta = harness.image_metadata(result.image)
        for layer in ("cpython", "venv"):
            if layer in meta.layers and warm_meta.layers.get(layer) != meta.layers[layer]:
                diff = harness.layer_diff(
                    harness.layer_files(cold_tag, layer), harness.layer_files(result.image, layer)
                )
                raise AssertionError(
                    f"the {layer} layer changed on a source-only rebuild; files that differ:\n"
                    f"{diff}\n--- build log tail ---\n{harness.tail(warm.log, 40)}"
                )
    finally:
        harness.podman("rmi", cold_tag, check=False)
    harness.report(
        f"{app.name}: cold build {result.seconds:.1f}s, source-only rebuild {warm.seconds:.1f}s"
    )
    with harness.run_app(result.image) as url:
        assert harness.http_get(url + "/")[0] == 200


def check_flask(url: str, body: dict, meta: harness.ImageMetadata) -> None:
    assert "gunicorn" in body["server"], f"served by gunicorn (no Procfile): {body}"
    assert "venv" in meta.layers, meta.layers


def check_django(url: str, body: dict, meta: harness.ImageMetadata) -> None:
    # whitenoise serves only what collectstatic put in STATIC_ROOT (DEBUG is off): the build ran it
    status, text = harness.http_get(url + "/static/hello/hello.txt")
    assert status == 200, f"static file not served ({status}): collectstatic did not run? {text}"
    assert "served by whitenoise" in text
    assert meta.processes["web"]["command"], meta.processes


def check_fastapi(url: str, body: dict, meta: harness.ImageMetadata) -> None:
    assert body["uvicorn_port"] == body["port"], body


def check_cext(url: str, body: dict, meta: harness.ImageMetadata) -> None:
    speedups = body["speedups"]
    assert speedups and speedups.endswith(".so"), f"MarkupSafe's C extension is not in use: {body}"
    assert body["escaped"] == "&lt;ok&gt;"


def check_cxx(url: str, body: dict, meta: harness.ImageMetadata) -> None:
    # compiled by the build image's g++ (a C++ extension of the app's own project)
    assert body["greeting"].startswith("hello from C++"), body
    assert body["extension"].endswith(".so"), body


def check_worker(url: str, body: dict, meta: harness.ImageMetadata) -> None:
    # the worker process runs from the same image: /cnb/process/worker
    with harness.run_container(meta.image, entrypoint="/cnb/process/worker") as container:
        deadline = time.monotonic() + 30
        logs = ""
        while time.monotonic() < deadline:
            logs = harness.container_logs(container)
            if "worker started" in logs:
                break
            time.sleep(0.5)
        assert "worker started on Python" in logs, logs


CHECKS = {
    "flask_gunicorn": check_flask,
    "django_gunicorn": check_django,
    "fastapi_uvicorn": check_fastapi,
    "cext_sdist": check_cext,
    "cxx_sdist": check_cxx,
    "procfile_worker": check_worker,
}


def test_default_port_is_8080(builds) -> None:
    """Without PORT the web process listens on 8080."""
    result = builds.get("plain_main")
    port = harness.free_port()
    container_cmd = ["podman", "run", "-d", "-p", f"127.0.0.1:{port}:8080", result.image]
    container = harness.run(container_cmd).strip()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, text = harness.http_get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(harness.container_logs(container)) from None
                time.sleep(0.3)
        assert status == 200
        assert json.loads(text)["port"] in (None, "8080")
    finally:
        harness.podman("rm", "-f", "-t", "2", container, check=False)
