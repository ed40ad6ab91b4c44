"""The image serves from a read-only root filesystem with only the tmpfs the user gives."""

from __future__ import annotations

import json

import harness


def test_gunicorn_serves_from_a_read_only_root(builds) -> None:
    """No podman tmpfs on /tmp, /var/tmp or /run: gunicorn's heartbeat and TMPDIR go to
    /dev/shm (exec.d/defaults), so the app still answers."""
    result = builds.get("flask_gunicorn")
    options = ("--read-only", "--read-only-tmpfs=false")
    with harness.run_app(result.image, options=options) as url:
        status, text = harness.http_get(url + "/")
        assert status == 200
        assert json.loads(text)["greeting"] == "hello from flask"


def test_a_tmpfs_given_by_the_user_becomes_tmpdir(builds) -> None:
    result = builds.get("flask_gunicorn")
    options = ("--read-only", "--read-only-tmpfs=false", "--tmpfs", "/scratch")
    with harness.run_app(result.image, env={"TMPDIR": "/scratch"}, options=options) as url:
        status, _ = harness.http_get(url + "/")
        assert status == 200
