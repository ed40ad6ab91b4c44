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


def python_files(app_dir: str | os.PathLike[str]) -> list[str]:
    """The files that make this a Python app, in the order above."""
    return [name for name in PYTHON_PROJECT_FILES if os.path.isfile(os.path.join(app_dir, name))]
