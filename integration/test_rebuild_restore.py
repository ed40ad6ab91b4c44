"""A source-only rebuild restores nothing it does not use (issue 10, point 4).

The lifecycle's restore phase unpacks every cache=true layer before the build, whether the
build uses it or not, and its export re-tars every launch layer that has contents. A
source-only rebuild of the Flask app (requirements.txt) uses neither CPython nor the venv nor
pip: the launch layers are kept from the previous image (their metadata says "reuse"). The
lifecycle restores every cache layer whatever the build does, so what a dependency change
needs (the CPython archive, the pip wheel, the download cache) is kept as one file each.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import harness

IMAGE = harness.image_name("rebuild_restore")
RESTORED = re.compile(r'Restoring data for "pybuildpack/python:([^"]+)" from cache')
REUSED = re.compile(r"Reusing layer 'pybuildpack/python:([^']+)'")
# restored on every build, whatever it does: each of these is one file (layers/cpython.py,
# layers/pip.py, layers/download_cache.py)
ALWAYS_RESTORED = {"cpython-archive", "pip", "pip-cache"}


def greeting(image: str) -> str:
    with harness.run_app(image) as url:
        status, text = harness.http_get(url + "/")
        assert status == 200, text
        return str(json.loads(text)["greeting"])


def test_source_only_rebuild_restores_only_what_it_uses(cfg, scratch: Path) -> None:
    app = harness.copy_app("flask_gunicorn", scratch / "restore")
    harness.pack_build(app, IMAGE, clear_cache=True)
    cold = harness.image_metadata(IMAGE)
    assert {"cpython", "venv"} <= set(cold.layers), cold.layers

    source = app / "app.py"
    source.write_text(source.read_text().replace("hello from flask", "hello, restored nothing"))
    warm = harness.pack_build(app, IMAGE, extra_args=["--verbose"])

    restored = set(RESTORED.findall(warm.log))
    assert restored <= ALWAYS_RESTORED, (
        f"a source-only rebuild restored {sorted(restored - ALWAYS_RESTORED)} from the cache:\n"
        + harness.tail(warm.log, 80)
    )
    reused = set(REUSED.findall(warm.log))
    assert {"cpython", "venv"} <= reused, harness.tail(warm.log, 80)
    warm_meta = harness.image_metadata(IMAGE)
    for layer in ("cpython", "venv"):
        assert warm_meta.layers[layer] == cold.layers[layer], layer
    assert greeting(IMAGE) == "hello, restored nothing", "the rebuilt image runs the new source"
    harness.report(
        f"rebuild_restore flask_gunicorn: source-only rebuild {warm.seconds:.1f}s, restored "
        f"{sorted(restored) or 'nothing'}"
    )


def test_dependency_change_keeps_cpython_from_the_previous_image(cfg, scratch: Path) -> None:
    """A dependency change runs CPython (the venv is made anew) but the export keeps the
    previous image's CPython layer (its files are dropped again after the build): "Reusing
    layer", the same digest, and the new dependency importable in the image."""
    app = harness.copy_app("flask_gunicorn", scratch / "deps")
    image = harness.image_name("rebuild_deps")
    harness.pack_build(app, image, clear_cache=True)
    cold = harness.image_metadata(image)

    requirements = app / "requirements.txt"
    requirements.write_text(requirements.read_text() + "python-dotenv==1.2.1\n")
    source = app / "app.py"
    source.write_text(
        "import dotenv  # the new dependency\n"
        + source.read_text().replace("hello from flask", "hello, new dependency")
    )
    warm = harness.pack_build(app, image, extra_args=["--verbose"])

    assert "Discarding cached virtual environment because:" in warm.log
    reused = set(REUSED.findall(warm.log))
    assert "cpython" in reused and "venv" not in reused, harness.tail(warm.log, 80)
    # kept as metadata only: the exporter made no tarball of it (it does for a layer with
    # files, even when the digest turns out the same)
    assert 'tarball for layer "pybuildpack/python:cpython"' not in warm.log, harness.tail(
        warm.log, 80
    )
    assert 'tarball for layer "pybuildpack/python:venv"' in warm.log  # the check can fail
    warm_meta = harness.image_metadata(image)
    assert warm_meta.layers["cpython"] == cold.layers["cpython"]
    assert warm_meta.layers["venv"] != cold.layers["venv"]
    assert greeting(image) == "hello, new dependency", "the new venv has python-dotenv"
    harness.report(
        f"rebuild_restore flask_gunicorn: dependency change {warm.seconds:.1f}s, CPython kept"
    )
