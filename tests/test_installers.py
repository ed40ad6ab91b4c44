"""Installers (issue 4): command construction, env, file checks and error mapping, offline.

The real uv, Poetry, pipenv and PDM run in the integration suite; here they are never run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pybuildpack import messages
from pybuildpack.analysis.manager_files import (
    DEFAULT_SOURCE,
    LockFacts,
    check_manager_files,
    check_poetry_lock,
    pipfile_hash,
)
from pybuildpack.analysis.package_manager import ManagerChoice, PackageManager, choose
from pybuildpack.analysis.project import Project
from pybuildpack.dependencies.catalog import load_buildpack_catalog
from pybuildpack.errors import (
    CommandFailed,
    IncompatibleLockFile,
    InvalidConfig,
    InvalidJson,
    InvalidToml,
    LockFileOutOfDate,
    MissingManifest,
    MissingProjectName,
    PipfileLockHashMismatch,
    UnsatisfiedToolRequirement,
)
from pybuildpack.installers import InstallPaths, for_choice
from pybuildpack.runner import redact_text
from pybuildpack.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "integration" / "apps"


DEFAULT_TOOL_VERSIONS = load_buildpack_catalog(
    FIXTURES.parents[1] / "buildpack.toml"
).default_versions


def app(tmp_path: Path, files: dict[str, str]) -> Project:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return Project(tmp_path)


def installer_for(tmp_path: Path, files: dict[str, str], env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """The installer a build would use, after the analysis checked the manager's files."""
    project = app(tmp_path, files)
    settings = Settings.from_env(env or {})
    choice = choose(project, settings.package_manager)
    tool = choice.manager.value
    version = settings.tool_version(tool) or (DEFAULT_TOOL_VERSIONS.get(tool))
    return for_choice(choice, check_manager_files(project, choice, version))


def paths(tmp_path: Path) -> InstallPaths:
    return InstallPaths(
        app_dir=tmp_path,
        venv=Path("/layers/bp/venv"),
        python=Path("/layers/bp/cpython/bin/python3"),
        cache=Path("/layers/bp/tool-cache"),
        pip_wheel=Path("/layers/bp/pip/pip-26.3-py3-none-any.whl"),
        tool=Path("/layers/bp/tool/venv/bin/tool"),
    )


PYPROJECT = '[project]\nname = "app"\nversion = "1"\nrequires-python = ">=3.12"\n'


# --- commands and env ---------------------------------------------------------------------


def test_uv_sync_locked_no_dev_into_the_venv_layer(tmp_path: Path) -> None:
    installer = installer_for(tmp_path, {"pyproject.toml": PYPROJECT, "uv.lock": "version = 1\n"})
    assert installer is not None and installer.tool == "uv"
    (step,) = installer.steps(paths(tmp_path), "0.13.8")
    assert step.command[1:4] == ["sync", "--locked", "--no-dev"]
    assert step.env["UV_PROJECT_ENVIRONMENT"] == "/layers/bp/venv"
    assert step.env["UV_PYTHON"] == "/layers/bp/cpython/bin/python3"
    assert step.env["UV_PYTHON_DOWNLOADS"] == "never"
    assert step.env["UV_NO_MANAGED_PYTHON"] == "1"
    assert step.env["UV_CACHE_DIR"] == "/layers/bp/tool-cache"
    assert step.env["UV_LINK_MODE"] == "copy"
    assert step.env["VIRTUAL_ENV"] == "/layers/bp/venv"


