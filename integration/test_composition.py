"""Composition with other buildpacks (issue 13 item 3), through the real lifecycle's plan:

* `buildpacks/python-policy` requires `cpython` with `version = "3.12"` in its plan metadata:
  we build 3.12 and say the version came from the buildpack plan; an explicit
  BP_CPYTHON_VERSION still wins over it. It comes after ours in the group: the lifecycle
  fails detection when a buildpack requires what no buildpack at or before it provides
  ("fail: ... requires cpython"), as with Paketo's pip-install after its cpython.
* `buildpacks/agent`, after ours, requires `site-packages`: at build it runs our CPython and
  the app's venv (imports Flask), pip-installs prometheus-client into its own launch layer and
  adds an `agent` process that imports both.

The group is given to pack as `--buildpack` flags, in order, with ours from the builder."""

from __future__ import annotations

import json
from pathlib import Path

import harness

BUILDPACKS = Path(__file__).resolve().parent / "buildpacks"
OURS = "urn:cnb:builder:pybuildpack/python"


def group(*names: str) -> list[str]:
    args: list[str] = []
    for name in names:
        ref = OURS if name == "ours" else str(BUILDPACKS / name)
        args += ["--buildpack", ref]
    return [*args, "--trust-extra-buildpacks"]


def test_policy_and_agent_buildpacks(cfg, scratch: Path) -> None:
    app = harness.copy_app("flask_gunicorn", scratch / "composition")
    image = harness.image_name("composition_flask")
    result = harness.pack_build(
        app,
        image,
        clear_cache=True,
        extra_args=group("ours", "python-policy", "agent"),
    )
    log = result.log
    python = harness.newest_patch("3.12")
    assert "Requested '3.12' by buildpack plan (python-policy)" in log, harness.tail(log, 80)
    assert f"Selected CPython {python} (from buildpack plan (python-policy))" in log
    # the agent ran with the app's venv and our CPython at build
    assert "agent: python3 is /layers/pybuildpack_python/venv/bin/python3" in log, harness.tail(log)
    assert (
        "agent: build sees prefix /layers/pybuildpack_python/venv "
        "base /layers/pybuildpack_python/cpython flask 3.1.3"
    ) in log, harness.tail(log)

    meta = harness.image_metadata(image)
    assert meta.default_process == "web"
    assert {"web", "agent"} <= set(meta.processes), meta.processes
    assert "pybuildpack.test/agent:agent" in meta.layers, meta.layers
    with harness.run_app(image) as url:
        status, text = harness.http_get(url + "/")
        assert status == 200, text
        assert harness.python_version_of(json.loads(text)) == python
    out = harness.podman("run", "--rm", "--entrypoint", "/cnb/process/agent", image)
    agent = json.loads(out.strip().splitlines()[-1])
    assert agent == {
        "agent": "0.21.1",
        "flask": "3.1.3",
        "prefix": "/layers/pybuildpack_python/venv",
        "counter": "Counter",
    }, out
    harness.report(
        f"composition pybuildpack + python-policy + agent: CPython {python} from the plan, "
        f"agent process runs; cold build {result.seconds:.1f}s"
    )


def test_explicit_request_beats_the_plan(cfg, scratch: Path) -> None:
    app = harness.copy_app("plain_main", scratch / "composition-explicit")
    result = harness.pack_build(
        app,
        harness.image_name("composition_explicit"),
        clear_cache=True,
        env={"BP_CPYTHON_VERSION": "3.11"},
        extra_args=group("ours", "python-policy"),
    )
    python = harness.newest_patch("3.11")
    assert f"Selected CPython {python} (from BP_CPYTHON_VERSION)" in result.log, harness.tail(
        result.log, 80
    )
    harness.report(f"composition: BP_CPYTHON_VERSION=3.11 beats the plan's 3.12 ({python})")
