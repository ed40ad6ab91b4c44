"""`pybuildpack plan`: the same analysis as build, as JSON or text, with exit codes 0/100/1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def plan(app: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pybuildpack", "plan", str(app), *extra],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )


def test_json_shape(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask==3.0\ngunicorn\n")
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (tmp_path / ".python-version").write_text("3.12\n")
    result = plan(tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {
        "detected",
        "python",
        "package_manager",
        "dependency_files",
        "processes",
        "system_packages",
        "collectstatic",
        "server",
    }
    assert data["python"]["requested"] == "3.12"
    assert data["python"]["source"] == ".python-version"
    assert data["python"]["resolved"].startswith("3.12.")
    assert data["package_manager"] == "pip"
    assert data["dependency_files"] == ["requirements.txt"]
    assert data["processes"] == [
        {
            "type": "web",
            "command": ["gunicorn", "app:app"],
            "args": [],
            "default": True,
            "reason": "Flask app `app` in app.py, line 2, served by gunicorn",
        }
    ]
    assert data["server"] is None
    assert data["system_packages"] == {"build": [], "launch": []}
    assert data["collectstatic"] is False


def test_env_acts_as_platform_env(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("")
    (tmp_path / "main.py").write_text("")
    (tmp_path / ".python-version").write_text("3.12\n")
    data = json.loads(plan(tmp_path, "--json", "--env", "BP_CPYTHON_VERSION=3.13").stdout)
    assert data["python"]["source"] == "BP_CPYTHON_VERSION"
    assert data["python"]["resolved"].startswith("3.13.")


def test_default_source(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("")
    (tmp_path / "main.py").write_text("")
    data = json.loads(plan(tmp_path, "--json").stdout)
    assert data["python"]["source"] == "default"
    assert data["python"]["resolved"].startswith("3.14.")


def test_included_requirement_files_are_listed(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r requirements/base.txt\n")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("django\n")
    (tmp_path / "manage.py").write_text("")
    data = json.loads(plan(tmp_path, "--json").stdout)
    assert data["dependency_files"] == ["requirements.txt", "requirements/base.txt"]
    assert data["collectstatic"] is True


def test_not_detected_exits_100(tmp_path: Path) -> None:
    (tmp_path / "index.js").write_text("")
    result = plan(tmp_path, "--json")
    assert result.returncode == 100
    assert json.loads(result.stdout)["detected"] is False


def test_missing_dir_exits_1(tmp_path: Path) -> None:
    result = plan(tmp_path / "nope", "--json")
    assert result.returncode == 1 and "not a directory" in result.stderr


def test_text_output_says_why(tmp_path: Path) -> None:
    (tmp_path / "runtime.txt").write_text("python-3.12.8\n")
    (tmp_path / "main.py").write_text("")
    result = plan(tmp_path)
    assert result.returncode == 0
    assert "Python: 3.12.8 (requested 'python-3.12.8' by runtime.txt, line 1)" in result.stdout
    assert "web (default): python main.py" in result.stdout


def test_buildpack_plan_option(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("flask==3.0\n")
    (app / "main.py").write_text("")
    plan_toml = tmp_path / "plan.toml"
    plan_toml.write_text(
        '[[entries]]\nname = "cpython"\n[entries.metadata]\nversion = "3.12"\n'
        'version-source = "policy"\n'
    )
    result = plan(app, "--json", "--buildpack-plan", str(plan_toml))
    assert result.returncode == 0, result.stderr
    python = json.loads(result.stdout)["python"]
    assert python["source"] == "buildpack plan (policy)"
    assert python["resolved"].startswith("3.12.")
    missing = plan(app, "--buildpack-plan", str(tmp_path / "nope.toml"))
    assert missing.returncode == 1 and "nope.toml" in missing.stderr
