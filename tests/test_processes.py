"""Start commands: RUN_COMMAND, Procfile, gunicorn app:app, python app.py/main.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybuildpack.analysis.processes import defines_module_attr, plan_processes, to_argv
from pybuildpack.analysis.project import Project
from pybuildpack.errors import InvalidConfig, InvalidProcfile, NoWebProcess
from pybuildpack.settings import Settings


def plan(tmp_path: Path, files: dict[str, str], env=None, deps=()):  # type: ignore[no-untyped-def]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return plan_processes(Project(tmp_path), Settings.from_env(env or {}), frozenset(deps))


def test_gunicorn_when_app_py_defines_app(tmp_path: Path) -> None:
    procs = plan(
        tmp_path, {"app.py": "from flask import Flask\napp = Flask(__name__)\n"}, deps=["gunicorn"]
    )
    assert procs[0].command == ("gunicorn", "app:app") and procs[0].default


def test_python_app_py_without_gunicorn(tmp_path: Path) -> None:
    procs = plan(tmp_path, {"app.py": "app = object()\n"})
    assert procs[0].command == ("python", "app.py")


def test_app_py_without_app_attribute_runs_as_script(tmp_path: Path) -> None:
    procs = plan(tmp_path, {"app.py": "application = 1\n"}, deps=["gunicorn"])
    assert procs[0].command == ("python", "app.py")


def test_main_py(tmp_path: Path) -> None:
    assert plan(tmp_path, {"main.py": "print(1)\n"})[0].command == ("python", "main.py")


def test_no_start_command(tmp_path: Path) -> None:
    with pytest.raises(NoWebProcess):
        plan(tmp_path, {"lib.py": ""})
    assert plan(tmp_path, {"lib.py": ""}, env={"BP_PYTHON_REQUIRE_WEB_PROCESS": "false"}) == []


def test_procfile_assignment_runs_through_the_expander() -> None:
    assert to_argv("FLASK_ENV=production python app.py") == (
        "pybuildpack-exec",
        "FLASK_ENV=production",
        "python",
        "app.py",
    )
    assert to_argv("python app.py") == ("python", "app.py")


def test_procfile_assignment_before_a_server_is_still_checked(tmp_path: Path) -> None:
    procs = plan(tmp_path, {"Procfile": "web: FORWARDED_ALLOW_IPS=10.0.0.1 gunicorn app:app\n"})
    assert procs[0].entrypoint is not None and procs[0].entrypoint.spec == "app:app"


def test_procfile_entries_all_become_processes(tmp_path: Path) -> None:
    procs = plan(
        tmp_path, {"Procfile": "worker: celery -A proj worker\nweb: gunicorn x:y\n", "main.py": ""}
    )
    assert [(p.type, p.default) for p in procs] == [("web", True), ("worker", False)]


def test_procfile_without_web_keeps_detected_web(tmp_path: Path) -> None:
    procs = plan(tmp_path, {"Procfile": "worker: python w.py\n", "main.py": ""})
    assert [(p.type, p.command) for p in procs] == [
        ("web", ("python", "main.py")),
        ("worker", ("python", "w.py")),
    ]


def test_run_command_overrides_procfile_web(tmp_path: Path) -> None:
    procs = plan(tmp_path, {"Procfile": "web: python a.py\n"}, env={"RUN_COMMAND": "python b.py"})
    assert procs[0].command == ("python", "b.py") and procs[0].reason == "RUN_COMMAND is set"


def test_bp_run_command_wins_over_seed_name(tmp_path: Path) -> None:
    procs = plan(tmp_path, {}, env={"RUN_COMMAND": "python a.py", "BP_RUN_COMMAND": "python b.py"})
    assert procs[0].command == ("python", "b.py")


def test_empty_run_command_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfig):
        plan(tmp_path, {}, env={"RUN_COMMAND": "  "})


@pytest.mark.parametrize(
    ("line", "argv"),
    [
        (
            "gunicorn app:app --bind 0.0.0.0:$PORT",
            ("pybuildpack-exec", "gunicorn", "app:app", "--bind", "0.0.0.0:$PORT"),
        ),
        (
            "uvicorn main:app --port ${PORT}",
            ("pybuildpack-exec", "uvicorn", "main:app", "--port", "${PORT}"),
        ),
        ("python -c 'print(1)'", ("python", "-c", "print(1)")),
        ("python a.py && python b.py", ("/bin/sh", "-c", "python a.py && python b.py")),
        ("python a.py > log", ("/bin/sh", "-c", "python a.py > log")),
    ],
)
def test_to_argv(line: str, argv: tuple[str, ...]) -> None:
    assert to_argv(line) == argv


@pytest.mark.parametrize("text", ["web gunicorn app:app\n", "web: a\nweb: b\n", "bad type!: x\n"])
def test_invalid_procfile(tmp_path: Path, text: str) -> None:
    with pytest.raises(InvalidProcfile) as err:
        plan(tmp_path, {"Procfile": text})
    assert err.value.line >= 1


def test_defines_module_attr_variants(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def app(environ, start): pass\n")
    (tmp_path / "b.py").write_text("from x import app\n")
    (tmp_path / "c.py").write_text("def f():\n    app = 1\n")
    (tmp_path / "d.py").write_text("app: object = make()\n")
    (tmp_path / "e.py").write_text("this is not python(\n")
    project = Project(tmp_path)
    found = {
        name: defines_module_attr(project, name, "app")
        for name in ("a.py", "b.py", "c.py", "d.py", "e.py")
    }
    assert found == {
        "a.py": True,
        "b.py": True,
        "c.py": False,
        "d.py": True,
        "e.py": False,
    }  # never runs the code
