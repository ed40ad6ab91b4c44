"""Start commands that just work (issue 5): found by reading the code, listening on the PORT
the test picks, on a run image with no shell at all; broken ones fail the build."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import harness
import pytest

NOSHELL = os.environ.get(
    "PYBUILDPACK_NOSHELL_RUN_IMAGE", "localhost/pybuildpack/run-noshell:bookworm"
)


def without_procfile(app: Path) -> None:
    (app / "Procfile").unlink()


def django_uvicorn(app: Path) -> None:
    without_procfile(app)
    (app / "requirements.txt").write_text("django==5.2.19\nuvicorn==0.34.0\nwhitenoise==6.9.0\n")
    (app / "mysite" / "asgi.py").write_text(
        "import os\n\nfrom django.core.asgi import get_asgi_application\n\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"
        "application = get_asgi_application()\n"
    )
    _deps_reported(app, ("django", "uvicorn", "whitenoise"))


def django_runserver(app: Path) -> None:
    without_procfile(app)
    (app / "requirements.txt").write_text("django==5.2.19\nwhitenoise==6.9.0\n")
    _deps_reported(app, ("django", "whitenoise"))


def django_provided(app: Path) -> None:
    """No server among the dependencies: the buildpack's gunicorn (its version is reported by
    the view, which sees the server's venv and the app's)."""
    without_procfile(app)
    (app / "requirements.txt").write_text("django==5.2.19\nwhitenoise==6.9.0\n")


def fastapi_provided(app: Path) -> None:
    without_procfile(app)
    (app / "requirements.txt").write_text("fastapi==0.115.12\n")


def poetry_non_package(app: Path) -> None:
    """Google's poetry_script shape: package-mode = false, so Poetry installs no script."""
    pyproject = app / "pyproject.toml"
    text = pyproject.read_text().replace(
        'packages = [{ include = "hello_poetry", from = "src" }]', "package-mode = false"
    )
    pyproject.write_text(text)


def _deps_reported(app: Path, names: tuple[str, ...]) -> None:
    views = app / "hello" / "views.py"
    views.write_text(views.read_text().replace('("django", "gunicorn", "whitenoise")', repr(names)))


