"""Debian 13 (trixie) builder (issue 12): the buildpack's default CPython (3.14, from the
mirror of Debian's own CPython packages), a Django app, and an sdist that compiles against
system packages from Debian 13's archive, each built on the trixie build image (with the
trixie builder from `make trixie-builder`) and answering HTTP on a trixie run image."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import harness
import pytest


@dataclass(frozen=True)
class Trixie:
    builder: str
    mirror_dir: str
    run_image: str
    noshell_run_image: str


@pytest.fixture(scope="module")
def trixie(cfg: harness.Config) -> Trixie:
    names = (
        "PYBUILDPACK_TRIXIE_BUILDER",
        "PYBUILDPACK_TRIXIE_MIRROR_DIR",
        "PYBUILDPACK_TRIXIE_RUN_IMAGE",
        "PYBUILDPACK_TRIXIE_NOSHELL_RUN_IMAGE",
    )
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        pytest.skip("the Debian 13 tests need `make integration` (missing: " + ", ".join(missing))
    return Trixie(*(os.environ[n] for n in names))


def build(trixie: Trixie, app: Path, name: str, **kw: object) -> harness.BuildResult:
    return harness.pack_build(
        app,
        harness.image_name(f"trixie_{name}"),
        builder=trixie.builder,
        mirror_dir=trixie.mirror_dir,
        clear_cache=True,
        **kw,  # type: ignore[arg-type]
    )


def get_json(url: str) -> dict[str, object]:
    status, text = harness.http_get(url)
    assert status == 200, text
    return dict(json.loads(text))


def assert_debian_13(meta: harness.ImageMetadata) -> None:
    # the app image is the run image plus layers: its base labels say which Debian it runs on
    assert meta.labels.get("io.buildpacks.base.distro.name") == "debian", meta.labels
    assert meta.labels.get("io.buildpacks.base.distro.version") == "13", meta.labels


def test_default_python_is_the_buildpacks_default(cfg, trixie: Trixie, scratch: Path) -> None:
    """No version asked for anywhere: the build takes buildpack.toml's default minor (3.14) at
    the mirror's newest patch, and the app runs on the no-shell trixie run image."""
    buildpack = tomllib.loads((cfg.source / "buildpack.toml").read_text())
    default_minor = buildpack["metadata"]["default-versions"]["cpython"]
    catalog = tomllib.loads((Path(trixie.mirror_dir) / "catalog.toml").read_text())
    assert catalog["default-versions"]["cpython"] == default_minor, (
        "the Debian 13 mirror must default to the buildpack's own default minor"
    )
    expected = harness.newest_patch(default_minor, trixie.mirror_dir)
    assert expected.startswith("3.14."), expected

    app = harness.copy_app("plain_main", scratch / "trixie-default")
    asks = {".python-version", "runtime.txt", "pyproject.toml", "Pipfile", "uv.lock"}
    assert not asks & {p.name for p in app.iterdir()}, "the app must not ask for a version"
    result = build(trixie, app, "plain_main", extra_args=["--run-image", trixie.noshell_run_image])
    assert "No Python version requested" in result.log, harness.tail(result.log, 80)
    assert f"Selected CPython {expected} " in result.log, harness.tail(result.log, 80)
    meta = harness.image_metadata(result.image)
    assert_debian_13(meta)
    assert "cpython" in meta.layers, meta.layers
    port = harness.free_port()
    with harness.run_app(result.image, port) as url:
        body = get_json(url + "/")
    assert harness.python_version_of(body) == expected, body
    assert body["port"] == str(port), body
    harness.report(
        f"trixie default python: {expected} (buildpack default {default_minor}), cold build "
        f"{result.seconds:.1f}s, image {harness.mb(meta.size)} on the no-shell run image"
    )


