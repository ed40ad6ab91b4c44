"""`pack build --buildpack <source checkout>` (issue 3 item 7: once with --buildpack on a source
checkout rather than the copy inside the builder), and `--buildpack build/pybuildpack.cnb`, the
packaged buildpack that `make package` makes with `pack buildpack package --format file`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import harness


def test_build_with_buildpack_from_checkout(cfg, scratch: Path) -> None:
    source = cfg.source
    assert (source / "buildpack.toml").is_file(), source
    assert (source / "runtime").is_dir(), "run `make runtime` first (the buildpack's interpreter)"
    app = harness.copy_app("plain_main", scratch / "checkout")
    image = harness.image_name("checkout_plain_main")
    result = harness.pack_build(app, image, buildpack=str(source), clear_cache=True)
    assert "pybuildpack/python" in result.log
    meta = harness.image_metadata(image)
    with harness.run_app(image) as url:
        status, text = harness.http_get(url + "/")
        assert status == 200, text
        body = json.loads(text)
    assert harness.python_version_of(body) == harness.expected_default_python()
    harness.report(
        f"--buildpack {source}: plain_main cold build {result.seconds:.1f}s, "
        f"image {harness.mb(meta.size)}"
    )


def test_build_with_packaged_buildpack(cfg, scratch: Path) -> None:
    package = Path(os.environ.get("PYBUILDPACK_PACKAGE", cfg.source / "build/pybuildpack.cnb"))
    assert package.is_file(), f"{package} is missing: `make package` makes it"
    app = harness.copy_app("flask_gunicorn", scratch / "package")
    image = harness.image_name("package_flask")
    result = harness.pack_build(app, image, buildpack=str(package), clear_cache=True)
    meta = harness.image_metadata(image)
    assert {"cpython", "venv"} <= set(meta.layers), meta.layers
    with harness.run_app(image) as url:
        status, text = harness.http_get(url + "/")
        assert status == 200, text
        body = json.loads(text)
    assert body["deps"]["flask"] == "3.1.3"
    assert harness.python_version_of(body) == harness.expected_default_python()
    harness.report(
        f"--buildpack {package.name} ({harness.mb(package.stat().st_size)}): flask_gunicorn "
        f"cold build {result.seconds:.1f}s, image {harness.mb(meta.size)}"
    )
