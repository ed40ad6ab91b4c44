"""The package manager, from the files the app brings (seeds' precedence)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybuildpack.analysis.package_manager import PackageManager, choose
from pybuildpack.analysis.project import Project
from pybuildpack.errors import InvalidConfig
from pybuildpack.settings import Settings


def choice(tmp_path: Path, files: dict[str, str], env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return choose(Project(tmp_path), Settings.from_env(env or {}).package_manager)


@pytest.mark.parametrize(
    ("files", "manager"),
    [
        ({"requirements.txt": ""}, PackageManager.PIP),
        ({"uv.lock": "", "pyproject.toml": "[project]\nname='a'\n"}, PackageManager.UV),
        ({"Pipfile": ""}, PackageManager.PIPENV),
        ({"Pipfile.lock": "{}"}, PackageManager.PIPENV),
        ({"poetry.lock": "", "pyproject.toml": ""}, PackageManager.POETRY),
        ({"pyproject.toml": "[tool.poetry]\nname='a'\n"}, PackageManager.POETRY),
        ({"pdm.lock": "", "pyproject.toml": ""}, PackageManager.PDM),
        ({"pyproject.toml": "[project]\nname='a'\n"}, PackageManager.PIP),
        ({"setup.py": ""}, PackageManager.PIP),
        ({"setup.cfg": ""}, PackageManager.PIP),
        ({".python-version": "3.12"}, PackageManager.NONE),
    ],
)
def test_manager_by_files(tmp_path: Path, files: dict[str, str], manager: PackageManager) -> None:
    assert choice(tmp_path, files).manager is manager


def test_uv_lock_wins_and_others_are_reported(tmp_path: Path) -> None:
    result = choice(tmp_path, {"uv.lock": "", "requirements.txt": "", "Pipfile": ""})
    assert result.manager is PackageManager.UV
    assert result.ignored == ("Pipfile", "requirements.txt")


def test_override(tmp_path: Path) -> None:
    result = choice(
        tmp_path, {"uv.lock": "", "requirements.txt": ""}, {"BP_PYTHON_PACKAGE_MANAGER": "pip"}
    )
    assert result.manager is PackageManager.PIP and result.files == ("requirements.txt",)


def test_bad_override(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfig):
        choice(tmp_path, {}, {"BP_PYTHON_PACKAGE_MANAGER": "conda"})


@pytest.mark.parametrize(
    ("files", "manager", "ignored"),
    [
        # the seeds' precedence: uv.lock, requirements.txt, Pipfile(.lock), poetry.lock, pdm.lock
        (
            {"requirements.txt": "", "poetry.lock": "", "pyproject.toml": ""},
            PackageManager.PIP,
            ("poetry.lock", "pyproject.toml"),
        ),
        ({"Pipfile": "", "pdm.lock": "", "pyproject.toml": ""}, PackageManager.PIPENV, ()),
        ({"poetry.lock": "", "pdm.lock": "", "pyproject.toml": ""}, PackageManager.POETRY, ()),
        ({"uv.lock": "", "poetry.lock": "", "pyproject.toml": ""}, PackageManager.UV, ()),
        # a pyproject.toml project without a lock installs itself with pip, even with setup.py
        ({"pyproject.toml": "[build-system]\n", "setup.py": ""}, PackageManager.PIP, ()),
    ],
)
def test_precedence_and_ignored_files(
    tmp_path: Path, files: dict[str, str], manager: PackageManager, ignored: tuple[str, ...]
) -> None:
    result = choice(tmp_path, files)
    assert result.manager is manager
    if ignored:
        assert result.ignored == ignored


def test_pdm_lock_ignored_next_to_pipfile_is_reported(tmp_path: Path) -> None:
    result = choice(tmp_path, {"Pipfile": "", "pdm.lock": "", "pyproject.toml": ""})
    assert "pdm.lock" in result.ignored


def test_pipfile_without_lock_is_pipenv_with_the_pipfile_only(tmp_path: Path) -> None:
    result = choice(tmp_path, {"Pipfile": "[packages]\n"})
    assert result.manager is PackageManager.PIPENV and result.files == ("Pipfile",)


def test_locks_are_in_the_files_that_key_the_venv(tmp_path: Path) -> None:
    for files, lock in [
        ({"uv.lock": "", "pyproject.toml": ""}, "uv.lock"),
        ({"poetry.lock": "", "pyproject.toml": ""}, "poetry.lock"),
        ({"pdm.lock": "", "pyproject.toml": ""}, "pdm.lock"),
        ({"Pipfile": "", "Pipfile.lock": "{}"}, "Pipfile.lock"),
    ]:
        sub = tmp_path / lock
        sub.mkdir()
        assert lock in choice(sub, files).files


def test_empty_pyproject_alone_is_an_error(tmp_path: Path) -> None:
    from pybuildpack.analysis.manager_files import check_manager_files
    from pybuildpack.errors import EmptyPyproject
    from pybuildpack.messages import render

    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    project = Project(tmp_path)
    with pytest.raises(EmptyPyproject) as err:
        check_manager_files(project, choose(project), None)
    message = render(err.value)
    assert message.title == "pyproject.toml does not describe a project"
    assert "no [project], [build-system] or [tool.poetry] table (it has only [tool.ruff])" in (
        message.body
    )
    assert "BP_PYTHON_PACKAGE_MANAGER=none" in message.body
    # opting out, or a requirements.txt beside it (the pyproject is then tool configuration)
    check_manager_files(project, choose(project, "none"), None)
    (tmp_path / "requirements.txt").write_text("flask\n")
    check_manager_files(Project(tmp_path), choose(Project(tmp_path)), None)


def test_empty_pyproject_with_nothing_in_it(tmp_path: Path) -> None:
    from pybuildpack.analysis.manager_files import check_manager_files
    from pybuildpack.errors import EmptyPyproject

    (tmp_path / "pyproject.toml").write_text("")
    project = Project(tmp_path)
    with pytest.raises(EmptyPyproject) as err:
        check_manager_files(project, choose(project), None)
    assert err.value.found == []
