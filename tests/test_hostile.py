"""Hostile and odd input beyond the bad-input table: bounded work, no leaks, quiet exits."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pybuildpack import redact
from pybuildpack.analysis.pysource import SourceIndex
from pybuildpack.cli import register_secrets
from pybuildpack.cnb.platform import read_bindings
from pybuildpack.dependencies.catalog import Dependency
from pybuildpack.dependencies.fetch import Limits, fetch
from pybuildpack.errors import DownloadFailed
from pybuildpack.log import Logger
from pybuildpack.runner import redact_text, run
from tests.conftest import (
    REPO,
    Dirs,
    make_wheel,
    offline_requirements,
    restore_like_lifecycle,
    run_build,
    write_app,
)

PASSWORD = "S3cret-netrc-Pw-81d2"

# --- redaction: linear time, every secret the build knows ------------------------------------


def test_redaction_is_linear_on_a_10mb_line() -> None:
    line = "a" * 10_000_000 + " https://bob:pw@host/x " + "b://" * 100_000
    started = time.monotonic()
    out = redact_text(line)
    assert time.monotonic() - started < 2
    assert "bob:***@host" in out and "pw@" not in out


def test_redaction_of_urls_and_registered_secrets() -> None:
    redact.register([f"machine idx.test login bob password {PASSWORD}\n"])
    assert PASSWORD not in redact_text(f"ERROR: Invalid requirement: 'x=={PASSWORD}'")
    assert redact_text("git+https://u:tok@h/r.git@v1") == "git+https://u:***@h/r.git@v1"
    assert redact_text("no secrets here: a@b, c://d") == "no secrets here: a@b, c://d"


def _netrc_binding(platform: Path) -> Path:
    binding = platform / "bindings" / "private-index"
    binding.mkdir(parents=True)
    (binding / "type").write_text("netrc\n")
    (binding / "netrc").write_text(f"machine idx.test login bob password {PASSWORD}\n")
    return binding


def test_binding_content_printed_by_a_tool_is_masked(tmp_path: Path) -> None:
    binding = _netrc_binding(tmp_path / "platform")
    register_secrets({}, read_bindings(tmp_path / "platform" / "bindings"))
    out = tmp_path / "log"
    with out.open("w") as stream:
        run(["cat", str(binding / "netrc")], step="t", env=os.environ, log=Logger(stream))
    assert PASSWORD not in out.read_text() and "***" in out.read_text()


def _no_password(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert PASSWORD not in output, output
    assert "Traceback" not in output


def test_netrc_password_through_a_requirement_include_is_refused(
    buildpack_dir: Path, dirs: Dirs
) -> None:
    binding = _netrc_binding(dirs.platform)
    write_app(dirs.app, {"requirements.txt": f"-r {binding}/netrc\n"})
    result = run_build(buildpack_dir, dirs)
    _no_password(result)
    assert "[Error: requirements.txt includes a file outside the app]" in result.stderr


def test_netrc_password_through_env_and_binding_never_logged(
    buildpack_dir: Path, dirs: Dirs
) -> None:
    """pip expands ${VAR} in requirements and prints the bad line: the log masks it."""
    _netrc_binding(dirs.platform)
    (dirs.platform / "env" / "INDEX_PASSWORD").write_text(PASSWORD)
    (dirs.platform / "env" / "PIP_EXTRA_INDEX_URL").write_text(
        f"https://bob:{PASSWORD}@idx.test/simple"
    )
    make_wheel(dirs.app / "wheels")
    (dirs.app / "app.py").write_text("print('hi')\n")
    (dirs.app / "requirements.txt").write_text(
        "--no-index\n--find-links wheels\ndemo_pkg==${INDEX_PASSWORD}\n"
    )
    result = run_build(buildpack_dir, dirs, BP_LOG_LEVEL="DEBUG")
    _no_password(result)
    assert result.returncode != 0
    assert "***" in result.stdout + result.stderr


# --- reading the app: bounded ---------------------------------------------------------------


def test_unparsable_source_is_a_warning_naming_file_and_line(tmp_path: Path) -> None:
    app = tmp_path / "app"
    write_app(
        app,
        {
            "requirements.txt": "flask\ngunicorn\n",
            "app.py": "from flask import Flask\napp = Flask(__name__)\n",
            "broken.py": "x = 1\ndef (:\n",
        },
    )
    result = subprocess.run(
        [sys.executable, "-m", "pybuildpack", "plan", str(app)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Skipped 1 Python file(s) that cannot be parsed" in result.stdout
    assert "broken.py, line 2" in result.stdout


def test_source_scan_budget_reads_likely_places_first(tmp_path: Path) -> None:
    app = tmp_path / "app"
    for i in range(30):
        write_app(app, {f"aaa/mod{i:02}.py": "x = 1\n"})
    write_app(app, {"src/web/server.py": "app = 1\n", "main.py": "y = 2\n"})
    index = SourceIndex(app, max_files=5)
    names = [m.name for m in index.modules]
    assert names[:2] == ["main", "web.server"]
    assert len(names) == 5
    assert any("source scan stopped after 5 files" in w for w in index.warnings)


def test_fifo_and_links_are_skipped_by_the_scan(tmp_path: Path) -> None:
    app = tmp_path / "app"
    write_app(app, {"ok.py": "a = 1\n"})
    os.mkfifo(app / "pipe.py")
    (app / "zero.py").symlink_to("/dev/zero")
    started = time.monotonic()
    index = SourceIndex(app)
    assert [m.name for m in index.modules] == ["ok"]
    assert time.monotonic() - started < 5
    warning = "\n".join(index.warnings)
    assert "pipe.py: a FIFO" in warning and "zero.py: a symbolic link out" in warning


def test_a_chain_of_2000_includes_and_deep_directories(tmp_path: Path) -> None:
    app = tmp_path / "app"
    files = {f"r{i}.txt": f"-r r{i + 1}.txt\n" for i in range(2000)}
    files["requirements.txt"] = "-r r0.txt\n"
    files["r2000.txt"] = "flask\n"
    files["app.py"] = "print('hi')\n"
    files["/".join(["d"] * 200) + "/deep.py"] = "x = 1\n"
    write_app(app, files)
    result = subprocess.run(
        [sys.executable, "-m", "pybuildpack", "plan", str(app)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_name_that_is_not_utf8_prints(tmp_path: Path) -> None:
    app = tmp_path / "app"
    write_app(app, {"requirements.txt": "flask\ngunicorn\n", "main.py": "print('hi')\n"})
    (app / os.fsdecode(b"ap\xffp.py")).write_text("def (:\n")
    (app / "ok.py").write_text("x = (\n")
    result = subprocess.run(
        [sys.executable, "-m", "pybuildpack", "plan", str(app)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "ok.py, line 1" in result.stdout


# --- downloads: an overall deadline and a minimum rate ----------------------------------------


@pytest.fixture
def trickle() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/slow.tar.gz"
    httpd.shutdown()
    httpd.server_close()


def test_a_trickling_download_fails_within_its_deadline(trickle: str, tmp_path: Path) -> None:
    dep = Dependency(id="cpython", version="3.12.0", uri=trickle, checksum="sha256:" + "0" * 64)
    started = time.monotonic()
    with pytest.raises(DownloadFailed) as failed:
        fetch(
            dep,
            tmp_path,
            retries=5,
            backoff=0.1,
            limits=Limits(deadline=3, min_rate=1000, rate_window=0.5),
        )
    assert time.monotonic() - started < 6
    assert "slower than" in failed.value.detail or "within" in failed.value.detail
    assert not list(tmp_path.iterdir())


# --- the command line ---------------------------------------------------------------------


def test_plan_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    app = tmp_path / "app"
    write_app(app, {"requirements.txt": "", "app.py": "print('hi')\n"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "pybuildpack", "plan", str(app)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # as `| head -0` does
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 141)
    assert stderr == ""


# --- compiled layers follow the distribution ----------------------------------------------------


def test_venv_is_rebuilt_when_the_distribution_changes(buildpack_dir: Path, dirs: Dirs) -> None:
    offline_requirements(dirs.app, "demo_pkg")
    (dirs.app / "app.py").write_text("print('hi')\n")
    assert run_build(buildpack_dir, dirs).returncode == 0
    restore_like_lifecycle(dirs.layers)
    again = run_build(buildpack_dir, dirs, CNB_TARGET_DISTRO_VERSION="13")
    assert again.returncode == 0, again.stderr
    assert "the distribution changed from debian 12 to debian 13" in again.stdout


# --- a read-only root: temp files go where the user gave a tmpfs -------------------------------


def test_exec_d_points_temp_dirs_at_a_writable_place(buildpack_dir: Path, dirs: Dirs) -> None:
    offline_requirements(dirs.app, "demo_pkg")
    write_app(dirs.app, {"app.py": "print('hi')\n"})
    assert run_build(buildpack_dir, dirs).returncode == 0
    script = dirs.layers / "pybuildpack_python" / "start" / "exec.d" / "defaults"
    env = {
        "PATH": os.environ["PATH"],
        "TMPDIR": "/nonexistent",
        "GUNICORN_CMD_ARGS": "--access-logfile -",
    }
    output = subprocess.run(
        ["/bin/sh", "-c", f'"{script}" 3>&1 1>/dev/null'],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert 'TMPDIR = "/tmp"' in output
    assert "--access-logfile - --worker-tmp-dir /" in output
    user_set = subprocess.run(
        ["/bin/sh", "-c", f'"{script}" 3>&1 1>/dev/null'],
        env={**env, "TMPDIR": "/tmp", "GUNICORN_CMD_ARGS": "--worker-tmp-dir /x"},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert "TMPDIR" not in user_set and "GUNICORN_CMD_ARGS" not in user_set


# --- a start command whose program is missing ---------------------------------------------------


def test_a_misspelt_program_is_a_warning(buildpack_dir: Path, dirs: Dirs) -> None:
    offline_requirements(dirs.app, "demo_pkg")
    write_app(
        dirs.app,
        {
            "Procfile": "web: gunicron app:app\nworker: python -c pass\n"
            "clock: python -m nosuchmodule.run\nreport: python -m demo_pkg\n"
        },
    )
    result = run_build(buildpack_dir, dirs)
    assert result.returncode == 0, result.stderr
    assert "[Warning: The web process's program gunicron was not found]" in result.stdout
    assert "program python was not found" not in result.stdout
    assert "[Warning: The clock process's module nosuchmodule.run was not found]" in result.stdout
    assert "module demo_pkg was not found" not in result.stdout


# --- the forbidden variables: Heroku's list is the floor, the whole build env is checked -------

HEROKU_FORBIDDEN = (
    "PIP_CACHE_DIR",
    "PIP_PREFIX",
    "PIP_PYTHON",
    "PIP_ROOT",
    "PIP_TARGET",
    "PIP_USER",
    "POETRY_CACHE_DIR",
    "POETRY_DATA_DIR",
    "POETRY_HOME",
    "POETRY_VIRTUALENVS_CREATE",
    "POETRY_VIRTUALENVS_IN_PROJECT",
    "POETRY_VIRTUALENVS_OPTIONS_SYSTEM_SITE_PACKAGES",
    "POETRY_VIRTUALENVS_PATH",
    "POETRY_VIRTUALENVS_PREFER_ACTIVE_PYTHON",
    "POETRY_VIRTUALENVS_USE_POETRY_PYTHON",
    "PYTHONHOME",
    "PYTHONINSPECT",
    "PYTHONNOUSERSITE",
    "PYTHONPLATLIBDIR",
    "PYTHONUSERBASE",
    "UV_CACHE_DIR",
    "UV_NO_MANAGED_PYTHON",
    "UV_PROJECT",
    "UV_PROJECT_ENVIRONMENT",
    "UV_PYTHON",
    "UV_PYTHON_DOWNLOADS",
    "UV_PYTHON_PREFERENCE",
    "UV_SYSTEM_PYTHON",
    "VIRTUAL_ENV",
)


def test_heroku_forbidden_list_is_the_floor() -> None:
    from pybuildpack.settings import FORBIDDEN

    assert set(HEROKU_FORBIDDEN) <= set(FORBIDDEN)


def test_a_forbidden_variable_in_the_process_env_fails_the_build(
    buildpack_dir: Path, dirs: Dirs
) -> None:
    write_app(dirs.app, {"requirements.txt": ""})
    result = run_build(buildpack_dir, dirs, UV_PROJECT="/elsewhere", PYTHONPLATLIBDIR="x")
    assert result.returncode != 0
    assert "[Error: Unsafe environment variables are set]" in result.stderr
    assert "PYTHONPLATLIBDIR, UV_PROJECT" in result.stderr


def test_bp_log_level_takes_any_value(tmp_path: Path) -> None:
    app = tmp_path / "app"
    write_app(app, {"requirements.txt": "", "main.py": "print(1)\n"})
    for level in ("warn", "trace", "Info"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pybuildpack",
                "plan",
                str(app),
                "--env",
                f"BP_LOG_LEVEL={level}",
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr


# --- messages say where: the key and its line -------------------------------------------------


@pytest.mark.parametrize(
    ("files", "shown"),
    [
        (
            {"pyproject.toml": '[project]\nname = "a"\ndependencies = "flask"\n'},
            "`project.dependencies` in pyproject.toml, line 3 must be a list (it is a string)",
        ),
        (
            {"pyproject.toml": '[tool.poetry]\nname = "a"\n[tool.poetry.dependencies]\nx = 2\n'},
            "`tool.poetry.dependencies.x` in pyproject.toml, line 4 must be a string",
        ),
        (
            {"Pipfile": "[requires]\npython_version = 3.12\n"},
            "`requires.python_version` in Pipfile, line 2 must be a string (it is a number)",
        ),
        (
            {"requirements.txt": "flask\n-r /etc/passwd\n"},
            "requirements.txt, line 2 includes /etc/passwd",
        ),
        (
            {"requirements.txt": "", ".python-version": "3.12\n" + "9" * 5000 + "\n"},
            "names more than one version (the second at line 2)",
        ),
    ],
)
def test_messages_name_the_key_and_line(tmp_path: Path, files: dict[str, str], shown: str) -> None:
    app = tmp_path / "app"
    write_app(app, files)
    result = subprocess.run(
        [sys.executable, "-m", "pybuildpack", "plan", str(app)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 1
    assert shown in result.stderr, result.stderr
    assert max(len(line) for line in result.stderr.splitlines()) <= 250


@pytest.mark.parametrize(
    ("command", "warned"),
    [
        ("gunicorn app:app -b 127.0.0.1:8000", True),
        ("gunicorn app:app --bind=localhost:$PORT", True),
        ("uvicorn main:app --host 127.0.0.1 --port $PORT", True),
        ("gunicorn app:app --bind 0.0.0.0:$PORT", False),
        ("uvicorn main:app --host 0.0.0.0", False),
        ("gunicorn app:app", False),
    ],
)
def test_a_web_process_on_loopback_is_a_warning(tmp_path: Path, command: str, warned: bool) -> None:
    app = tmp_path / "app"
    write_app(app, {"requirements.txt": "", "Procfile": f"web: {command}\n"})
    result = subprocess.run(
        [sys.executable, "-m", "pybuildpack", "plan", str(app)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert ("Warning: The web process listens on localhost only" in result.stdout) is warned


# --- a tool that never ends is stopped at its deadline ----------------------------------------


def test_a_tool_that_never_ends_is_stopped(tmp_path: Path) -> None:
    from pybuildpack.errors import CommandFailed

    started = time.monotonic()
    with pytest.raises(CommandFailed) as failed:
        run(
            ["sh", "-c", "sleep 60 & sleep 60; echo never"],
            step="pip-install",
            env=os.environ,
            log=Logger(open(os.devnull, "w")),  # noqa: SIM115
            deadline=1,
        )
    assert time.monotonic() - started < 10
    assert "was stopped" in failed.value.hint


def test_output_without_newlines_is_read_in_pieces(tmp_path: Path) -> None:
    out = tmp_path / "log"
    with out.open("w") as stream:
        run(
            [sys.executable, "-c", "import sys; sys.stdout.write('x' * 300_000)"],
            step="t",
            env=os.environ,
            log=Logger(stream),
        )
    assert max(len(line) for line in out.read_text().splitlines()) <= 64 * 1024 + 10