@pytest.mark.parametrize(
    ("version", "command"),
    [
        ("2.5.1", ["sync", "--only", "main", "--compile", "--no-ansi"]),
        ("1.8.5", ["install", "--sync", "--only", "main", "--compile", "--no-ansi"]),
    ],
)
def test_poetry_sync_only_main(tmp_path: Path, version: str, command: list[str]) -> None:
    pyproject = '[tool.poetry]\nname = "app"\n'
    lock = '[metadata]\nlock-version = "2.1"\n'
    installer = installer_for(tmp_path, {"pyproject.toml": pyproject, "poetry.lock": lock})
    assert installer is not None and installer.tool == "poetry"
    check_poetry_lock(installer.lock_version, version)
    (step,) = installer.steps(paths(tmp_path), version)
    assert step.command[1:] == command
    assert step.env["POETRY_VIRTUALENVS_CREATE"] == "false"
    assert step.env["VIRTUAL_ENV"] == "/layers/bp/venv"
    assert step.env["POETRY_CACHE_DIR"] == "/layers/bp/tool-cache"


def test_poetry_without_lock_locks_at_build_with_a_warning(tmp_path: Path) -> None:
    installer = installer_for(tmp_path, {"pyproject.toml": '[tool.poetry]\nname = "app"\n'})
    assert installer is not None
    lock, sync = installer.steps(paths(tmp_path), "2.5.1")
    assert lock.command[1] == "lock" and lock.warning is not None
    assert sync.command[1] == "sync"


def test_pipenv_install_deploy(tmp_path: Path) -> None:
    pipfile = '[packages]\nflask = "*"\n'
    lock = {"_meta": {"hash": {"sha256": pipfile_hash({"packages": {"flask": "*"}})}}}
    installer = installer_for(tmp_path, {"Pipfile": pipfile, "Pipfile.lock": json.dumps(lock)})
    assert installer is not None and installer.tool == "pipenv"
    (step,) = installer.steps(paths(tmp_path), "2026.10.3")
    assert step.command[1:] == ["install", "--deploy"]
    assert step.env["VIRTUAL_ENV"] == "/layers/bp/venv"
    assert step.env["PIPENV_IGNORE_VIRTUALENVS"] == "0"
    assert "PIPENV_VENV_IN_PROJECT" in step.unset
    assert step.warning is None


def test_pipfile_without_lock_locks_at_build_with_a_warning(tmp_path: Path) -> None:
    installer = installer_for(tmp_path, {"Pipfile": '[packages]\nflask = "*"\n'})
    assert installer is not None
    (step,) = installer.steps(paths(tmp_path), "2026.10.3")
    assert step.command[1:] == ["install"] and step.warning is not None


def test_pdm_install_checks_the_lock(tmp_path: Path) -> None:
    installer = installer_for(tmp_path, {"pyproject.toml": PYPROJECT, "pdm.lock": ""})
    assert installer is not None and installer.tool == "pdm"
    (step,) = installer.steps(paths(tmp_path), "2.29.3")
    assert step.command[1:] == ["install", "--check", "--prod", "--frozen-lockfile"]
    assert step.env["PDM_CACHE_DIR"] == "/layers/bp/tool-cache"
    assert step.env["VIRTUAL_ENV"] == "/layers/bp/venv"


@pytest.mark.parametrize(
    ("files", "target"),
    [
        ({"requirements.txt": "flask\n"}, ["--requirement", "requirements.txt"]),
        ({"pyproject.toml": PYPROJECT}, ["--editable", "."]),
        ({"setup.py": "from setuptools import setup\nsetup()\n"}, ["--editable", "."]),
        ({"setup.cfg": "[metadata]\nname = app\n"}, ["--editable", "."]),
    ],
)
def test_pip(tmp_path: Path, files: dict[str, str], target: list[str]) -> None:
    installer = installer_for(tmp_path, files)
    assert installer is not None and installer.tool is None
    (step,) = installer.steps(paths(tmp_path), "26.3")
    assert step.command[:2] == [
        "/layers/bp/venv/bin/python",
        "/layers/bp/pip/pip-26.3-py3-none-any.whl/pip",  # pip runs from its wheel
    ]
    assert step.command[-len(target) :] == target
    assert "PYTHONPATH" not in step.env
    assert step.env["PIP_CACHE_DIR"] == "/layers/bp/tool-cache"


def test_no_dependency_files(tmp_path: Path) -> None:
    assert installer_for(tmp_path, {"main.py": ""}) is None


