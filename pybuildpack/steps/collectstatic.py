"""Django's collectstatic, run at build time when the app uses django.contrib.staticfiles."""

from __future__ import annotations

import re
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
    with log.timed("Running 'manage.py collectstatic --noinput'"):
        try:
            output = run(
                [python, "manage.py", "collectstatic", "--noinput"],
                step="collectstatic",
                env=env,
                log=log,
                cwd=app_dir,
                capture=True,
            )
        except CommandFailed as failure:
            for line in failure.output.splitlines():
                log.subdetail(line)
            failure.hint = collectstatic_hint(failure.output)
            raise
        for line in output.splitlines():
            log.subdetail(line)


def collectstatic_hint(output: str) -> str:
    """The likely cause of a collectstatic failure, from Django's own error."""
    if "STATIC_ROOT" in output:
        return (
            "Cause: STATIC_ROOT is not set to a filesystem path. Add to your settings, e.g.\n"
            "  STATIC_ROOT = BASE_DIR / 'staticfiles'"
        )
    missing = re.search(r"KeyError: '([A-Z][A-Z0-9_]+)'", output) or re.search(
        r"(?:environment variable|ImproperlyConfigured: Set the) '?([A-Z][A-Z0-9_]+)", output
    )
    if missing:
        return (
            f"Cause: the settings read the environment variable {missing.group(1)}, which the\n"
            "build does not have. Give it a default in the settings (os.environ.get), or set it\n"
            f"for the build (pack build --env {missing.group(1)}=...)."
        )
    if "ModuleNotFoundError" in output:
        return "Cause: a module the settings import is missing from the dependencies."
    return ""
