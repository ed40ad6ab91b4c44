"""The package manager, from the files the app brings (seeds' precedence)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybuildpack.analysis.package_manager import PackageManager, choose
from pybuildpack.analysis.project import Project
from pybuildpack.errors import InvalidConfig


def choice(tmp_path: Path, files: dict[str, str], env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return choose(Project(tmp_path), env or {})


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
