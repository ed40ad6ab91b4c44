"""System packages (issue 6): psycopg2 and mysqlclient compiled from source against -dev
packages from a build layer, run on the minimal run image (no libpq5, no libmariadb3) with the
libraries from the launch layer; a rebuild reuses both package layers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import harness
import pytest

LAUNCH = "system-packages"
BUILD = "system-packages-build"


def run_image_lacks(cfg, names: list[str]) -> None:
    out = harness.podman(
        "run", "--rm", "--entrypoint", "sh", cfg.run_image, "-c",
        "cat /var/lib/dpkg/status; ls /usr/lib/x86_64-linux-gnu",
    )  # fmt: skip
    for name in names:
        assert f"Package: {name}\n" not in out, f"the run image has {name}"
    assert "libpq.so" not in out and "libmariadb.so" not in out


def body(image: str) -> dict[str, object]:
    with harness.run_app(image) as url:
        status, text = harness.http_get(url + "/")
        assert status == 200, text
        return dict(json.loads(text))


def unpacked_mb(log: str, what: str) -> str:
    match = re.search(rf"{what}: ([0-9.]+ MB) unpacked", log)
    return match.group(1) if match else "?"


CASES = {
    "psycopg2_sdist": (["libpq5"], "libpq_loaded"),
    "mysqlclient_sdist": (["libmariadb3"], "client_info"),
}


@pytest.mark.parametrize("app_name", sorted(CASES))
def test_sdist_app_with_system_packages(cfg, scratch: Path, app_name: str) -> None:
    missing, key = CASES[app_name]
    run_image_lacks(cfg, missing)
    image = harness.image_name(f"sysdeb_{app_name}")
    app = harness.copy_app(app_name, scratch / f"sysdeb-{app_name}")
    cold = harness.pack_build(app, image, clear_cache=True)
    assert "Installing system packages" in cold.log, harness.tail(cold.log, 80)
    meta = harness.image_metadata(image)
    assert LAUNCH in meta.layers, meta.layers
    assert BUILD not in meta.layers, "the -dev packages must not reach the launch image"
    got = body(image)
    if app_name == "psycopg2_sdist":
        # libpq 15 from Debian 12, e.g. 150020; built against and loaded at run time
        assert isinstance(got["libpq_loaded"], int) and got["libpq_loaded"] >= 150000, got
        assert got["libpq_built"] == got["libpq_loaded"], got
    else:
        assert str(got["client_info"]).startswith("3."), got  # libmariadb3's version
    assert f"/layers/pybuildpack_python/{LAUNCH}/" in str(got["ld_library_path"]), got

    # rebuild after a source-only change: both package layers reused, same digest
    source = app / "main.py"
    source.write_text(source.read_text().replace('"greeting": "hello', '"greeting": "hi'))
    warm = harness.pack_build(app, image)
    warm_meta = harness.image_metadata(image)
    assert warm_meta.layers[LAUNCH] == meta.layers[LAUNCH], harness.tail(warm.log, 80)
    assert "Reusing cached run-time packages" in warm.log, harness.tail(warm.log, 80)
    assert "Reusing cached build-time packages" in warm.log, harness.tail(warm.log, 80)
    assert str(body(image)["greeting"]).startswith("hi"), "the rebuilt image runs the new source"
    harness.report(
        f"system packages {app_name}: {got[key]}; cold {cold.seconds:.1f}s, rebuild "
        f"{warm.seconds:.1f}s; launch layer {unpacked_mb(cold.log, 'run-time packages')}, "
        f"build layer {unpacked_mb(cold.log, 'build-time packages')} (cache only); "
        f"image {harness.mb(warm_meta.size)}"
    )


def test_unknown_system_package_fails_with_suggestions(cfg, scratch: Path) -> None:
    app = harness.copy_app("plain_main", scratch / "sysdeb-unknown")
    result = harness.pack_build(
        app,
        harness.image_name("sysdeb_unknown"),
        env={"BP_SYSTEM_PACKAGES": "libpq-devel"},
        expect_fail=True,
    )
    assert "[Error: Unknown system package libpq-devel]" in result.log, harness.tail(result.log)
    assert "Did you mean: libpq-dev" in result.log, harness.tail(result.log)
    assert "Traceback" not in result.log
    harness.report(f"system packages unknown name: failed as expected in {result.seconds:.1f}s")
