"""bin/detect as the lifecycle runs it: exit codes, the build plan, and its speed."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from pybuildpack.analysis.detect import ENTRY_FILES, PYTHON_PROJECT_FILES
from tests.conftest import Dirs, lifecycle_env, run_detect


@pytest.mark.parametrize("name", PYTHON_PROJECT_FILES)
def test_detects_each_project_file(buildpack_dir: Path, dirs: Dirs, name: str) -> None:
    (dirs.app / name).write_text("")
    result = run_detect(buildpack_dir, dirs)
    assert result.returncode == 0, result.stderr
    assert name in result.stdout


@pytest.mark.parametrize("name", ["server.py", "main.py", "app.py"])
def test_detects_a_standard_library_app_by_its_entry_file(
    buildpack_dir: Path, dirs: Dirs, name: str
) -> None:
    (dirs.app / name).write_text("import http.server\n")
    result = run_detect(buildpack_dir, dirs)
    assert result.returncode == 0, result.stderr
    assert f"Python app detected ({name})" in result.stdout
    assert name in ENTRY_FILES


def test_other_python_files_alone_are_not_an_app(buildpack_dir: Path, dirs: Dirs) -> None:
    (dirs.app / "build_docs.py").write_text("")
    result = run_detect(buildpack_dir, dirs)
    assert result.returncode == 100
    assert "no entry file (app.py, main.py, server.py" in result.stdout


def test_not_a_python_app(buildpack_dir: Path, dirs: Dirs) -> None:
    (dirs.app / "package.json").write_text("{}")
    (dirs.app / "main.go").write_text("package main")
    result = run_detect(buildpack_dir, dirs)
    assert result.returncode == 100
    assert not dirs.build_plan.exists()


def test_build_plan_provides_and_requires(buildpack_dir: Path, dirs: Dirs) -> None:
    (dirs.app / "requirements.txt").write_text("flask\n")
    assert run_detect(buildpack_dir, dirs).returncode == 0
    plan = tomllib.loads(dirs.build_plan.read_text())
    assert [p["name"] for p in plan["provides"]] == ["cpython", "site-packages"]
    assert [r["name"] for r in plan["requires"]] == ["cpython", "site-packages"]
    assert plan["requires"][0]["metadata"] == {"launch": True}


def test_legacy_positional_arguments(buildpack_dir: Path, dirs: Dirs) -> None:
    (dirs.app / "setup.py").write_text("")
    result = subprocess.run(
        [str(buildpack_dir / "bin" / "detect"), str(dirs.platform), str(dirs.build_plan)],
        cwd=dirs.app,
        env=lifecycle_env(buildpack_dir),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and dirs.build_plan.is_file()


def test_missing_runtime_is_a_clear_error(tmp_path: Path, dirs: Dirs) -> None:
    import shutil

    from tests.conftest import REPO

    bp = tmp_path / "bp"
    shutil.copytree(REPO / "bin", bp / "bin")
    (dirs.app / "requirements.txt").write_text("")
    result = run_detect(bp, dirs)
    assert result.returncode == 1
    assert "make runtime" in result.stderr


def test_detect_imports_only_what_detect_needs(dirs: Dirs) -> None:
    """Detect runs for every build on a builder: no analysis, models or archives are loaded.

    (How fast it is, is measured by `make bench`, not by a timed test.)
    """
    from tests.conftest import REPO

    (dirs.app / "requirements.txt").write_text("flask\n")
    code = (
        "import sys, os; sys.path.insert(0, sys.argv[1]); from pybuildpack.cli import main\n"
        "os.chdir(sys.argv[2]); rc = main(['detect', sys.argv[3], sys.argv[4]])\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(REPO),
            str(dirs.app),
            str(dirs.platform),
            str(dirs.build_plan),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(result.stdout.split())
    assert "pybuildpack.cli" in loaded
    heavy = {"pydantic", "packaging", "debian", "pybuildpack.build", "pybuildpack.settings"}
    assert not heavy & loaded


def test_bin_detect_loads_only_the_standard_librarys_basics(dirs: Dirs) -> None:
    """bin/detect runs without site-packages (-S) and loads no pathlib, argparse,
    dataclasses or TOML library: its time inside a builder is mostly Python's start-up."""
    from tests.conftest import REPO

    (dirs.app / "requirements.txt").write_text("flask\n")
    script = (REPO / "bin" / "detect").read_text()
    assert " -S " in script and "pybuildpack.detect import main" in script
    code = (
        "import sys, os; sys.path.insert(0, sys.argv.pop(1)); from pybuildpack.detect import main\n"
        "os.chdir(sys.argv[1]); sys.argv[1:] = sys.argv[2:]; rc = main()\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-E",
            "-s",
            "-S",
            "-c",
            code,
            str(REPO),
            str(dirs.app),
            str(dirs.platform),
            str(dirs.build_plan),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(result.stdout.split())
    assert "pybuildpack.detect" in loaded
    assert not {"pathlib", "argparse", "dataclasses", "tomllib", "tomlkit", "typing"} & loaded
    assert dirs.build_plan.is_file()
