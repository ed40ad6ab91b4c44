"""collectstatic at build: skipped without staticfiles, failures explained."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from pybuildpack.errors import CommandFailed
from pybuildpack.log import Logger
from pybuildpack.messages import render
from pybuildpack.steps.collectstatic import collectstatic, collectstatic_hint

STATIC_ROOT_ERROR = (
    "django.core.exceptions.ImproperlyConfigured: You're using the staticfiles app without "
    "having set the STATIC_ROOT setting to a filesystem path."
)


def fake_django(
    tmp_path: Path, help_output: str, help_code: int, run_output: str, run_code: int
) -> tuple[Path, Path]:
    app = tmp_path / "app"
    app.mkdir()
    (app / "manage.py").write_text(
        "import sys\n"
        "if sys.argv[1] == 'help':\n"
        f"    print({help_output!r}); sys.exit({help_code})\n"
        f"print({run_output!r}); sys.exit({run_code})\n"
    )
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    return app, venv


def run(app: Path, venv: Path) -> str:
    out = io.StringIO()
    collectstatic(app, venv, {"PATH": os.environ["PATH"]}, Logger(out))
    return out.getvalue()


def test_runs_collectstatic(tmp_path: Path) -> None:
    app, venv = fake_django(tmp_path, "usage", 0, "42 static files copied", 0)
    assert "42 static files copied" in run(app, venv)


def test_skips_when_staticfiles_not_installed(tmp_path: Path) -> None:
    app, venv = fake_django(tmp_path, "Unknown command: 'collectstatic'", 1, "", 0)
    assert "Skipping: django.contrib.staticfiles is not in INSTALLED_APPS" in run(app, venv)


def test_missing_static_root_fails_with_cause(tmp_path: Path) -> None:
    app, venv = fake_django(tmp_path, "usage", 0, STATIC_ROOT_ERROR, 1)
    with pytest.raises(CommandFailed) as err:
        run(app, venv)
    message = render(err.value)
    assert message.title == "Unable to generate Django static files"
    assert "STATIC_ROOT is not set" in message.body and "DISABLE_COLLECTSTATIC=1" in message.body


def test_broken_settings_fail_instead_of_skipping(tmp_path: Path) -> None:
    app, venv = fake_django(tmp_path, "KeyError: 'SECRET_KEY'", 1, "", 0)
    with pytest.raises(CommandFailed):
        run(app, venv)


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("KeyError: 'DATABASE_URL'", "environment variable DATABASE_URL"),
        ("ImproperlyConfigured: Set the SECRET_KEY environment variable", "SECRET_KEY"),
        ("ModuleNotFoundError: No module named 'whitenoise'", "missing from the dependencies"),
        ("something else", ""),
    ],
)
def test_hints(output: str, expected: str) -> None:
    hint = collectstatic_hint(output)
    assert expected in hint if expected else hint == ""
