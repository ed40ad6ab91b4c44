"""Every bad input: its own titled error, where it is, how to fix it, exit 1, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, Dirs, offline_requirements, run_build

PLAN_CASES = [
    # (files, env, title, a detail the message must show)
    ({"pyproject.toml": "[project\nname = 'x'\n"}, {}, "Invalid TOML in pyproject.toml", "line 1"),
    ({"uv.lock": "version = = 1\n"}, {}, "Invalid TOML in uv.lock", "uv.lock, line 1"),
    ({"Pipfile.lock": '{"_meta": }'}, {}, "Invalid JSON in Pipfile.lock", "Pipfile.lock, line 1"),
    ({"Pipfile": "[requires\n"}, {}, "Invalid TOML in Pipfile", "Pipfile, line 1"),
    ({".python-version": "3.12.x\n"}, {}, "Invalid Python version in .python-version", "line 1"),
    (
        {".python-version": "3.12\n3.13\n"},
        {},
        "Multiple Python versions in .python-version",
        "line 2",
    ),
    ({".python-version": "# nothing\n"}, {}, "No Python version in .python-version", "first line"),
    ({"runtime.txt": "python3.12\n"}, {}, "Invalid Python version in runtime.txt", "python-3.14.1"),
    ({".python-version": "3.9"}, {}, "Requested Python version is not available", "3.14:"),
    (
        {"requirements.txt": ""},
        {"BP_CPYTHON_VERSION": "latest"},
        "Invalid Python version",
        "BP_CPYTHON_VERSION",
    ),
    (
        {"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">>3.12"\n'},
        {},
        "Invalid Python version",
        "pyproject.toml, line 3",
    ),
    (
        {"requirements.txt": "flask\n", "Procfile": "web gunicorn app:app\n"},
        {},
        "Invalid line in Procfile",
        "Procfile, line 1",
    ),
    (
        {"requirements.txt": ""},
        {"BP_PIP_VERSION": "latest"},
        "Invalid value for BP_PIP_VERSION",
        "26.3",
    ),
    (
        {"requirements.txt": ""},
        {"BP_PYTHON_PACKAGE_MANAGER": "conda"},
        "Invalid value for BP_PYTHON_PACKAGE_MANAGER",
        "poetry",
    ),
    ({"requirements.txt": ""}, {"RUN_COMMAND": " "}, "Invalid value for RUN_COMMAND", "gunicorn"),
    (
        {"requirements.txt": ""},
        {"DISABLE_COLLECTSTATIC": "maybe"},
        "Invalid value for DISABLE_COLLECTSTATIC",
        "true or false",
    ),
]


def plan_cli(app: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "pybuildpack", "plan", str(app)]
    for name, value in env.items():
        args += ["--env", f"{name}={value}"]
    return subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=60)


@pytest.mark.parametrize(
    ("files", "env", "title", "detail"),
    PLAN_CASES,
    ids=[c[2] + "|" + str(i) for i, c in enumerate(PLAN_CASES)],
)
def test_bad_input_gives_its_own_error(
    tmp_path: Path, files: dict[str, str], env: dict[str, str], title: str, detail: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = plan_cli(tmp_path, env)
    assert result.returncode == 1
    assert f"[Error: {title}]" in result.stderr
    assert detail in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_non_utf8_file(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_bytes(b"3.12\xff\n")
    result = plan_cli(tmp_path, {})
    assert result.returncode == 1
    assert "[Error: Unable to read .python-version]" in result.stderr


def test_invisible_characters_are_shown(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_text("3.12\u200b\n")
    result = plan_cli(tmp_path, {})
    assert "3.12\ufffd" in result.stderr


def test_forbidden_env_fails_build(buildpack_dir: Path, dirs: Dirs) -> None:
    offline_requirements(dirs.app)
    (dirs.platform / "env" / "PIP_TARGET").write_text("/tmp/x")
    result = run_build(buildpack_dir, dirs)
    assert result.returncode == 1
    assert "[Error: Unsafe environment variables are set]" in result.stderr
    assert "PIP_TARGET" in result.stderr


def test_invalid_operator_catalog(buildpack_dir: Path, dirs: Dirs, tmp_path: Path) -> None:
    offline_requirements(dirs.app)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "type").write_text("dependency-catalog")
    (bad / "catalog.toml").write_text('[[dependencies]]\nid = "cpython"\nversion = "3.12.1"\n')
    (dirs.platform / "bindings" / "broken").symlink_to(bad)
    result = run_build(buildpack_dir, dirs)
    assert result.returncode == 1
    assert "[Error: Invalid dependency catalog]" in result.stderr
    assert "catalog.toml" in result.stderr


def test_download_failure(buildpack_dir: Path, dirs: Dirs, tmp_path: Path) -> None:
    offline_requirements(dirs.app)
    (dirs.app / "main.py").write_text("")
    gone = tmp_path / "gone"
    gone.mkdir()
    (gone / "type").write_text("dependency-catalog")
    (gone / "catalog.toml").write_text(
        '[[dependencies]]\nid = "cpython"\nversion = "3.12.1"\nuri = "missing.tar.gz"\n'
        f'checksum = "sha256:{"a" * 64}"\narch = "amd64"\nos = "linux"\n'
    )
    (dirs.platform / "bindings" / "cpython").unlink()
    (dirs.platform / "bindings" / "cpython").symlink_to(gone)
    result = run_build(buildpack_dir, dirs)
    assert result.returncode == 1
    assert "[Error: Unable to download a dependency]" in result.stderr
    assert not (dirs.layers / "pybuildpack_python" / "cpython.toml").exists()


def test_poetry_lock_from_incompatible_poetry(buildpack_dir: Path, dirs: Dirs) -> None:
    """Poetry is installed now (issue 4); a lock it cannot read fails before it is installed."""
    (dirs.app / "pyproject.toml").write_text('[tool.poetry]\nname = "x"\n')
    (dirs.app / "poetry.lock").write_text('[metadata]\nlock-version = "3.0"\n')
    result = run_build(buildpack_dir, dirs)
    assert result.returncode == 1
    assert "[Error: poetry.lock was written by an incompatible Poetry]" in result.stderr
    assert not (dirs.layers / "pybuildpack_python" / "poetry.toml").exists()


def test_empty_ca_binding(buildpack_dir: Path, dirs: Dirs) -> None:
    offline_requirements(dirs.app)
    ca = dirs.platform / "bindings" / "ca"
    ca.mkdir()
    (ca / "type").write_text("ca-certificates")
    (ca / "notes.txt").write_text("no certificate here")
    result = run_build(buildpack_dir, dirs)
    assert result.returncode == 1
    assert "[Error: Invalid service binding]" in result.stderr


def test_internal_error_has_no_traceback(tmp_path: Path) -> None:
    code = (
        "import pybuildpack.cli as c\n"
        "def boom(args): raise RuntimeError('kaboom')\n"
        "c.COMMANDS['plan'] = boom\n"
        "raise SystemExit(c.main(['plan']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 1
    assert "[Error: Internal error in pybuildpack]" in result.stderr
    assert "kaboom" in result.stderr and "Traceback" not in result.stderr
