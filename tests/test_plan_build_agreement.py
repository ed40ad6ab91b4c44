"""`pybuildpack plan` and `bin/build` fail on the same bad inputs, with the same error title.

The plan runs the same analysis as a build; a build fails on these before its first
download, so nothing is left in the layers dir.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from pybuildpack import cli
from tests.bad_inputs import CASES as BAD_INPUTS
from tests.bad_inputs import Case, materialize
from tests.conftest import REPO, Dirs, run_build, write_app
from tests.test_errors import PLAN_CASES

PYPROJECT = '[project]\nname = "app"\nversion = "1"\n'
PIPFILE = '[packages]\nflask = "*"\n'
GOOD_LOCK = json.dumps({"_meta": {"hash": {"sha256": "0" * 64}}, "default": {}})

# (name, files, platform env, expected title)
CASES: list[tuple[str, dict[str, str], dict[str, str], str]] = [
    (
        "uv_lock_without_manifest",
        {"uv.lock": "version = 1\n"},
        {},
        "uv.lock without pyproject.toml",
    ),
    (
        "poetry_lock_without_manifest",
        {"poetry.lock": "[metadata]\nlock-version = '2.1'\n"},
        {},
        "poetry.lock without pyproject.toml",
    ),
    ("pdm_lock_without_manifest", {"pdm.lock": "[metadata]\n"}, {}, "pdm.lock without"),
    (
        "pipfile_lock_without_pipfile",
        {"Pipfile.lock": GOOD_LOCK},
        {},
        "Pipfile.lock without Pipfile",
    ),
    (
        "pipfile_lock_stale",
        {"Pipfile": PIPFILE, "Pipfile.lock": GOOD_LOCK},
        {},
        "Pipfile.lock is out of date",
    ),
    ("pipfile_lock_a_list", {"Pipfile": PIPFILE, "Pipfile.lock": "[]"}, {}, ""),
    ("pipfile_lock_meta_number", {"Pipfile": PIPFILE, "Pipfile.lock": '{"_meta": 5}'}, {}, ""),
    (
        "pipfile_lock_hash_number",
        {"Pipfile": PIPFILE, "Pipfile.lock": '{"_meta": {"hash": {"sha256": 5}}}'},
        {},
        "",
    ),
    (
        "project_without_name",
        {"pyproject.toml": '[project]\nversion = "1"\n', "uv.lock": "version = 1\n"},
        {},
        "",
    ),
    (
        "project_name_a_number",
        {"pyproject.toml": "[project]\nname = 1\n", "uv.lock": "version = 1\n"},
        {},
        "",
    ),
    (
        "empty_pyproject",
        {"pyproject.toml": "[tool.black]\nline-length = 100\n", "main.py": ""},
        {},
        "pyproject.toml does not describe a project",
    ),
    (
        "requires_poetry_unsatisfied",
        {
            "pyproject.toml": '[tool.poetry]\nname = "a"\nrequires-poetry = ">=2.3"\n',
            "main.py": "",
        },
        {"BP_POETRY_VERSION": "2.2.1"},
        "The project requires another Poetry",
    ),
    (
        "no_web_process",
        {"requirements.txt": "", "lib.py": "x = 1\n"},
        {},
        "No web process found",
    ),
    (
        "server_setting_unknown",
        {"requirements.txt": "", "main.py": ""},
        {"BP_PYTHON_SERVER": "waitress"},
        "Invalid value for BP_PYTHON_SERVER",
    ),
    ("pythonhome_set", {"requirements.txt": ""}, {"PYTHONHOME": "/x"}, ""),
    ("pip_target_set", {"requirements.txt": ""}, {"PIP_TARGET": "/tmp/x"}, ""),
    (
        "mirror_not_https",
        {"requirements.txt": ""},
        {"BP_DEPENDENCY_MIRROR": "ftp://mirror.example/x"},
        "Invalid value for BP_DEPENDENCY_MIRROR",
    ),
    (
        "mirror_host_not_https",
        {"requirements.txt": ""},
        {"BP_DEPENDENCY_MIRROR_GITHUB_COM": "gopher://m"},
        "",
    ),
    (
        "poetry_lock_from_the_future",
        {
            "pyproject.toml": '[tool.poetry]\nname = "app"\n',
            "poetry.lock": '[metadata]\nlock-version = "99"\n',
        },
        {},
        "",
    ),
    ("bad_package_manager", {"requirements.txt": ""}, {"BP_PYTHON_PACKAGE_MANAGER": "conda"}, ""),
] + [
    (f"plan_case_{i}", files, env, title)
    for i, (files, env, title, _detail) in enumerate(PLAN_CASES)
]

TITLE = re.compile(r"\[Error: (.+?)\]")


def _title(output: str) -> str | None:
    found = TITLE.findall(output)
    return found[-1] if found else None


def plan(
    app: Path, platform: Path, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "pybuildpack", "plan", str(app), "--platform", str(platform)]
    for name, value in env.items():
        args += ["--env", f"{name}={value}"]
    return subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=timeout)


def assert_fail_alike(
    planned: subprocess.CompletedProcess[str],
    built: subprocess.CompletedProcess[str],
    title: str,
    layers: Path,
) -> str:
    """Both failed with the same titled error, no traceback, nothing half-written."""
    for result in (planned, built):
        assert "Traceback" not in result.stdout + result.stderr
        assert "Internal error" not in result.stdout + result.stderr
    assert planned.returncode != 0, planned.stdout
    assert built.returncode != 0, built.stdout
    plan_title, build_title = _title(planned.stderr), _title(built.stderr)
    assert plan_title is not None and plan_title == build_title, (planned.stderr, built.stderr)
    assert title in plan_title, (title, plan_title)
    # failed before the first download: no layer was made
    assert not any(p.is_dir() for p in layers.iterdir()), sorted(layers.iterdir())
    return plan_title


@pytest.mark.parametrize(
    ("files", "env", "title"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_plan_and_build_fail_alike(
    buildpack_dir: Path, dirs: Dirs, files: dict[str, str], env: dict[str, str], title: str
) -> None:
    write_app(dirs.app, files)
    for name, value in env.items():
        (dirs.platform / "env" / name).write_text(value)
    planned = plan(dirs.app, dirs.platform, env)
    built = run_build(buildpack_dir, dirs)
    assert_fail_alike(planned, built, title, dirs.layers / "pybuildpack_python")


def plan_in_process(app: Path, platform: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """`pybuildpack plan` run by this worker (no interpreter start): bounded by a thread join."""
    out, err = io.StringIO(), io.StringIO()
    code: list[int] = []

    def target() -> None:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code.append(cli.main(["plan", str(app), "--platform", str(platform)]))

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"plan did not finish within {timeout}s"
    return subprocess.CompletedProcess(["plan"], code[0], out.getvalue(), err.getvalue())


SECONDS = 30  # each run, on a loaded 2-core machine; a hang is caught by subprocess timeouts


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c.name for c in BAD_INPUTS])
def test_bad_input(buildpack_dir: Path, dirs: Dirs, case: Case) -> None:
    """tests/bad_inputs.py: each bad input through `plan` and `bin/build`, bounded, no leak."""
    materialize(dirs.app, dirs.app.parent / "outside", case.files)
    for name, value in case.env.items():  # plan reads them from --platform, as a build does
        (dirs.platform / "env" / name).write_text(value)
    started = time.monotonic()
    planned = plan_in_process(dirs.app, dirs.platform, timeout=SECONDS)
    plan_seconds = time.monotonic() - started
    built = run_build(buildpack_dir, dirs)
    build_seconds = time.monotonic() - started - plan_seconds
    assert plan_seconds < SECONDS and build_seconds < SECONDS, (plan_seconds, build_seconds)
    assert_fail_alike(planned, built, case.title, dirs.layers / "pybuildpack_python")
    for result in (planned, built):
        output = result.stdout + result.stderr
        assert "OUTSIDE-SECRET" not in output and "hunter2" not in output
        assert "root:x:0:0" not in output  # /etc/passwd
        # messages quote one line of the app at most, shortened
        assert max(len(line) for line in output.splitlines()) < 1000


def test_bad_input_suite_is_large() -> None:
    kinds = Counter(c.kind for c in BAD_INPUTS)
    assert len({c.name for c in BAD_INPUTS}) == len(BAD_INPUTS) >= 150, kinds
