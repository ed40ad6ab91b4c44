"""Which system packages an app needs: from parsed dependency names, never substrings."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybuildpack.analysis.dependencies import declared_dependencies
from pybuildpack.analysis.project import Project
from pybuildpack.analysis.system_packages import SystemPackages, plan_system_packages
from pybuildpack.errors import InvalidConfig
from pybuildpack.settings import Settings

TABLE = "[com.pybuildpack.system-packages]\n"


def plan(
    tmp_path: Path, files: dict[str, str], env: dict[str, str] | None = None
) -> SystemPackages:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    project = Project(tmp_path)
    return plan_system_packages(
        project, declared_dependencies(project), Settings.from_env(env or {}).system_packages
    )


def test_psycopg2_from_source_needs_libpq_dev_at_build(tmp_path: Path) -> None:
    got = plan(tmp_path, {"requirements.txt": "psycopg2==2.9.10\n"})
    assert got.launch == ("libpq5",)
    assert got.build == ("libpq-dev",)


def test_mysqlclient_needs_dev_package_and_pkg_config(tmp_path: Path) -> None:
    got = plan(tmp_path, {"requirements.txt": "mysqlclient==2.2.7\n"})
    assert got.launch == ("libmariadb3",)
    assert got.build == ("libmariadb-dev", "pkg-config")


@pytest.mark.parametrize(
    "line", ["psycopg2-binary==2.9.10", "psycopg[binary]==3.2.3", "psycopg[binary,pool]>=3"]
)
def test_binary_variants_need_nothing(tmp_path: Path, line: str) -> None:
    assert plan(tmp_path, {"requirements.txt": line + "\n"}) == SystemPackages()


def test_psycopg_binary_in_a_lock_file_counts(tmp_path: Path) -> None:
    lock = '[[package]]\nname = "psycopg"\n\n[[package]]\nname = "psycopg-binary"\n'
    assert not plan(tmp_path, {"uv.lock": lock})


def test_psycopg_c_extra_compiles(tmp_path: Path) -> None:
    got = plan(tmp_path, {"pyproject.toml": '[project]\nname="x"\ndependencies=["psycopg[c]"]\n'})
    assert got.launch == ("libpq5",)
    assert got.build == ("libpq-dev",)


def test_seed_table_for_launch(tmp_path: Path) -> None:
    got = plan(
        tmp_path,
        {"requirements.txt": "asyncpg\naiopg\nPyMySQL\naiomysql\naiosqlite\nlxml>=5\n"},
    )
    assert got.launch == ("libmariadb3", "libpq5", "libsqlite3-0", "libxml2", "libxslt1.1")
    assert got.build == ()


def test_names_are_parsed_not_substrings(tmp_path: Path) -> None:
    text = "# psycopg2 is not used\nlxml-stubs\nmy-psycopg2-helper\nflask  # mysqlclient later\n"
    assert not plan(tmp_path, {"requirements.txt": text})


def test_poetry_and_pipfile(tmp_path: Path) -> None:
    pyproject = '[tool.poetry.dependencies]\npython = "^3.12"\nMySQLClient = "^2.2"\n'
    got = plan(tmp_path, {"pyproject.toml": pyproject, "Pipfile": "[packages]\naiosqlite='*'\n"})
    assert got.launch == ("libmariadb3", "libsqlite3-0")


def test_user_additions(tmp_path: Path) -> None:
    project_toml = (
        "[_]\nschema-version = '0.2'\n\n[com.pybuildpack.system-packages]\n"
        'launch = ["libmagic1"]\nbuild = ["libmagic-dev"]\n'
        'allow-maintainer-scripts = ["some-pkg"]\n'
    )
    got = plan(
        tmp_path,
        {"project.toml": project_toml, "requirements.txt": "flask\n"},
        {"BP_SYSTEM_PACKAGES": "libgeos-c1v5, libproj25  gdal-data"},
    )
    assert got.launch == ("gdal-data", "libgeos-c1v5", "libmagic1", "libproj25")
    assert got.build == ("libmagic-dev",)
    assert got.allow_scripts == frozenset({"some-pkg"})
    assert got.requested >= {"libmagic-dev", "libmagic1"}
    assert ("libmagic1", "launch: listed in project.toml") in got.reasons


@pytest.mark.parametrize(
    ("files", "env", "name"),
    [
        ({}, {"BP_SYSTEM_PACKAGES": "libpq5 Bad_Name"}, "BP_SYSTEM_PACKAGES"),
        (
            {"project.toml": TABLE + 'launch = "libfoo libbar"\nbuild = 3\n'},
            {},
            "project.toml [com.pybuildpack.system-packages] build",
        ),
        (
            {"project.toml": TABLE + 'launch = ["../etc"]\n'},
            {},
            "project.toml [com.pybuildpack.system-packages] launch",
        ),
    ],
)
def test_bad_names_fail(
    tmp_path: Path, files: dict[str, str], env: dict[str, str], name: str
) -> None:
    with pytest.raises(InvalidConfig) as info:
        plan(tmp_path, files, env)
    assert info.value.name == name
