"""Declared dependency names, parsed from manifests (never substring matches)."""

from __future__ import annotations

from pathlib import Path

from pybuildpack.analysis.dependencies import declared_dependencies, requirement_files
from pybuildpack.analysis.project import Project


def deps(tmp_path: Path, files: dict[str, str]) -> frozenset[str]:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return declared_dependencies(Project(tmp_path))


def test_requirements_with_options_hashes_markers_and_continuations(tmp_path: Path) -> None:
    text = (
        "--index-url https://pypi.org/simple\n"
        "Flask==3.0.0 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\n"
        'gunicorn[gevent]>=21 ; python_version >= "3.8"  # web server\n'
        "-e git+https://example.org/x.git#egg=My_Lib\n"
        "# psycopg2-binary is a comment\n"
        "-c constraints.txt\n"
    )
    assert deps(tmp_path, {"requirements.txt": text}) == {"flask", "gunicorn", "my-lib"}


def test_included_files(tmp_path: Path) -> None:
    files = {
        "requirements.txt": "-r requirements/prod.txt\n",
        "requirements/prod.txt": "-r base.txt\nuvicorn\n",
        "requirements/base.txt": "Django>=5\n",
    }
    assert deps(tmp_path, files) == {"uvicorn", "django"}
    assert requirement_files(Project(tmp_path)) == [
        "requirements.txt",
        "requirements/prod.txt",
        "requirements/base.txt",
    ]


def test_include_cycle_terminates(tmp_path: Path) -> None:
    files = {"requirements.txt": "-r other.txt\na\n", "other.txt": "-r requirements.txt\nb\n"}
    assert deps(tmp_path, files) == {"a", "b"}


def test_pyproject_poetry_pipfile_and_locks(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": (
            '[project]\nname = "x"\ndependencies = ["FastAPI (>=0.110)", "uvicorn[standard]"]\n'
            '[tool.poetry.dependencies]\npython = "^3.11"\nCelery = "*"\n'
        ),
        "Pipfile": '[packages]\nrequests = "*"\n',
        "uv.lock": '[[package]]\nname = "anyio"\nversion = "4"\n',
    }
    assert deps(tmp_path, files) == {"fastapi", "uvicorn", "celery", "requests", "anyio"}


def test_names_are_not_substrings(tmp_path: Path) -> None:
    assert "gunicorn" not in deps(tmp_path, {"requirements.txt": "gunicorn-extras\n"})
