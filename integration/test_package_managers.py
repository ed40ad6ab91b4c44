"""Every package manager (issue 4): uv, Poetry, pipenv, PDM, a pyproject.toml project without a
lock, and setup.py. Each fixture is built cold by pack, run and asked over HTTP; a source-only
rebuild keeps the venv layer (same digest); a lock-file change rebuilds it (uv, Poetry).
No package manager is left in the launch image."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import harness
import pytest

UV_VERSION = tomllib.loads(
    (harness.APPS_DIR.parents[1] / "buildpack.toml").read_text(encoding="utf-8")
)["metadata"]["default-versions"]["uv"]


@dataclass(frozen=True)
class Fixture:
    name: str
    manager: str
    python_minor: str
    tool_layer: str | None  # the build-only tool layer, which must not be in the image


FIXTURES = [
    Fixture("pm_uv", "uv", "3.12", "uv"),
    Fixture("pm_poetry", "poetry", "3.13", "poetry"),
    Fixture("pm_pipenv", "pipenv", "3.13", "pipenv"),
    Fixture("pm_pdm", "pdm", "3.13", "pdm"),
    Fixture("pm_pyproject", "pyproject", "3.13", None),
    Fixture("pm_setuppy", "setuppy", "3.13", None),
]


def get(image: str) -> dict[str, object]:
    with harness.run_app(image) as url:
        status, text = harness.http_get(url + "/")
        assert status == 200, text
        return dict(json.loads(text))


def rebuild_source_only(app: Path, image: str) -> harness.BuildResult:
    source = app / "app.py"
    source.write_text(source.read_text().replace('GREETING = "hello from', 'GREETING = "hi from'))
    return harness.pack_build(app, image)


@pytest.mark.parametrize("fx", FIXTURES, ids=[f.name for f in FIXTURES])
def test_manager_builds_runs_and_reuses_venv(cfg, scratch: Path, fx: Fixture) -> None:
    app = harness.copy_app(fx.name, scratch / "pm")
    image = harness.image_name(fx.name)
    cold = harness.pack_build(app, image, clear_cache=True)
    meta = harness.image_metadata(image)
    assert "Choosing a package manager" in cold.log
    body = get(image)
    assert body["greeting"] == f"hello from {fx.manager}", body
    assert body["deps"] == {"gunicorn": "23.0.0"}, body
    assert harness.python_version_of(body).startswith(fx.python_minor + "."), body
    assert "venv" in meta.layers, meta.layers
    # the tool and every download cache are build-only: never in the image
    leaked = [
        layer
        for layer in meta.layers
        if ":" not in layer
        and (layer.endswith("-cache") or layer in ("uv", "poetry", "pipenv", "pdm", "pip"))
    ]
    assert not leaked, f"build-only layers in the image: {leaked}"
    if fx.tool_layer:
        assert f"Installing {fx.tool_layer}" in cold.log or "Installing " in cold.log
    if fx.manager == "uv":  # the default uv's wheel comes from the catalog: no pip download
        assert "from the buildpack's catalog (sha256 verified)" in cold.log, harness.tail(cold.log)
        assert "Downloading https://files.pythonhosted.org/" in cold.log
        assert "through pip" not in cold.log

    warm = rebuild_source_only(app, image)
    warm_meta = harness.image_metadata(image)
    assert "Reusing cached virtual environment" in warm.log, harness.tail(warm.log, 60)
    assert warm_meta.layers["venv"] == meta.layers["venv"], harness.tail(warm.log, 60)
    assert warm_meta.layers["cpython"] == meta.layers["cpython"]
    assert get(image)["greeting"] == f"hi from {fx.manager}", "the rebuild runs the new source"
    harness.report(
        f"package manager {fx.name}: cold build {cold.seconds:.1f}s, source-only rebuild "
        f"{warm.seconds:.1f}s, image {harness.mb(warm_meta.size)}"
    )


@pytest.mark.parametrize("name", ["pm_uv", "pm_poetry"])
def test_lock_change_rebuilds_venv(cfg, scratch: Path, name: str) -> None:
    """pm_X_lockchange holds the same project with six added and locked for real."""
    app = harness.copy_app(name, scratch / "lockchange")
    image = harness.image_name(name + "_lock")
    harness.pack_build(app, image, clear_cache=True)
    before = harness.image_metadata(image)
    for file in (harness.APPS_DIR / f"{name}_lockchange").iterdir():
        if file.name != "README":
            (app / file.name).write_bytes(file.read_bytes())
    changed = harness.pack_build(app, image)
    after = harness.image_metadata(image)
    assert "Discarding cached virtual environment" in changed.log, harness.tail(changed.log)
    if name == "pm_uv":  # the cached uv layer is restored: nothing is downloaded for it
        assert "Reusing cached uv" in changed.log, harness.tail(changed.log)
        assert "Downloading the uv" not in changed.log
    assert "the dependency files (sha256) changed" in changed.log, harness.tail(changed.log)
    assert after.layers["venv"] != before.layers["venv"]
    assert after.layers["cpython"] == before.layers["cpython"]
    harness.report(f"package manager {name}: lock-change rebuild {changed.seconds:.1f}s")
    assert get(image)["deps"] == {"gunicorn": "23.0.0"}


def test_uv_through_pip_with_an_index_of_ones_own(cfg, scratch: Path) -> None:
    """PIP_INDEX_URL set: uv's wheel is downloaded by pip from that index, as before the
    catalog had it (PyPI's simple index here, so the build still works)."""
    app = harness.copy_app("pm_uv", scratch / "own_index")
    image = harness.image_name("pm_uv_own_index")
    result = harness.pack_build(
        app, image, clear_cache=True, env={"PIP_INDEX_URL": "https://pypi.org/simple/"}
    )
    line = f"uv {UV_VERSION} through pip: PIP_INDEX_URL is set"
    assert line in result.log, harness.tail(result.log)
    assert "from the buildpack's catalog" not in result.log
    assert get(image)["greeting"] == "hello from uv"
    harness.report(f"package manager pm_uv through pip (PIP_INDEX_URL): cold {result.seconds:.1f}s")


def test_out_of_date_uv_lock_fails_with_our_error(cfg, scratch: Path) -> None:
    app = harness.copy_app("pm_uv", scratch / "stale")
    pyproject = app / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('"gunicorn==23.0.0"', '"gunicorn==23.0.0", "six"')
    )
    result = harness.pack_build(app, harness.image_name("pm_uv_stale"), expect_fail=True)
    assert "[Error: uv.lock is out of date]" in result.log, harness.tail(result.log)
    assert "Run `uv lock`" in result.log
    assert "Traceback" not in result.log
