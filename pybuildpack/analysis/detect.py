"""Is this a Python app? bin/detect runs for every build on a builder, so this module and
pybuildpack.detect use the standard library's cheapest parts only (no pathlib, no TOML
library, no third-party package: bin/detect runs Python without site-packages)."""

from __future__ import annotations

import os

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


def python_files(app_dir: str | os.PathLike[str]) -> list[str]:
    """The files that make this a Python app: project files first, else entry files."""
    found = [name for name in PYTHON_PROJECT_FILES if os.path.isfile(os.path.join(app_dir, name))]
    return found or [name for name in ENTRY_FILES if os.path.isfile(os.path.join(app_dir, name))]
