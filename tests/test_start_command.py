"""Start commands found by reading the code, on realistic layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybuildpack.analysis import dependencies
from pybuildpack.analysis.analyze import ProvidedServer, analyze
from pybuildpack.analysis.frameworks import with_provided
from pybuildpack.analysis.processes import plan_start
from pybuildpack.analysis.project import Project
from pybuildpack.analysis.start_command import Entrypoint, entrypoint_from_argv
from pybuildpack.dependencies.catalog import catalog_from_mapping
from pybuildpack.errors import InvalidConfig, NoWebProcess
from pybuildpack.messages import render
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


def start(  # type: ignore[no-untyped-def]
    root: Path,
    files: dict[str, str],
    deps: list[str],
    env: dict[str, str] | None = None,
    *,
    project_installed: bool = True,
):
    layout(root, files)
    return plan_start(
        Project(root),
        Settings.from_env(env or {}),
        frozenset(deps),
        project_installed=project_installed,
    )


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


def test_app_without_server_gets_the_provided_server(tmp_path: Path) -> None:
    result = start(tmp_path, {"main.py": FASTAPI}, ["fastapi"])
    assert web(result) == ("uvicorn", "main:app")
    assert result.server == "uvicorn"
    assert "served by uvicorn, which the buildpack provides" in result.processes[0].reason
    assert result.warnings == ()


def test_flask_without_server_gets_gunicorn(tmp_path: Path) -> None:
    result = start(tmp_path, {"app.py": FLASK + "app.run()\n"}, ["flask"])
    assert web(result) == ("gunicorn", "app:app")
    assert result.server == "gunicorn"
    assert result.processes[0].entrypoint == Entrypoint("app", "app")


def test_server_opt_out_warns_and_falls_back(tmp_path: Path) -> None:
    result = start(tmp_path, {"main.py": FASTAPI}, ["fastapi"], {"BP_PYTHON_SERVER": "none"})
    assert web(result) == ("python", "main.py")
    assert result.server is None
    assert "no server among the dependencies and BP_PYTHON_SERVER=none" in result.warnings[0]


def test_server_opt_out_with_nothing_else_fails_naming_the_app(tmp_path: Path) -> None:
    files = {"src/api/__init__.py": "", "src/api/web.py": FASTAPI}
    with pytest.raises(NoWebProcess) as err:
        start(tmp_path, files, ["fastapi"], {"BP_PYTHON_SERVER": "none"})
    assert err.value.server_disabled
    text = render(err.value).text()
    assert "FastAPI app `app` in src/api/web.py, line 3" in text
    assert "BP_PYTHON_SERVER=none" in text


def test_bad_server_setting(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfig):
        Settings.from_env({"BP_PYTHON_SERVER": "waitress"})


def test_server_among_dependencies_is_not_provided(tmp_path: Path) -> None:
    result = start(tmp_path, {"main.py": FASTAPI}, ["fastapi", "uvicorn"])
    assert web(result) == ("uvicorn", "main:app") and result.server is None


def test_nothing_to_start_fails_with_what_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(NoWebProcess) as err:
        start(tmp_path, {"lib.py": "x = 1\n", "requirements.txt": "requests\n"}, ["requests"])
    text = render(err.value).text()
    assert text.startswith("[Error: No web process found]")
    for looked_for in ("Procfile `web:` line", "RUN_COMMAND", "Django", "FastAPI()", "Streamlit"):
        assert looked_for in text
    assert "app.py, main.py, server.py" in text
    assert "web: gunicorn myapp:app" in text
    assert "BP_PYTHON_REQUIRE_WEB_PROCESS=false" in text


def test_worker_only_procfile_needs_no_web(tmp_path: Path) -> None:
    result = start(tmp_path, {"Procfile": "worker: python w.py\n", "w.py": ""}, [])
    assert [(p.type, p.default) for p in result.processes] == [("worker", True)]


def test_opting_out_of_a_web_process(tmp_path: Path) -> None:
    result = start(tmp_path, {"lib.py": ""}, [], {"BP_PYTHON_REQUIRE_WEB_PROCESS": "false"})
    assert result.processes == ()


STREAMLIT = "import streamlit as st\n\nst.title('hello')\n"
GRADIO = "import gradio as gr\n\ndemo = gr.Interface(fn=str, inputs='text', outputs='text')\n"


def test_streamlit_app(tmp_path: Path) -> None:
    files = {"streamlit_app.py": STREAMLIT, "helpers.py": "import streamlit\n"}
    result = start(tmp_path, files, ["streamlit"])
    assert web(result) == (
        "pybuildpack-exec",
        "streamlit",
        "run",
        "streamlit_app.py",
        "--server.port",
        "$PORT",
        "--server.address",
        "0.0.0.0",
        "--server.headless",
        "true",
    )
    assert (
        result.processes[0].reason == "Streamlit app streamlit_app.py (imports streamlit at line 1)"
    )
    assert "Several Streamlit/Gradio scripts" in result.warnings[0]


def test_streamlit_pages_are_not_the_app(tmp_path: Path) -> None:
    files = {"Home.py": STREAMLIT, "pages/1_Data.py": STREAMLIT}
    result = start(tmp_path, files, ["streamlit"])
    assert web(result)[3] == "Home.py"
    assert result.warnings == ()


def test_streamlit_import_without_the_dependency_is_a_plain_script(tmp_path: Path) -> None:
    assert web(start(tmp_path, {"app.py": STREAMLIT}, [])) == ("python", "app.py")


def test_gradio_app(tmp_path: Path) -> None:
    result = start(tmp_path, {"app.py": GRADIO + "demo.launch()\n"}, ["gradio"])
    assert web(result) == (
        "pybuildpack-exec",
        "GRADIO_SERVER_NAME=0.0.0.0",
        "GRADIO_SERVER_PORT=$PORT",
        "python",
        "app.py",
    )
    assert result.warnings == () and result.server is None


def test_gradio_file_that_launches_wins(tmp_path: Path) -> None:
    files = {"app.py": GRADIO, "ui/run_demo.py": GRADIO + "demo.queue().launch()\n"}
    result = start(tmp_path, files, ["gradio"])
    assert web(result)[-1] == "ui/run_demo.py"


def test_gradio_without_launch_warns(tmp_path: Path) -> None:
    result = start(tmp_path, {"app.py": GRADIO}, ["gradio"])
    assert web(result)[-1] == "app.py"
    assert "calls no `.launch()`" in result.warnings[0]


def test_gradio_mounted_on_fastapi_is_served_by_uvicorn(tmp_path: Path) -> None:
    code = (
        GRADIO
        + "from fastapi import FastAPI\napp = FastAPI()\n"
        + "app = gr.mount_gradio_app(app, demo, path='/')\n"
    )
    result = start(tmp_path, {"main.py": code}, ["gradio", "uvicorn", "fastapi"])
    assert web(result) == ("uvicorn", "main:app")


def test_fastapi_standard_extra_brings_uvicorn(tmp_path: Path) -> None:
    layout(tmp_path, {"requirements.txt": "fastapi[standard]==0.115.0\n", "main.py": FASTAPI})
    plan = analyze(tmp_path, Settings.from_env({}), CATALOG, "amd64")
    assert plan.processes[0].command == ("uvicorn", "main:app")
    assert plan.server is None
    assert "served by uvicorn" in plan.processes[0].reason


def test_fastapi_standard_extra_in_pipfile_and_poetry(tmp_path: Path) -> None:
    poetry = (
        '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\npython = "^3.12"\n'
        'fastapi = {version = "*", extras = ["standard"]}\n'
    )
    a = layout(tmp_path / "poetry", {"pyproject.toml": poetry, "main.py": FASTAPI})
    b = layout(
        tmp_path / "pipenv",
        {
            "Pipfile": '[packages]\nfastapi = {extras = ["standard"], version = "*"}\n',
            "main.py": FASTAPI,
        },
    )
    for app in (a, b):
        assert dependencies.declared_extras(Project(app))["fastapi"] == frozenset({"standard"})


def test_plain_fastapi_gets_the_provided_uvicorn_with_its_version(tmp_path: Path) -> None:
    layout(tmp_path, {"requirements.txt": "fastapi\n", "main.py": FASTAPI})
    catalog = catalog_from_mapping(
        {
            "default-versions": {"cpython": "3.13", "uvicorn": "0.34.0"},
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
    plan = analyze(tmp_path, Settings.from_env({}), catalog, "amd64")
    assert plan.server == ProvidedServer("uvicorn", "0.34.0")
    assert plan.to_json()["server"] == {"name": "uvicorn", "version": "0.34.0"}


def test_with_provided() -> None:
    deps = frozenset({"fastapi", "uvicorn"})
    assert with_provided(frozenset({"fastapi"}), {"fastapi": frozenset({"standard"})}) >= deps
    assert "uvicorn" not in with_provided(frozenset({"fastapi"}), {})
    assert "hypercorn" in with_provided(frozenset({"quart"}), {})


def test_poetry_scripts(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[tool.poetry]\nname = "x"\n[tool.poetry.scripts]\nserve = "x.cli:main"\n'
    }
    result = start(tmp_path, files, [])
    assert web(result) == ("serve",)
    assert "[tool.poetry.scripts] entry `serve`" in result.processes[0].reason


def test_poetry_scripts_are_not_installed_in_non_package_mode(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": (
            '[tool.poetry]\nname = "x"\npackage-mode = false\n'
            '[tool.poetry.scripts]\nserve = "x.cli:main"\n'
        ),
        "main.py": "",
    }
    assert web(start(tmp_path, files, [])) == ("python", "main.py")


def test_script_named_start_among_several(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": (
            '[project]\nname = "x"\n[project.scripts]\nmigrate = "x:m"\nstart = "x:s"\n'
        )
    }
    assert web(start(tmp_path, files, [])) == ("start",)


def test_app_object_wins_over_a_cli_script(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "x"\n[project.scripts]\nadmin = "x.cli:main"\n',
        "src/x/__init__.py": "",
        "src/x/main.py": FASTAPI,
    }
    assert web(start(tmp_path, files, ["fastapi"])) == ("uvicorn", "--app-dir", "src", "x.main:app")


def test_server_py_is_a_standard_library_app(tmp_path: Path) -> None:
    assert web(start(tmp_path, {"server.py": "import http.server\n"}, [])) == (
        "python",
        "server.py",
    )


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


def test_django_without_server_gets_gunicorn(tmp_path: Path) -> None:
    result = start(tmp_path, django_files(), ["django"])
    assert web(result) == ("gunicorn", "config.wsgi:application")
    assert result.server == "gunicorn"


def test_django_runserver(tmp_path: Path) -> None:
    result = start(tmp_path, django_files(), ["django"], {"BP_PYTHON_SERVER": "none"})
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


SCRIPTS = '[project]\nname = "x"\nversion = "1"\n[project.scripts]\nserve = "x.cli:main"\n'
BUILD_SYSTEM = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'


@pytest.mark.parametrize(
    ("files", "script"),
    [
        ({"pyproject.toml": SCRIPTS}, True),  # pip install --editable .
        ({"pyproject.toml": SCRIPTS, "requirements.txt": "flask\n"}, False),
        ({"pyproject.toml": SCRIPTS, "requirements.txt": "flask\n-e .\n"}, True),
        ({"pyproject.toml": SCRIPTS, "uv.lock": "version = 1\n"}, False),  # a virtual project
        ({"pyproject.toml": SCRIPTS + BUILD_SYSTEM, "uv.lock": "version = 1\n"}, True),
        (
            {"pyproject.toml": SCRIPTS + "[tool.uv]\npackage = true\n", "uv.lock": "version = 1\n"},
            True,
        ),
        ({"pyproject.toml": SCRIPTS, "pdm.lock": ""}, False),
    ],
)
def test_project_scripts_only_when_the_project_is_installed(
    tmp_path: Path, files: dict[str, str], script: bool
) -> None:
    layout(tmp_path, {**files, "main.py": ""})
    plan = analyze(tmp_path, Settings.from_env({}), CATALOG, "amd64")
    assert plan.processes[0].command == (("serve",) if script else ("python", "main.py"))


def test_gradio_launch_with_a_fixed_port_warns(tmp_path: Path) -> None:
    code = GRADIO + "demo.launch(server_name='127.0.0.1', server_port=7860)\n"
    result = start(tmp_path, {"app.py": code}, ["gradio"])
    assert "launch(server_name='127.0.0.1', server_port=7860)" in result.warnings[0]
    env_read = GRADIO + "import os\ndemo.launch(server_port=int(os.environ['PORT']))\n"
    assert start(tmp_path / "b", {"app.py": env_read}, ["gradio"]).warnings == ()


def test_streamlit_live_reload(tmp_path: Path) -> None:
    env = {"BP_LIVE_RELOAD_ENABLED": "true"}
    result = start(tmp_path, {"app.py": STREAMLIT}, ["streamlit"], env)
    reload = next(p.command for p in result.processes if p.type == "reload")
    assert reload[-2:] == ("--server.runOnSave", "true")


def test_poetry_script_in_non_package_mode_is_called_from_the_source(tmp_path: Path) -> None:
    """Google's poetry_script fixture: package-mode = false, `start = "default_app.server:app"`:
    Poetry installs no script, so the web process calls the function itself."""
    files = {
        "pyproject.toml": (
            '[tool.poetry]\nname = "default_app"\npackage-mode = false\n'
            '[tool.poetry.dependencies]\npython = "^3.9"\n'
            '[tool.poetry.scripts]\nstart = "default_app.server:app"\n'
            'dev = "default_app.server:dev"\n'
        ),
        "default_app/server.py": "def app():\n    pass\n",
    }
    result = start(tmp_path, files, [])
    assert web(result) == (
        "python",
        "-c",
        "import sys; from default_app.server import app; sys.exit(app())",
    )
    assert result.processes[0].entrypoint == Entrypoint("default_app.server", "app")
    assert "called as default_app.server:app" in result.processes[0].reason


def test_uncalled_script_in_src_layout(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "x"\n[project.scripts]\nweb = "pkg.cli:App.run"\n',
        "src/pkg/__init__.py": "",
        "src/pkg/cli.py": "class App:\n    pass\n",
    }
    result = start(tmp_path, files, [], project_installed=False)
    assert web(result)[2] == (
        "import sys; sys.path.insert(0, 'src'); from pkg.cli import App; sys.exit(App.run())"
    )
