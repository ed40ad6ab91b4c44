"""Is this a Python app? Kept light: bin/detect runs for every build."""

from __future__ import annotations

from pathlib import Path

PYTHON_PROJECT_FILES = (
    "requirements.txt",
    "setup.py",
    "setup.cfg",
    "Pipfile",
    "Pipfile.lock",
    "pyproject.toml",
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    ".python-version",
    "runtime.txt",
)
# A standard-library app has no dependency file: one of these at its root marks it (Railpack's
# and Heroku's lists). Only names are checked, so detect stays a handful of stat calls.
ENTRY_FILES = (
    "app.py",
    "main.py",
    "server.py",
    "manage.py",
    "wsgi.py",
    "asgi.py",
    "run.py",
    "start.py",
    "bot.py",
    "streamlit_app.py",
)


def python_files(app_dir: Path) -> list[str]:
    """The files that make this a Python app: project files first, else entry files."""
    found = [name for name in PYTHON_PROJECT_FILES if (app_dir / name).is_file()]
    return found or [name for name in ENTRY_FILES if (app_dir / name).is_file()]