# --- checks before anything runs -------------------------------------------------------------


def test_unparseable_uv_lock_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(InvalidToml) as err:
        installer_for(tmp_path, {"pyproject.toml": PYPROJECT, "uv.lock": "version = 1\nx = = 1\n"})
    assert err.value.path == "uv.lock" and err.value.line is not None


@pytest.mark.parametrize("lock", ["poetry.lock", "pdm.lock"])
def test_unparseable_toml_locks(tmp_path: Path, lock: str) -> None:
    with pytest.raises(InvalidToml) as err:
        installer_for(tmp_path, {"pyproject.toml": PYPROJECT, lock: "a = 1\nb = = 2\n"})
    assert err.value.path == lock and err.value.line == 2


def test_unparseable_pipfile_lock(tmp_path: Path) -> None:
    with pytest.raises(InvalidJson) as err:
        installer_for(tmp_path, {"Pipfile": "", "Pipfile.lock": '{\n  "_meta": \n}'})
    assert err.value.path == "Pipfile.lock" and err.value.line == 3


def test_pipfile_lock_hash_mismatch(tmp_path: Path) -> None:
    lock = {"_meta": {"hash": {"sha256": "0" * 64}}}
    with pytest.raises(PipfileLockHashMismatch) as err:
        installer_for(tmp_path, {"Pipfile": "[packages]\n", "Pipfile.lock": json.dumps(lock)})
    assert "pipenv lock" in messages.render(err.value).body


def test_pipfile_hash_matches_real_pipenv_lock() -> None:
    """The fixture's Pipfile.lock was written by pipenv 2026.10.3: same hash as ours."""
    project = Project(FIXTURES / "pm_pipenv")
    recorded = project.json("Pipfile.lock")["_meta"]["hash"]["sha256"]
    assert recorded == pipfile_hash(project.toml("Pipfile") or {})


def test_pipfile_hash_ignores_name_spelling() -> None:
    assert pipfile_hash({"packages": {"My_Pkg": "*"}}) == pipfile_hash(
        {"packages": {"my-pkg": "*"}}
    )


def plette_hash(pipfile: dict[str, object]) -> str:
    """The older hash (plette's get_hash: names as written), which pipenv 2026 refuses."""
    body = {
        "_meta": {"sources": [DEFAULT_SOURCE], "requires": {}},
        "default": pipfile.get("packages", {}),
        "develop": {},
    }
    content = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


def test_pipfile_lock_with_the_older_hash_form_is_refused(tmp_path: Path) -> None:
    """Paketo's pipenv sample: `Flask = "*"` locked by an older pipenv. pipenv --deploy (the
    version we run) computes the hash with canonical names and refuses it: so do we, first."""
    pipfile = {"packages": {"Flask": "*"}}
    old = plette_hash(pipfile)
    assert old != pipfile_hash(pipfile)
    lock = {"_meta": {"hash": {"sha256": old}}}
    with pytest.raises(PipfileLockHashMismatch):
        installer_for(
            tmp_path, {"Pipfile": '[packages]\nFlask = "*"\n', "Pipfile.lock": json.dumps(lock)}
        )
    lock = {"_meta": {"hash": {"sha256": pipfile_hash(pipfile)}}}
    (tmp_path / "Pipfile.lock").write_text(json.dumps(lock))
    assert installer_for(tmp_path, {}) is not None


@pytest.mark.parametrize(
    ("lock", "manifest", "files"),
    [
        ("uv.lock", "pyproject.toml", {"uv.lock": ""}),
        ("Pipfile.lock", "Pipfile", {"Pipfile.lock": "{}"}),
        ("pdm.lock", "pyproject.toml", {"pdm.lock": ""}),
        ("poetry.lock", "pyproject.toml", {"poetry.lock": ""}),
    ],
)
def test_lock_without_manifest(
    tmp_path: Path, lock: str, manifest: str, files: dict[str, str]
) -> None:
    with pytest.raises(MissingManifest) as err:
        installer_for(tmp_path, files)
    assert (err.value.lock, err.value.manifest) == (lock, manifest)


