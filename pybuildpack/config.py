"""The buildpack's settings, read from the environment and validated once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from pybuildpack.errors import ForbiddenEnvironment, InvalidConfig

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"", "0", "false", "no", "off"})

# Set by a user, these would send the install somewhere other than the venv layer.
FORBIDDEN = (
    "PIP_TARGET",
    "PIP_PREFIX",
    "PIP_ROOT",
    "PIP_USER",
    "PYTHONHOME",
    "PYTHONUSERBASE",
    "PIP_PYTHON",
)


ENTRYPOINT_CHECKS = {"": "static", "on": "static", "true": "static", "false": "off", "0": "off"}


def flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise InvalidConfig(name, env[name], "true or false")


# The package managers' tool versions: BP_<TOOL>_VERSION, validated as PEP 440 versions.
TOOL_VERSION_VARIABLES = {
    "pip": ("BP_PIP_VERSION", "26.3"),
    "uv": ("BP_UV_VERSION", "0.13.8"),
    "poetry": ("BP_POETRY_VERSION", "2.5.1"),
    "pipenv": ("BP_PIPENV_VERSION", "2026.10.3"),
    "pdm": ("BP_PDM_VERSION", "2.29.3"),
}


def _tool_version(env: Mapping[str, str], tool: str) -> str | None:
    name, example = TOOL_VERSION_VARIABLES[tool]
    value = env.get(name, "").strip() or None
    if value is not None:
        try:
            Version(value)
        except InvalidVersion as exc:
            raise InvalidConfig(name, value, f"a {tool} release such as {example}") from exc
    return value


@dataclass(frozen=True)
class Settings:
    debug: bool = False
    pip_version: str | None = None  # BP_PIP_VERSION; None means buildpack.toml's default
    disable_collectstatic: bool = False
    # BP_UV_VERSION, BP_POETRY_VERSION, BP_PIPENV_VERSION, BP_PDM_VERSION (tool -> version)
    tool_versions: tuple[tuple[str, str], ...] = ()

    def tool_version(self, tool: str) -> str | None:
        """The user's version of a package manager's tool; None: buildpack.toml's default."""
        if tool == "pip":
            return self.pip_version
        return dict(self.tool_versions).get(tool)

    entrypoint_check: str = "static"  # "static", "import" or "off"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        level = env.get("BP_LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if level not in {"INFO", "DEBUG"}:
            raise InvalidConfig("BP_LOG_LEVEL", env["BP_LOG_LEVEL"], "INFO or DEBUG")
        pip_version = _tool_version(env, "pip")
        tools = tuple(
            (tool, version)
            for tool in ("uv", "poetry", "pipenv", "pdm")
            if (version := _tool_version(env, tool)) is not None
        )
        check = env.get("BP_PYTHON_ENTRYPOINT_CHECK", "").strip().lower()
        check = ENTRYPOINT_CHECKS.get(check, check)
        if check not in {"static", "import", "off"}:
            raise InvalidConfig(
                "BP_PYTHON_ENTRYPOINT_CHECK",
                env["BP_PYTHON_ENTRYPOINT_CHECK"],
                "static, import or off",
            )
        return cls(
            entrypoint_check=check,
            debug=level == "DEBUG",
            pip_version=pip_version,
            tool_versions=tools,
            disable_collectstatic=flag(env, "DISABLE_COLLECTSTATIC")
            or flag(env, "BP_DISABLE_COLLECTSTATIC"),
        )


def check_forbidden(user_env: Mapping[str, str]) -> None:
    """Fail early on user env vars that would break the install (as Heroku's checks do)."""
    found = [name for name in FORBIDDEN if user_env.get(name)]
    if found:
        raise ForbiddenEnvironment(found)