def test_django_app(trixie: Trixie, scratch: Path) -> None:
    app = harness.copy_app("django_gunicorn", scratch / "trixie-django")
    result = build(trixie, app, "django_gunicorn")
    meta = harness.image_metadata(result.image)
    assert_debian_13(meta)
    expected = harness.expected_default_python(trixie.mirror_dir)
    with harness.run_app(result.image) as url:
        body = get_json(url + "/")
        assert harness.python_version_of(body) == expected, body
        assert body["deps"] == {"django": "5.2.19", "gunicorn": "23.0.0", "whitenoise": "6.9.0"}
        # whitenoise serves what collectstatic put in STATIC_ROOT at build time
        status, text = harness.http_get(url + "/static/hello/hello.txt")
        assert status == 200 and "served by whitenoise" in text, (status, text)
    harness.report(
        f"trixie django_gunicorn: python {expected}, cold build {result.seconds:.1f}s, "
        f"image {harness.mb(meta.size)}"
    )


def test_sdist_against_debian_13_system_packages(trixie: Trixie, scratch: Path) -> None:
    """psycopg2 from its sdist: gcc in the trixie build image compiles it against CPython
    3.14's headers (the mirror's relocated sysconfig) and Debian 13's libpq-dev, fetched by the
    buildpack from the trixie archive (InRelease checked with gpgv); it loads Debian 13's
    libpq5 from the launch layer on a run image that has none."""
    out = harness.podman("run", "--rm", "--entrypoint", "sh", trixie.run_image, "-c",
                         "cat /var/lib/dpkg/status; ls /usr/lib/x86_64-linux-gnu")  # fmt: skip
    assert "Package: libpq5\n" not in out and "libpq.so" not in out, "the run image has libpq"

    app = harness.copy_app("psycopg2_sdist", scratch / "trixie-psycopg2")
    result = build(trixie, app, "psycopg2_sdist")
    assert "debian 13 (trixie, amd64)" in result.log, harness.tail(result.log, 80)
    meta = harness.image_metadata(result.image)
    assert_debian_13(meta)
    assert "system-packages" in meta.layers, meta.layers
    assert "system-packages-build" not in meta.layers, "the -dev packages must stay out"
    with harness.run_app(result.image) as url:
        body = get_json(url + "/")
    assert harness.python_version_of(body) == harness.expected_default_python(trixie.mirror_dir)
    # libpq 17 from Debian 13 (e.g. 170006), the one built against is the one loaded
    loaded = body["libpq_loaded"]
    assert isinstance(loaded, int) and 170000 <= loaded < 180000, body
    assert body["libpq_built"] == loaded, body
    harness.report(
        f"trixie psycopg2_sdist: libpq {loaded}, python {body['python']}, cold build "
        f"{result.seconds:.1f}s, image {harness.mb(meta.size)}"
    )


@pytest.mark.parametrize("minor", ["3.13", "3.15"])
def test_other_minors_of_the_mirror(trixie: Trixie, scratch: Path, minor: str) -> None:
    """.python-version picks Debian 13's own 3.13 and sid's 3.15 from the same mirror."""
    app = harness.copy_app("plain_main", scratch / f"trixie-{minor}")
    (app / ".python-version").write_text(f"{minor}\n")
    result = build(trixie, app, f"plain_main_{minor.replace('.', '')}")
    expected = harness.newest_patch(minor, trixie.mirror_dir)
    with harness.run_app(result.image) as url:
        body = get_json(url + "/")
    assert harness.python_version_of(body) == expected, body
    harness.report(f"trixie python {expected} (.python-version): cold build {result.seconds:.1f}s")


def test_cxx_extension(trixie: Trixie, scratch: Path) -> None:
    """A C++ extension compiles with the build image's g++ against the mirror's 3.14."""
    app = harness.copy_app("cxx_sdist", scratch / "trixie-cxx")
    result = build(trixie, app, "cxx_sdist")
    with harness.run_app(result.image) as url:
        body = get_json(url + "/")
    assert str(body["greeting"]).startswith("hello from C++"), body
    assert str(body["extension"]).endswith(".so"), body
    assert harness.python_version_of(body) == harness.expected_default_python(trixie.mirror_dir)
    harness.report(f"trixie cxx_sdist: {body['greeting']}, cold build {result.seconds:.1f}s")