CASES: dict[str, tuple[str, Callable[[Path], None] | None, list[str]]] = {
    # name: (fixture app, change to the copy, the web command the buildpack must pick)
    "django-gunicorn": (
        "django_gunicorn",
        without_procfile,
        ["gunicorn", "mysite.wsgi:application"],
    ),
    "django-uvicorn": ("django_gunicorn", django_uvicorn, ["uvicorn", "mysite.asgi:application"]),
    "django-runserver": (
        "django_gunicorn",
        django_runserver,
        ["pybuildpack-exec", "python", "manage.py", "runserver", "0.0.0.0:$PORT"],
    ),
    "fastapi-nested": (
        "fastapi_nested",
        None,
        ["uvicorn", "--app-dir", "src", "service.api.main:app"],
    ),
    "flask-factory": ("flask_factory", None, ["gunicorn", "hello:create_app()"]),
    # issue 12: what apps people really have
    "fastapi-standard": ("fastapi_standard", None, ["uvicorn", "main:app"]),
    "flask-noserver": ("flask_noserver", None, ["gunicorn", "app:app"]),
    "poetry-scripts": ("poetry_scripts", None, ["hello-serve"]),
    "stdlib-server": ("stdlib_server", None, ["python", "server.py"]),
    "django-provided": (
        "django_gunicorn",
        django_provided,
        ["gunicorn", "mysite.wsgi:application"],
    ),
    "fastapi-provided": ("fastapi_uvicorn", fastapi_provided, ["uvicorn", "main:app"]),
    "poetry-script-uninstalled": (
        "poetry_scripts",
        poetry_non_package,
        [
            "python",
            "-c",
            "import sys; sys.path.insert(0, 'src'); from hello_poetry.serve import main; "
            "sys.exit(main())",
        ],
    ),
}
# build env per case
ENV: dict[str, dict[str, str]] = {"django-runserver": {"BP_PYTHON_SERVER": "none"}}
# cases whose Python is not the default (poetry_scripts asks for >=3.11: the lowest minor)
OTHER_PYTHON = {"poetry-scripts", "poetry-script-uninstalled"}
# cases where the buildpack must add its own server (a `server` layer, said in the log)
PROVIDED_SERVER = {
    "flask-noserver": "gunicorn 23.0.0",
    "django-provided": "gunicorn 23.0.0",
    "fastapi-provided": "uvicorn 0.34.0",
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_detected_start_command_serves_without_a_shell(case: str, cfg, scratch: Path) -> None:
    fixture, change, expected = CASES[case]
    app = harness.copy_app(fixture, scratch / f"start-{case}")
    if change:
        change(app)
    image = harness.image_name(f"start-{case}")
    result = harness.pack_build(app, image, env=ENV.get(case), extra_args=["--run-image", NOSHELL])
    assert result.ok, harness.tail(result.log)
    harness.report(
        f"start command {case}: cold build {result.seconds:.1f}s on the no-shell run image"
    )
    meta = harness.image_metadata(image)
    web = meta.processes["web"]
    assert web["command"] + web.get("args", []) == expected, web
    if case in PROVIDED_SERVER:
        assert "server" in meta.layers, meta.layers
        assert f"Installing {PROVIDED_SERVER[case]}" in result.log
        assert "the buildpack provides" in result.log
    else:
        assert "server" not in meta.layers, meta.layers
    port = harness.free_port()
    with harness.run_app(image, port) as url:
        status, text = harness.http_get(url + "/")
        assert status == 200, text
        body = json.loads(text)
        assert body["port"] == str(port), body
        if case not in OTHER_PYTHON:
            assert harness.python_version_of(body) == harness.expected_default_python(), body
        if case in PROVIDED_SERVER:  # the app sees the server the buildpack installed
            server, version = PROVIDED_SERVER[case].split()
            assert body["deps"][server] == version, body


# Streamlit and Gradio serve HTML: (fixture, web command, a path that answers, text it has)
UI_CASES: dict[str, tuple[str, list[str], str, str]] = {
    "streamlit": (
        "streamlit_app",
        [
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
        ],
        "/_stcore/health",
        "ok",
    ),
    "gradio": (
        "gradio_app",
        [
            "pybuildpack-exec",
            "GRADIO_SERVER_NAME=0.0.0.0",
            "GRADIO_SERVER_PORT=$PORT",
            "python",
            "app.py",
        ],
        "/config",  # the app's config as JSON, with its title
        "hello from gradio",
    ),
}


@pytest.mark.parametrize("case", list(UI_CASES), ids=list(UI_CASES))
def test_streamlit_and_gradio_serve_on_port_without_a_shell(case: str, cfg, scratch: Path) -> None:
    fixture, expected, path, text_in_page = UI_CASES[case]
    app = harness.copy_app(fixture, scratch / f"ui-{case}")
    image = harness.image_name(f"start-{case}")
    result = harness.pack_build(app, image, extra_args=["--run-image", NOSHELL])
    meta = harness.image_metadata(image)
    harness.report(
        f"start command {case}: cold build {result.seconds:.1f}s, image {harness.mb(meta.size)}"
    )
    web = meta.processes["web"]
    assert web["command"] + web.get("args", []) == expected, web
    port = harness.free_port()
    with harness.run_app(image, port, path=path, wait=180) as url:
        status, text = harness.http_get(url + path, timeout=30)
        assert status == 200, text
        assert text_in_page in text, text[:2000]


def test_no_web_process_fails_the_build(cfg, scratch: Path) -> None:
    app = harness.copy_app("plain_main", scratch / "no-web")
    (app / "main.py").rename(app / "library.py")
    result = harness.pack_build(app, harness.image_name("no-web"), expect_fail=True)
    assert "[Error: No web process found]" in result.log, harness.tail(result.log)
    assert "web: gunicorn myapp:app" in result.log
    assert "Traceback (most recent call last)" not in result.log


def test_bad_static_root_fails_the_build(cfg, scratch: Path) -> None:
    app = harness.copy_app("django_gunicorn", scratch / "bad-static-root")
    settings = app / "mysite" / "settings.py"
    settings.write_text(settings.read_text().replace('STATIC_ROOT = BASE_DIR / "staticfiles"', ""))
    result = harness.pack_build(app, harness.image_name("bad-static-root"), expect_fail=True)
    assert "[Error: Unable to generate Django static files]" in result.log, harness.tail(result.log)
    assert "STATIC_ROOT is not set" in result.log
    assert "Traceback (most recent call last)" not in result.log.split("[Error:")[1]


def test_wrong_run_command_module_fails_at_entrypoint_check(cfg, scratch: Path) -> None:
    app = harness.copy_app("flask_gunicorn", scratch / "wrong-run-command")
    result = harness.pack_build(
        app,
        harness.image_name("wrong-run-command"),
        env={"RUN_COMMAND": "gunicorn nosuch.module:app"},
        expect_fail=True,
    )
    assert "[Error: The start command's app could not be found]" in result.log, harness.tail(
        result.log
    )
    assert "the module `nosuch.module` was not found" in result.log
    assert "because RUN_COMMAND is set" in result.log