@pytest.mark.parametrize(
    "files",
    [
        {"pyproject.toml": '[project]\nversion = "1"\n', "uv.lock": ""},
        {"pyproject.toml": '\n[project]\nversion = "1"\n'},
        {"pyproject.toml": '[project]\nversion = "1"\n', "pdm.lock": ""},
    ],
)
def test_project_without_name(tmp_path: Path, files: dict[str, str]) -> None:
    with pytest.raises(MissingProjectName) as err:
        installer_for(tmp_path, files)
    assert err.value.line == files["pyproject.toml"].splitlines().index("[project]") + 1
    assert "name" in messages.render(err.value).body


def test_poetry_lock_from_a_newer_poetry(tmp_path: Path) -> None:
    lock = '[metadata]\nlock-version = "3.0"\n'
    with pytest.raises(IncompatibleLockFile) as err:
        installer_for(tmp_path, {"pyproject.toml": "", "poetry.lock": lock})
    text = messages.render(err.value)
    assert "3.0" in text.body and "BP_POETRY_VERSION" in text.body
    with pytest.raises(IncompatibleLockFile):
        check_poetry_lock("3.0", "1.8.5")
    # a newer minor: Poetry reads it (with its own warning)
    check_poetry_lock("2.1", "1.8.5")
    check_poetry_lock("2.1", "2.5.1")


# --- failures mapped to our errors ------------------------------------------------------------

OUT_OF_DATE = [
    (
        {"pyproject.toml": PYPROJECT, "uv.lock": ""},
        "error: The lockfile at `uv.lock` needs to be updated, but `--locked` was provided.\n"
        "hint: To update the lockfile, run `uv lock`.\n",
        "uv lock",
    ),
    (
        {"pyproject.toml": "", "poetry.lock": ""},
        "pyproject.toml changed significantly since poetry.lock was last generated. "
        "Run `poetry lock` to fix the lock file.\n",
        "poetry lock",
    ),
    (
        {"Pipfile": "", "Pipfile.lock": json.dumps({"_meta": {"hash": {"sha256": "x"}}})},
        "Your Pipfile.lock (abc) is out of date. Expected: (def).\n",
        "pipenv lock",
    ),
    (
        {"pyproject.toml": PYPROJECT, "pdm.lock": ""},
        "WARNING: Lockfile doesn't satisfy the project requirements, packages may be outdated\n"
        "Please run `pdm lock` to update the lock file\n",
        "pdm lock",
    ),
]


@pytest.mark.parametrize(("files", "output", "fix"), OUT_OF_DATE)
def test_out_of_date_lock_is_our_error(
    tmp_path: Path, files: dict[str, str], output: str, fix: str
) -> None:
    project = app(tmp_path, files)
    manager = choose(project).manager
    installer = for_choice(ManagerChoice(manager, tuple(files), "test"), LockFacts())
    assert installer is not None
    failed = CommandFailed("x", ["tool"], 1, output=output)
    mapped = installer.failure(failed, output)
    assert isinstance(mapped, LockFileOutOfDate) and mapped.fix == fix
    assert f"Run `{fix}`" in messages.render(mapped).body
    assert installer.failure(failed, "some other failure\n") is None


def test_install_failure_messages_name_the_manager() -> None:
    for step, name in [
        ("uv-sync", "uv"),
        ("poetry-install", "Poetry"),
        ("pipenv-install", "pipenv"),
        ("pdm-install", "PDM"),
        ("tool-install", "package manager"),
    ]:
        text = messages.render(CommandFailed(step, ["x"], 1))
        assert name in text.title


# --- tool versions, credentials ----------------------------------------------------------------


