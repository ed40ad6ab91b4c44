"""Start commands found by reading the code, on realistic layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybuildpack.analysis.analyze import analyze
from pybuildpack.analysis.processes import plan_start
from pybuildpack.analysis.project import Project
from pybuildpack.analysis.start_command import Entrypoint, entrypoint_from_argv
from pybuildpack.dependencies.catalog import catalog_from_mapping
from pybuildpack.settings import Settings

CATALOG = catalog_from_mapping(
    {
        "default-versions": {"cpython": "3.13"},
        "dependencies": [
            {
                "id": "cpython",
                "version": "3.13.1",
                "uri": "https://x/a.tgz",
                "checksum": "sha256:" + "0" * 64,
            }
        ],
    }
)


def layout(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def start(root: Path, files: dict[str, str], deps: list[str], env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    layout(root, files)
    return plan_start(Project(root), Settings.from_env(env or {}), frozenset(deps))


def web(result) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return next(p.command for p in result.processes if p.type == "web")


FASTAPI = "from fastapi import FastAPI\n\napp = FastAPI()\n"
FLASK = "from flask import Flask\napp = Flask(__name__)\n"


def test_fastapi_in_src_layout(tmp_path: Path) -> None:
    result = start(
        tmp_path,
        {"src/myapi/__init__.py": "", "src/myapi/main.py": FASTAPI},
        ["fastapi", "uvicorn"],
    )
    assert web(result) == ("uvicorn", "--app-dir", "src", "myapi.main:app")
    assert result.processes[0].entrypoint == Entrypoint("myapi.main", "app", "src")


def test_fastapi_nested_package_with_gunicorn_and_uvicorn(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/api/__init__.py": "", "app/api/server.py": FASTAPI}
    result = start(tmp_path, files, ["fastapi", "uvicorn", "gunicorn"])
    assert web(result) == (
        "gunicorn",
        "--worker-class",
        "uvicorn.workers.UvicornWorker",
        "app.api.server:app",
    )


def test_flask_factory(tmp_path: Path) -> None:
    factory = (
        "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    return app\n"
    )
    result = start(
        tmp_path, {"myapp/__init__.py": factory, "wsgi.py": "x = 1\n"}, ["flask", "gunicorn"]
    )
    assert web(result) == ("gunicorn", "myapp:create_app()")
    assert result.processes[0].entrypoint == Entrypoint("myapp", "create_app", "", True)


def test_uvicorn_factory_flag(tmp_path: Path) -> None:
    factory = "import fastapi\n\ndef create_app():\n    return fastapi.FastAPI()\n"
    result = start(tmp_path, {"service.py": factory}, ["fastapi", "uvicorn"])
    assert web(result) == ("uvicorn", "--factory", "service:create_app")


def test_aliases_are_resolved(tmp_path: Path) -> None:
    files = {"web.py": "import flask as fl\napplication = fl.Flask(__name__)\n"}
    assert web(start(tmp_path, files, ["flask", "gunicorn"])) == ("gunicorn", "web:application")


def test_look_alike_is_not_an_app(tmp_path: Path) -> None:
    files = {"app.py": "class Flask: pass\napp = Flask()\n"}  # not flask.Flask
    assert web(start(tmp_path, files, ["gunicorn"])) == (
        "gunicorn",
        "app:app",
    )  # the app:app fallback
    assert "defines `app`" in start(tmp_path, {}, ["gunicorn"]).processes[0].reason


def test_venvs_and_tests_are_ignored(tmp_path: Path) -> None:
    files = {
        ".venv/lib/python3.13/site-packages/x/app.py": FLASK,
        "venv2/pyvenv.cfg": "home = /usr\n",
        "venv2/lib/x.py": FLASK,
        "tests/conftest.py": FLASK,
        "test_app.py": FLASK,
        "service/main.py": FASTAPI,
    }
    result = start(tmp_path, files, ["fastapi", "uvicorn", "flask", "gunicorn"])
    assert web(result) == (
        "gunicorn",
        "--worker-class",
        "uvicorn.workers.UvicornWorker",
        "service.main:app",
    )
    assert not result.warnings


def test_several_candidates_pick_by_rule_and_warn(tmp_path: Path) -> None:
    files = {
        "main.py": FASTAPI,
        "admin/server.py": FASTAPI,
        "tools/other.py": "from fastapi import FastAPI\napi = FastAPI()\n",
    }
    result = start(tmp_path, files, ["fastapi", "uvicorn"])
    assert web(result) == ("uvicorn", "main:app")
    assert "Several app objects were found; using main:app" in result.warnings[0]
    assert "admin.server:app" in result.warnings[0] and "tools.other:api" in result.warnings[0]


def test_app_without_server_warns_and_falls_back(tmp_path: Path) -> None:
    result = start(tmp_path, {"main.py": FASTAPI}, ["fastapi"])
    assert web(result) == ("python", "main.py")
    assert "no ASGI server among the dependencies: add uvicorn" in result.warnings[0]


def test_project_script(tmp_path: Path) -> None:
    files = {"pyproject.toml": '[project]\nname = "x"\n[project.scripts]\nserve = "x.cli:main"\n'}
    assert web(start(tmp_path, files, [])) == ("serve",)


DJANGO_MANAGE = (
    "import os, sys\n\ndef main():\n"
    "    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
    "    from django.core.management import execute_from_command_line\n"
    "    execute_from_command_line(sys.argv)\n"
)


def django_files(**extra: str) -> dict[str, str]:
    files = {
        "manage.py": DJANGO_MANAGE,
        "config/__init__.py": "",
        "config/settings/__init__.py": "from .base import *\n",
        "config/settings/base.py": (
            "INSTALLED_APPS = ['django.contrib.staticfiles']\n"
            "WSGI_APPLICATION = 'config.wsgi.application'\nSTATIC_ROOT = 'staticfiles'\n"
        ),
        "config/wsgi.py": (
            "from django.core.wsgi import get_wsgi_application\n"
            "application = get_wsgi_application()\n"
        ),
        "config/asgi.py": (
            "from django.core.asgi import get_asgi_application\n"
            "application = get_asgi_application()\n"
        ),
    }
    files.update(extra)
    return files


def test_django_split_settings_gunicorn(tmp_path: Path) -> None:
    result = start(tmp_path, django_files(), ["django", "gunicorn", "uvicorn"])
    assert web(result) == ("gunicorn", "config.wsgi:application")
    reason = result.processes[0].reason
    assert "WSGI_APPLICATION in config/settings/base.py" in reason or "config/settings" in reason
    assert result.django is not None and result.django.settings_module == "config.settings"
    assert result.django.staticfiles is True and result.django.static_root is True


def test_django_uvicorn(tmp_path: Path) -> None:
    assert web(start(tmp_path, django_files(), ["django", "uvicorn"])) == (
        "uvicorn",
        "config.asgi:application",
    )


def test_django_runserver(tmp_path: Path) -> None:
    result = start(tmp_path, django_files(), ["django"])
    assert web(result) == ("pybuildpack-exec", "python", "manage.py", "runserver", "0.0.0.0:$PORT")


def test_django_settings_from_env_and_default_wsgi(tmp_path: Path) -> None:
    files = django_files(
        **{
            "other/__init__.py": "",
            "other/settings.py": "DEBUG = False\n",
            "other/wsgi.py": "application = 1\n",
        }
    )
    result = start(
        tmp_path, files, ["django", "gunicorn"], {"DJANGO_SETTINGS_MODULE": "other.settings"}
    )
    assert web(result) == ("gunicorn", "other.wsgi:application")
    assert result.django is not None and result.django.settings_source == "DJANGO_SETTINGS_MODULE"


def test_django_without_staticfiles_skips_collectstatic(tmp_path: Path) -> None:
    files = django_files(
        **{"config/settings/base.py": "INSTALLED_APPS = ['django.contrib.auth']\n"}
    )
    layout(tmp_path, files)
    (tmp_path / "requirements.txt").write_text("django\ngunicorn\n")
    assert analyze(tmp_path, Settings.from_env({}), CATALOG, "amd64").collectstatic is False
    plan = analyze(tmp_path, Settings.from_env({"DISABLE_COLLECTSTATIC": "1"}), CATALOG, "amd64")
    assert plan.collectstatic is False


def test_django_with_staticfiles_runs_collectstatic(tmp_path: Path) -> None:
    layout(tmp_path, django_files())
    (tmp_path / "requirements.txt").write_text("django\ngunicorn\n")
    assert analyze(tmp_path, Settings.from_env({}), CATALOG, "amd64").collectstatic is True


def test_live_reload_adds_reload_process(tmp_path: Path) -> None:
    result = start(
        tmp_path, {"main.py": FASTAPI}, ["fastapi", "uvicorn"], {"BP_LIVE_RELOAD_ENABLED": "true"}
    )
    reload = next(p for p in result.processes if p.type == "reload")
    assert reload.command == ("uvicorn", "main:app", "--reload") and not reload.default


def test_live_reload_without_reload_mode_warns(tmp_path: Path) -> None:
    result = start(tmp_path, {"main.py": "print(1)\n"}, [], {"BP_LIVE_RELOAD_ENABLED": "true"})
    assert [p.type for p in result.processes] == ["web"]
    assert "no reload mode" in result.warnings[0]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ("gunicorn", "-w", "4", "mysite.wsgi:application"),
            Entrypoint("mysite.wsgi", "application"),
        ),
        (
            ("gunicorn", "--chdir", "src", "pkg.app:create_app()"),
            Entrypoint("pkg.app", "create_app", "src", True),
        ),
        (("uvicorn", "--factory", "main:make"), Entrypoint("main", "make", "", True)),
        (
            ("pybuildpack-exec", "python", "-m", "gunicorn", "--bind", "0.0.0.0:$PORT", "app:app"),
            Entrypoint("app", "app"),
        ),
        (("python", "app.py"), None),
        (("celery", "-A", "proj:app", "worker"), None),
    ],
)
def test_entrypoint_from_argv(argv: tuple[str, ...], expected: Entrypoint | None) -> None:
    assert entrypoint_from_argv(argv) == expected
