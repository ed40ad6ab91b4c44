"""The build fails at the entrypoint check when the start command's app does not exist."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Dirs, offline_requirements, run_build, write_app


def build_with(buildpack_dir: Path, d: Dirs, files: dict[str, str], **env: str):  # type: ignore[no-untyped-def]
    offline_requirements(d.app, "demo_pkg==1.0")
    write_app(d.app, files)
    for name, value in env.items():
        (d.platform / "env" / name).write_text(value)
    return run_build(buildpack_dir, d)


def test_missing_module_fails_the_build(buildpack_dir: Path, dirs: Dirs) -> None:
    result = build_with(
        buildpack_dir, dirs, {"app.py": "app = 1\n"}, RUN_COMMAND="gunicorn nosuch:app"
    )
    assert result.returncode == 1
    assert "[Error: The start command's app could not be found]" in result.stderr
    assert "the module `nosuch` was not found" in result.stderr
    assert "because RUN_COMMAND is set" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_attribute_fails_the_build(buildpack_dir: Path, dirs: Dirs) -> None:
    result = build_with(
        buildpack_dir, dirs, {"app.py": "app = 1\n", "Procfile": "web: gunicorn app:application\n"}
    )
    assert result.returncode == 1
    assert "the module `app` does not define `application`" in result.stderr
    assert "Procfile entry `web`" in result.stderr


def test_found_in_app_dir_and_in_venv(buildpack_dir: Path, dirs: Dirs) -> None:
    result = build_with(
        buildpack_dir,
        dirs,
        {
            "pkg/__init__.py": "",
            "pkg/web.py": "def create_app():\n    return 1\n",
            "Procfile": "web: gunicorn 'pkg.web:create_app()'\nother: uvicorn demo_pkg:VERSION\n",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "web: pkg.web:create_app found" in result.stdout
    assert "other: demo_pkg:VERSION found" in result.stdout


def test_off_skips_the_check(buildpack_dir: Path, dirs: Dirs) -> None:
    result = build_with(
        buildpack_dir, dirs, {}, RUN_COMMAND="gunicorn nosuch:app", BP_PYTHON_ENTRYPOINT_CHECK="off"
    )
    assert result.returncode == 0, result.stderr


def test_import_mode_runs_the_import(buildpack_dir: Path, dirs: Dirs) -> None:
    result = build_with(
        buildpack_dir,
        dirs,
        {"boom.py": "raise RuntimeError('needs DATABASE_URL')\napp = 1\n"},
        RUN_COMMAND="gunicorn boom:app",
        BP_PYTHON_ENTRYPOINT_CHECK="import",
    )
    assert result.returncode == 1
    assert "[Error: The start command's app fails to import]" in result.stderr
    assert "needs DATABASE_URL" in result.stderr


def test_bad_check_value(buildpack_dir: Path, dirs: Dirs) -> None:
    result = build_with(buildpack_dir, dirs, {}, BP_PYTHON_ENTRYPOINT_CHECK="maybe")
    assert result.returncode == 1
    assert "[Error: Invalid value for BP_PYTHON_ENTRYPOINT_CHECK]" in result.stderr