def test_tool_versions_from_env() -> None:
    settings = Settings.from_env({"BP_UV_VERSION": "0.9.1", "BP_POETRY_VERSION": "1.8.5"})
    assert settings.tool_version("uv") == "0.9.1"
    assert settings.tool_version("poetry") == "1.8.5"
    assert settings.tool_version("pdm") is None


@pytest.mark.parametrize(
    "name", ["BP_UV_VERSION", "BP_POETRY_VERSION", "BP_PIPENV_VERSION", "BP_PDM_VERSION"]
)
def test_bad_tool_version(name: str) -> None:
    with pytest.raises(InvalidConfig) as err:
        Settings.from_env({name: "latest!"})
    assert err.value.name == name


def test_credentials_redacted() -> None:
    line = "Looking in indexes: https://alice:s3cr3t@pypi.example.com/simple, http://x/"
    assert (
        redact_text(line)
        == "Looking in indexes: https://alice:***@pypi.example.com/simple, http://x/"
    )
    assert redact_text("https://token@host/simple") == "https://token@host/simple"


def test_manager_choice_from_fixture_apps() -> None:
    expected = {
        "pm_uv": PackageManager.UV,
        "pm_poetry": PackageManager.POETRY,
        "pm_pipenv": PackageManager.PIPENV,
        "pm_pdm": PackageManager.PDM,
        "pm_pyproject": PackageManager.PIP,
        "pm_setuppy": PackageManager.PIP,
    }
    for name, manager in expected.items():
        project = Project(FIXTURES / name)
        choice = choose(project)
        assert choice.manager is manager, name
        facts = check_manager_files(project, choice, DEFAULT_TOOL_VERSIONS.get(manager.value))
        assert for_choice(choice, facts) is not None


POETRY_PROJECT = '[tool.poetry]\nname = "app"\npackage-mode = false\n'


def poetry_plan(tmp_path: Path, requirement: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    from pybuildpack.analysis.analyze import analyze
    from tests.test_start_command import CATALOG

    (tmp_path / "pyproject.toml").write_text(
        POETRY_PROJECT + f"requires-poetry = {requirement!r}\n"
    )
    (tmp_path / "main.py").write_text("")
    return analyze(tmp_path, Settings.from_env(env or {}), CATALOG, "amd64")


def test_requires_poetry_satisfied_by_the_default(tmp_path: Path) -> None:
    plan = poetry_plan(tmp_path, ">=2.0")
    assert plan.tool_version == DEFAULT_TOOL_VERSIONS["poetry"] and plan.tool_reason == ""


def test_requires_poetry_picks_a_release_that_satisfies_it(tmp_path: Path) -> None:
    plan = poetry_plan(tmp_path, ">=2.1,<2.2")
    assert plan.tool_version == "2.1.4"
    assert plan.tool_reason == "requires-poetry >=2.1,<2.2 in pyproject.toml: Poetry 2.1.4"


def test_requires_poetry_against_bp_poetry_version(tmp_path: Path) -> None:
    with pytest.raises(UnsatisfiedToolRequirement) as err:
        poetry_plan(tmp_path, ">=2.3", {"BP_POETRY_VERSION": "2.2.1"})
    text = messages.render(err.value).text()
    assert "[Error: The project requires another Poetry]" in text
    assert "BP_POETRY_VERSION=2.2.1 does not satisfy it" in text
    assert poetry_plan(tmp_path, ">=2.3", {"BP_POETRY_VERSION": "2.4.0"}).tool_version == "2.4.0"


def test_requires_poetry_nothing_known_satisfies(tmp_path: Path) -> None:
    with pytest.raises(UnsatisfiedToolRequirement) as err:
        poetry_plan(tmp_path, ">=9")
    assert "Set BP_POETRY_VERSION to a Poetry release that satisfies >=9" in (
        messages.render(err.value).body
    )


def test_requires_poetry_not_a_specifier(tmp_path: Path) -> None:
    with pytest.raises(UnsatisfiedToolRequirement) as err:
        poetry_plan(tmp_path, "two or newer")
    assert err.value.invalid
