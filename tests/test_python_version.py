"""Which CPython an app asks for, from which file, and what the catalog resolves it to."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from pybuildpack.analysis.project import Project
from pybuildpack.analysis.python_version import RequestKind, read_request, resolve
from pybuildpack.dependencies.catalog import catalog_from_mapping
from pybuildpack.errors import InvalidPythonVersion, InvalidVersionFile, UnknownPythonVersion
from pybuildpack.settings import Settings

VERSIONS = ["3.10.19", "3.11.14", "3.12.7", "3.12.8", "3.13.1", "3.13.5", "3.14.0", "3.14.2"]
SHA = "sha256:" + "0" * 64


def catalog(default: str = "3.14", versions: list[str] = VERSIONS):  # type: ignore[no-untyped-def]
    return catalog_from_mapping(
        {
            "default-versions": {"cpython": default},
            "dependencies": [
                {"id": "cpython", "version": v, "uri": f"https://x/{v}.tgz", "checksum": SHA}
                for v in versions
            ],
        }
    )


def request_for(tmp_path: Path, files: dict[str, str], env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return read_request(Project(tmp_path), Settings.from_env(env or {}))


def resolved(tmp_path: Path, files: dict[str, str], env: dict[str, str] | None = None) -> str:
    request = request_for(tmp_path, files, env)
    return str(resolve(request, catalog(), "amd64")[1])


def test_default_is_newest_patch_of_default_minor(tmp_path: Path) -> None:
    request, version = resolve(None, catalog(), "amd64")
    assert (request.source, version) == ("default", Version("3.14.2"))


def test_minor_takes_newest_patch(tmp_path: Path) -> None:
    assert resolved(tmp_path, {".python-version": "3.12\n"}) == "3.12.8"


def test_exact_is_exact(tmp_path: Path) -> None:
    assert resolved(tmp_path, {".python-version": "3.12.7"}) == "3.12.7"


def test_constraint_takes_lowest_allowed_minor(tmp_path: Path) -> None:
    files = {"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.12,<3.15"\n'}
    assert resolved(tmp_path, files) == "3.12.8"


def test_constraint_honours_upper_bound_and_patch_floor(tmp_path: Path) -> None:
    files = {"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.13.2,<3.14"\n'}
    assert resolved(tmp_path, files) == "3.13.5"


def test_constraint_without_lower_bound_prefers_default(tmp_path: Path) -> None:
    files = {"pyproject.toml": '[project]\nname = "x"\nrequires-python = "<3.14"\n'}
    assert resolved(tmp_path, files) == "3.13.5"
    assert resolved(tmp_path, {}, {"PYTHON_VERSION": "!=3.11.*"}) == "3.14.2"


def test_env_beats_files_and_bp_beats_seed_name(tmp_path: Path) -> None:
    env = {"BP_CPYTHON_VERSION": "3.11", "PYTHON_VERSION": "3.13"}
    request = request_for(tmp_path, {".python-version": "3.12"}, env)
    assert (request.source, request.specifier) == ("BP_CPYTHON_VERSION", "3.11")
    request = request_for(tmp_path, {}, {"PYTHON_VERSION": "3.13"})
    assert request.source == "PYTHON_VERSION"


@pytest.mark.parametrize(
    ("files", "source", "expected"),
    [
        ({".python-version": "# pinned\n3.13\n"}, ".python-version", "3.13.5"),
        ({"runtime.txt": "python-3.12.7\n"}, "runtime.txt", "3.12.7"),
        ({"runtime.txt": "3.12.7"}, "runtime.txt", "3.12.7"),
        ({"uv.lock": 'version = 1\nrequires-python = ">=3.13"\n'}, "uv.lock", "3.13.5"),
        (
            {"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\n'},
            "pyproject.toml",
            "3.11.14",
        ),
        (
            {"pyproject.toml": '[tool.poetry.dependencies]\npython = "~3.12"\n'},
            "pyproject.toml",
            "3.12.8",
        ),
        (
            {"Pipfile.lock": '{"_meta": {"requires": {"python_version": "3.11"}}}'},
            "Pipfile.lock",
            "3.11.14",
        ),
        (
            {"Pipfile.lock": '{"_meta": {"requires": {"python_full_version": "3.12.7"}}}'},
            "Pipfile.lock",
            "3.12.7",
        ),
        ({"Pipfile": '[requires]\npython_version = "3.13"\n'}, "Pipfile", "3.13.5"),
    ],
)
def test_each_source(tmp_path: Path, files: dict[str, str], source: str, expected: str) -> None:
    request = request_for(tmp_path, files)
    assert request.source == source
    assert str(resolve(request, catalog(), "amd64")[1]) == expected


def test_source_order(tmp_path: Path) -> None:
    files = {
        "runtime.txt": "python-3.11.14",
        "uv.lock": 'requires-python = ">=3.13"\n',
        "pyproject.toml": '[project]\nname="x"\nrequires-python = ">=3.12"\n',
    }
    assert request_for(tmp_path, files).source == "runtime.txt"
    (tmp_path / "runtime.txt").unlink()
    assert request_for(tmp_path, {}).source == "uv.lock"
    (tmp_path / "uv.lock").unlink()
    assert request_for(tmp_path, {}).source == "pyproject.toml"


def test_line_numbers_are_kept(tmp_path: Path) -> None:
    request = request_for(tmp_path, {".python-version": "\n# comment\n3.13\n"})
    assert request.line == 3 and request.kind is RequestKind.MINOR


@pytest.mark.parametrize("content", ["3", "three", "3.12.x", "python3.12", "system", "3.12rc1"])
def test_bad_python_version_file(tmp_path: Path, content: str) -> None:
    with pytest.raises(InvalidVersionFile) as err:
        request_for(tmp_path, {".python-version": content + "\n"})
    assert err.value.path == ".python-version" and err.value.line == 1


def test_multiple_versions_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidVersionFile) as err:
        request_for(tmp_path, {".python-version": "3.12\n3.13\n"})
    assert err.value.reason == "multiple" and err.value.line == 2


def test_empty_version_file_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidVersionFile) as err:
        request_for(tmp_path, {".python-version": "\n# only a comment\n"})
    assert err.value.reason == "empty"


def test_bad_constraint_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidPythonVersion) as err:
        request_for(tmp_path, {"pyproject.toml": '[project]\nrequires-python = ">>3.12"\n'})
    assert err.value.source == "pyproject.toml" and err.value.line == 2


def test_unknown_version_lists_available(tmp_path: Path) -> None:
    request = request_for(tmp_path, {".python-version": "3.9"})
    with pytest.raises(UnknownPythonVersion) as err:
        resolve(request, catalog(), "amd64")
    assert "3.12.8" in err.value.available and err.value.requested == "3.9"


def test_unknown_exact_patch(tmp_path: Path) -> None:
    request = request_for(tmp_path, {".python-version": "3.12.99"})
    with pytest.raises(UnknownPythonVersion):
        resolve(request, catalog(), "amd64")


def test_default_minor_missing_from_operator_catalog(tmp_path: Path) -> None:
    _request, version = resolve(None, catalog("3.14", ["3.12.1", "3.13.0"]), "amd64")
    assert version == Version("3.13.0")


def plan_for(tmp_path: Path, files: dict[str, str], env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    from pybuildpack.analysis.analyze import analyze

    for name, text in {"main.py": "", **files}.items():
        (tmp_path / name).write_text(text)
    return analyze(tmp_path, Settings.from_env(env or {}), catalog(), "amd64")


def test_conflicting_version_files_warn_with_both_values(tmp_path: Path) -> None:
    from pybuildpack.messages import version_conflict

    plan = plan_for(tmp_path, {".python-version": "3.12\n", "runtime.txt": "python-3.13.1\n"})
    assert str(plan.python_version) == "3.12.8"
    [other] = plan.python_conflicts
    assert (other.source, other.raw.strip()) == ("runtime.txt", "python-3.13.1")
    title, body = version_conflict(
        ".python-version", "3.12", "runtime.txt", "python-3.13.1", "3.12.8"
    )
    assert title == "runtime.txt asks for another Python than .python-version"
    assert "'3.12' and wins: CPython 3.12.8" in body and "'python-3.13.1'" in body


def test_agreeing_or_looser_sources_do_not_warn(tmp_path: Path) -> None:
    files = {
        ".python-version": "3.13\n",
        "runtime.txt": "python-3.13\n",
        "requirements.txt": "",
        "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.11"\n',
    }
    assert plan_for(tmp_path, files).python_conflicts == ()


def test_requires_python_that_excludes_the_winner_warns(tmp_path: Path) -> None:
    files = {
        ".python-version": "3.12\n",
        "requirements.txt": "",
        "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.13"\n',
    }
    [other] = plan_for(tmp_path, files).python_conflicts
    assert other.source == "pyproject.toml"


def test_a_broken_file_after_the_winner_is_not_an_error(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, {".python-version": "3.12\n", "runtime.txt": "python three\n"})
    assert str(plan.python_version) == "3.12.8" and plan.python_conflicts == ()
    (tmp_path / ".python-version").unlink()
    with pytest.raises(InvalidVersionFile):  # the same file, when it is the one that decides
        request_for(tmp_path, {})


# --- another buildpack's requirement (the buildpack plan) ---------------------------------------


def plan_request(tmp_path: Path, files: dict[str, str], entries, env=None):  # type: ignore[no-untyped-def]
    from pybuildpack.cnb.plan import PlanEntry

    for name, text in files.items():
        (tmp_path / name).write_text(text)
    plan = [PlanEntry(name, metadata) for name, metadata in entries]
    return read_request(Project(tmp_path), Settings.from_env(env or {}), plan)


POLICY = [
    ("site-packages", {}),
    ("cpython", {"build": True}),  # ours: no version
    ("cpython", {"version": "3.12", "version-source": "policy.toml"}),
]


def test_buildpack_plan_version_is_used_and_named(tmp_path: Path) -> None:
    request = plan_request(tmp_path, {"requirements.txt": ""}, POLICY)
    assert (request.source, request.specifier) == ("buildpack plan (policy.toml)", "3.12")
    assert str(resolve(request, catalog(), "amd64")[1]) == "3.12.8"


def test_buildpack_plan_takes_paketo_style_constraints(tmp_path: Path) -> None:
    request = plan_request(tmp_path, {}, [("cpython", {"version": "3.13.*"})])
    assert request.source == "buildpack plan"
    assert str(resolve(request, catalog(), "amd64")[1]) == "3.13.5"


@pytest.mark.parametrize(
    ("files", "env", "source"),
    [
        ({}, {"BP_CPYTHON_VERSION": "3.11"}, "BP_CPYTHON_VERSION"),
        ({}, {"PYTHON_VERSION": "3.11"}, "PYTHON_VERSION"),
        ({".python-version": "3.11\n"}, {}, ".python-version"),
        ({"runtime.txt": "python-3.11.14\n"}, {}, "runtime.txt"),
    ],
)
def test_explicit_requests_beat_the_buildpack_plan(tmp_path: Path, files, env, source) -> None:  # type: ignore[no-untyped-def]
    assert plan_request(tmp_path, files, POLICY, env).source == source


def test_buildpack_plan_beats_inferred_ranges(tmp_path: Path) -> None:
    files = {"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.11"\n'}
    assert plan_request(tmp_path, files, POLICY).source == "buildpack plan (policy.toml)"


def test_bad_buildpack_plan_version_names_the_plan(tmp_path: Path) -> None:
    with pytest.raises(InvalidPythonVersion) as err:
        plan_request(tmp_path, {}, [("cpython", {"version": "three", "version-source": "x"})])
    assert (err.value.source, err.value.value) == ("buildpack plan (x)", "three")
