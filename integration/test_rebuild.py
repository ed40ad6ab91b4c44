"""Rebuilds (issue 3 item 8): an app-source-only change reuses the cpython and venv layers (same
layer digests, and the log says so) and takes a fraction of the cold build; a requirements change
rebuilds venv and keeps cpython."""

from __future__ import annotations

import json
from pathlib import Path

import harness

IMAGE = harness.image_name("rebuild_flask")


def explain(layer: str, cold_files: dict[str, str], log: str) -> str:
    diff = harness.layer_diff(cold_files, harness.layer_files(IMAGE, layer))
    return (
        f"the {layer} layer changed; files that differ from the cold build's layer:\n"
        f"{diff}\n--- build log tail ---\n{harness.tail(log, 40)}"
    )


def greeting(image: str) -> str:
    with harness.run_app(image) as url:
        status, text = harness.http_get(url + "/")
        assert status == 200, text
        return str(json.loads(text)["greeting"])


def test_rebuild_reuses_layers(cfg, scratch: Path) -> None:
    app = harness.copy_app("flask_gunicorn", scratch / "rebuild")
    cold = harness.pack_build(app, IMAGE, clear_cache=True)
    cold_meta = harness.image_metadata(IMAGE)
    assert {"cpython", "venv"} <= set(cold_meta.layers), cold_meta.layers
    # the cold layers' files, so that a failure below can say which files differ
    cold_files = {layer: harness.layer_files(IMAGE, layer) for layer in ("cpython", "venv")}
    assert greeting(IMAGE) == "hello from flask"

    # 1. app source only
    source = app / "app.py"
    source.write_text(source.read_text().replace("hello from flask", "hello again from flask"))
    warm = harness.pack_build(app, IMAGE)
    warm_meta = harness.image_metadata(IMAGE)
    assert greeting(IMAGE) == "hello again from flask", "the rebuilt image runs the new source"
    for layer in ("cpython", "venv"):
        assert warm_meta.layers[layer] == cold_meta.layers[layer], explain(
            layer, cold_files[layer], warm.log
        )
    assert "Reusing" in warm.log, harness.tail(warm.log, 80)
    harness.report(
        f"rebuild flask_gunicorn: cold {cold.seconds:.1f}s, source-only rebuild "
        f"{warm.seconds:.1f}s ({100 * warm.seconds / cold.seconds:.0f}% of cold), "
        f"image {harness.mb(warm_meta.size)}"
    )
    assert warm.seconds < cold.seconds, (cold.seconds, warm.seconds)

    # 2. requirements change: venv is made anew, cpython stays
    reqs = app / "requirements.txt"
    reqs.write_text(reqs.read_text() + "six==1.17.0\n")
    changed = harness.pack_build(app, IMAGE)
    changed_meta = harness.image_metadata(IMAGE)
    harness.report(f"rebuild flask_gunicorn: requirements-change rebuild {changed.seconds:.1f}s")
    assert changed_meta.layers["venv"] != cold_meta.layers["venv"], harness.tail(changed.log)
    assert greeting(IMAGE) == "hello again from flask"
    assert changed_meta.layers["cpython"] == cold_meta.layers["cpython"], explain(
        "cpython", cold_files["cpython"], changed.log
    )
