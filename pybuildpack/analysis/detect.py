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


def python_files(app_dir: Path) -> list[str]:
    """The files that make this a Python app, in the order above."""
    return [name for name in PYTHON_PROJECT_FILES if (app_dir / name).is_file()]
