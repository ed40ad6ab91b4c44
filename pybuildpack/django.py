"""Django's collectstatic, run at build time when the app uses django.contrib.staticfiles."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pybuildpack.errors import CommandFailed
from pybuildpack.log import Logger
from pybuildpack.runner import run


def collectstatic(app_dir: Path, venv: Path, env: Mapping[str, str], log: Logger) -> None:
    log.header("Generating Django static files")
    python = str(venv / "bin" / "python")
    try:
        run(
            [python, "manage.py", "help", "collectstatic"],
            step="collectstatic",
            env=env,
            log=log,
            cwd=app_dir,
            capture=True,
        )
    except CommandFailed as failure:
        # Heroku's rule: "Unknown command" means staticfiles is not enabled: nothing to do.
        if "Unknown command" in failure.output:
            log.detail("Skipping: django.contrib.staticfiles is not in INSTALLED_APPS")
            return
        for line in failure.output.splitlines():
            log.subdetail(line)
        raise
    with log.timed("Running 'manage.py collectstatic'"):
        run(
            [python, "manage.py", "collectstatic", "--noinput"],
            step="collectstatic",
            env=env,
            log=log,
            cwd=app_dir,
        )
