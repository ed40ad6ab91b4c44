"""pybuildpack.settings: every declared setting, its default from buildpack.toml, its checks."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pybuildpack import messages
from pybuildpack.errors import InvalidConfig
from pybuildpack.settings import TOOL_VERSION_VARIABLES, Settings, load_configurations

BUILDPACK_TOML = Path(__file__).resolve().parents[1] / "buildpack.toml"


def test_tool_defaults_match_default_versions() -> None:
    """One source: the configurations' defaults are buildpack.toml's default-versions."""
    data = tomllib.loads(BUILDPACK_TOML.read_text(encoding="utf-8"))
    defaults = data["metadata"]["default-versions"]
    declared = {c.name: c.default for c in load_configurations(BUILDPACK_TOML)}
    for tool, variable in TOOL_VERSION_VARIABLES.items():
        assert declared[variable] == defaults[tool], variable
    settings = Settings.from_env({})
    assert settings.tool_default("poetry") == defaults["poetry"]
    assert settings.tool_version("poetry") is None


@pytest.mark.parametrize("level", ["warn", "WARNING", "trace", "info", ""])
def test_log_level_is_lenient(level: str) -> None:
    """BP_LOG_LEVEL is shared by every buildpack on a builder: no value is an error."""
    assert Settings.from_env({"BP_LOG_LEVEL": level}).debug is False


def test_log_level_debug() -> None:
    assert Settings.from_env({"BP_LOG_LEVEL": "debug"}).debug is True


def test_defaults_come_from_the_declarations() -> None:
    settings = Settings.from_env({})
    assert settings.entrypoint_check == "static"
    assert settings.disable_collectstatic is False
    assert settings.live_reload is False
    assert settings.python_version is None
    assert settings.run_command is None


def test_bp_wins_over_the_seed_name() -> None:
    settings = Settings.from_env(
        {"PYTHON_VERSION": "3.12", "BP_CPYTHON_VERSION": "3.13", "RUN_COMMAND": "a"}
    )
    assert settings.python_version is not None
    assert (settings.python_version.name, settings.python_version.value) == (
        "BP_CPYTHON_VERSION",
        "3.13",
    )
    assert settings.run_command is not None and settings.run_command.name == "RUN_COMMAND"


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"BP_PYTHON_ENTRYPOINT_CHECK": "maybe"}, "BP_PYTHON_ENTRYPOINT_CHECK"),
        ({"BP_LIVE_RELOAD_ENABLED": "sometimes"}, "BP_LIVE_RELOAD_ENABLED"),
        ({"BP_UV_VERSION": "newest"}, "BP_UV_VERSION"),
        ({"BP_DEPENDENCY_MIRROR": "ftp://x"}, "BP_DEPENDENCY_MIRROR"),
        ({"BP_DEPENDENCY_MIRROR_PYPI_ORG": "x"}, "BP_DEPENDENCY_MIRROR_PYPI_ORG"),
        ({"BP_PYTHON_PACKAGE_MANAGER": "conda"}, "BP_PYTHON_PACKAGE_MANAGER"),
        ({"BP_RUN_COMMAND": "  "}, "BP_RUN_COMMAND"),
    ],
)
def test_bad_values(env: dict[str, str], name: str) -> None:
    with pytest.raises(InvalidConfig) as err:
        Settings.from_env(env)
    assert err.value.name == name


@pytest.mark.parametrize(
    ("name", "closest"),
    [
        ("BP_CPYTHON_VERSON", "BP_CPYTHON_VERSION"),
        ("BP_PYTHON_VERSION", "BP_CPYTHON_VERSION"),
        ("BP_RUN_COMAND", "BP_RUN_COMMAND"),
        ("BP_PYTHON_SOMETHING", None),
    ],
)
def test_misspelled_settings_warn(name: str, closest: str | None) -> None:
    settings = Settings.from_env({name: "x"})
    assert settings.unknown == ((name, closest),)
    title, body = messages.unknown_setting(name, closest)
    assert name in title
    assert (closest or "") in body


@pytest.mark.parametrize(
    "name", ["BP_NODE_VERSION", "BP_JVM_VERSION", "BP_DEPENDENCY_MIRROR_GITHUB_COM", "BP_IMAGE"]
)
def test_other_buildpacks_settings_do_not_warn(name: str) -> None:
    assert Settings.from_env({name: "https://x"}).unknown == ()


def test_forbidden_variables_are_found() -> None:
    settings = Settings.from_env({"PYTHONHOME": "/x", "PIP_USER": "1", "PIP_TARGET": ""})
    assert settings.forbidden == ("PIP_USER", "PYTHONHOME")


def test_plan_warns_about_a_misspelled_setting(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "requirements.txt").write_text("")
    (tmp_path / "main.py").write_text("")
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pybuildpack", "plan", str(tmp_path)),
            *("--env", "BP_CPYTHON_VERSON=3.12", "--env", "BP_LOG_LEVEL=warn"),
        ],
        capture_output=True,
        text=True,
        cwd=BUILDPACK_TOML.parent,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "BP_CPYTHON_VERSON is not a pybuildpack setting" in result.stdout
    assert "Did you mean BP_CPYTHON_VERSION?" in result.stdout
