"""Every setting the buildpack reads, in one place: typed, validated and defaulted once.

The settings a user can give are declared in buildpack.toml `[[metadata.configurations]]`
(name, default, description); `Settings.from_env` reads exactly those from the build env
(platform env files over the process env), with their defaults from that table, and the
rest of the buildpack takes a `Settings`, never an env mapping. Tool versions default to
`[metadata.default-versions]` through the dependency catalog (an operator's catalog can
change them), so a user's `BP_<TOOL>_VERSION` is kept here only when it is set.

Shared variables are lenient where other buildpacks on a builder share them
(`BP_LOG_LEVEL`: any value; DEBUG turns debug output on, as in Paketo's libpak), strict where
they are ours (a bad `BP_PYTHON_ENTRYPOINT_CHECK` fails the build). A `BP_*` variable that is
not ours but looks like one of ours (or any unknown `BP_PYTHON_*`) gets a warning naming the
closest setting.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import Version

from pybuildpack.dependencies.mirrors import (
    DEPENDENCY_MIRROR,
    check_mirror,
    hostname_from_env_suffix,
)
from pybuildpack.errors import InvalidConfig

BUILDPACK_TOML = Path(__file__).resolve().parents[1] / "buildpack.toml"

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"", "0", "false", "no", "off"})

# Set anywhere in the build env (platform env or the process env the lifecycle gives), these
# would send installs somewhere other than the venv layer, or change how the build's Python
# runs. Heroku's Python CNB list (src/checks.rs) is the floor; the buildpack sets the cache
# and project variables itself for the tools it runs.
FORBIDDEN = (
    "PIP_CACHE_DIR",
    "PIP_PREFIX",
    "PIP_PYTHON",
    "PIP_ROOT",
    "PIP_TARGET",
    "PIP_USER",
    "POETRY_CACHE_DIR",
    "POETRY_DATA_DIR",
    "POETRY_HOME",
    "POETRY_VIRTUALENVS_CREATE",
    "POETRY_VIRTUALENVS_IN_PROJECT",
    "POETRY_VIRTUALENVS_OPTIONS_SYSTEM_SITE_PACKAGES",
    "POETRY_VIRTUALENVS_PATH",
    "POETRY_VIRTUALENVS_PREFER_ACTIVE_PYTHON",
    "POETRY_VIRTUALENVS_USE_POETRY_PYTHON",
    "PYTHONHOME",
    "PYTHONINSPECT",
    "PYTHONNOUSERSITE",
    "PYTHONPLATLIBDIR",
    "PYTHONUSERBASE",
    "UV_CACHE_DIR",
    "UV_NO_MANAGED_PYTHON",
    "UV_PROJECT",
    "UV_PROJECT_ENVIRONMENT",
    "UV_PYTHON",
    "UV_PYTHON_DOWNLOADS",
    "UV_PYTHON_PREFERENCE",
    "UV_SYSTEM_PYTHON",
    "PDM_HOME",
    "PIPENV_VENV_IN_PROJECT",
    "PIPENV_CUSTOM_VENV_NAME",
    "VIRTUAL_ENV",
)

# Set in the build env, these point the installers at a package index of the user's own (or
# at index credentials): then the package-manager tool is downloaded the way the installers
# download, through pip with these settings, not from the buildpack's catalog (PyPI's files).
# NETRC and PIP_CONFIG_FILE also come from `netrc` / `pip-config` bindings
# (installers.credentials.index_env).
PACKAGE_INDEX_VARIABLES = (
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "PIP_NO_INDEX",
    "PIP_CONFIG_FILE",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_INDEX",
    "UV_FIND_LINKS",
    "NETRC",
)

# BP_PYTHON_SERVER: "auto" provides gunicorn/uvicorn for an app object with no server among its
# dependencies; "none" never does.
PYTHON_SERVERS = ("auto", "none")
ENTRYPOINT_CHECKS = {"": "static", "on": "static", "true": "static", "false": "off", "0": "off"}
# The package managers BP_PYTHON_PACKAGE_MANAGER may name (analysis.package_manager's values).
PACKAGE_MANAGERS = ("pip", "uv", "poetry", "pipenv", "pdm", "none")
# Each package manager's tool and the variable that picks its version.
TOOL_VERSION_VARIABLES = {
    "pip": "BP_PIP_VERSION",
    "uv": "BP_UV_VERSION",
    "poetry": "BP_POETRY_VERSION",
    "pipenv": "BP_PIPENV_VERSION",
    "pdm": "BP_PDM_VERSION",
}
# Variables with a free-form suffix (BP_DEPENDENCY_MIRROR_<HOSTNAME>).
_PATTERNS = ("BP_DEPENDENCY_MIRROR_",)


@dataclass(frozen=True)
class Configuration:
    """One `[[metadata.configurations]]` entry of buildpack.toml."""

    name: str
    default: str = ""
    description: str = ""
    build: bool = True
    launch: bool = False


@functools.cache
def load_configurations(buildpack_toml: Path = BUILDPACK_TOML) -> tuple[Configuration, ...]:
    """The settings buildpack.toml declares (read once per process)."""
    with buildpack_toml.open("rb") as handle:
        data = tomllib.load(handle)
    entries = data.get("metadata", {}).get("configurations", [])
    return tuple(
        Configuration(
            name=str(entry["name"]),
            default=str(entry.get("default", "")),
            description=str(entry.get("description", "")),
            build=bool(entry.get("build", True)),
            launch=bool(entry.get("launch", False)),
        )
        for entry in entries
    )


@dataclass(frozen=True)
class Setting:
    """A value a user gave, with the variable it came from (for messages and the log)."""

    name: str
    value: str


def debug_enabled(env: Mapping[str, str]) -> bool:
    """`BP_LOG_LEVEL=DEBUG` (any case); before the settings are read, e.g. for a crash."""
    return env.get("BP_LOG_LEVEL", "").strip().upper() == "DEBUG"


class _Reader:
    """Reads declared variables only; the defaults are buildpack.toml's."""

    def __init__(self, env: Mapping[str, str], declared: tuple[Configuration, ...]) -> None:
        self.env = env
        self.declared = {c.name: c for c in declared}

    def raw(self, name: str) -> str | None:
        """The variable's value when it is set (even empty), else None."""
        if name not in self.declared:
            raise KeyError(f"{name} is not declared in buildpack.toml [[metadata.configurations]]")
        return self.env.get(name)

    def text(self, name: str) -> str:
        """The value, stripped; the declared default when unset or blank."""
        value = (self.raw(name) or "").strip()
        return value or self.declared[name].default.strip()

    def first(self, *names: str) -> Setting | None:
        """The first of `names` that is set to something other than blanks."""
        for name in names:
            value = (self.raw(name) or "").strip()
            if value:
                return Setting(name, value)
        return None

    def flag(self, name: str) -> bool:
        value = self.text(name).lower()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise InvalidConfig(name, self.raw(name) or "", "true or false")

    def version(self, name: str, example: str) -> str | None:
        value = (self.raw(name) or "").strip() or None
        if value is not None:
            try:
                Version(value)
            except ValueError as exc:  # InvalidVersion, or a number past int-str limits
                raise InvalidConfig(name, value, f"a release such as {example}") from exc
        return value


def _distance(a: str, b: str) -> int:
    """Edit distance (insert, delete, substitute, swap two neighbours)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def _closest(name: str, names: list[str]) -> str | None:
    """The declared name a typo most likely meant: at most one edit per 8 characters."""
    best = min(names, key=lambda n: (_distance(name, n), n))
    return best if _distance(name, best) <= max(1, len(name) // 8) else None


def _unknown_variables(
    env: Mapping[str, str], declared: tuple[Configuration, ...]
) -> tuple[tuple[str, str | None], ...]:
    """(name, closest declared name) for BP_* variables that look like ours but are not."""
    names = [c.name for c in declared if "<" not in c.name]
    found: list[tuple[str, str | None]] = []
    for key in sorted(env):
        if not key.startswith("BP_") or key in names or key.startswith(_PATTERNS):
            continue
        close = _closest(key, names)
        if close or key.startswith(("BP_PYTHON_", "BP_CPYTHON_")):
            found.append((key, close))
    return tuple(found)


@dataclass(frozen=True)
class Settings:
    debug: bool = False
    log_level: str = "INFO"
    # BP_CPYTHON_VERSION, else PYTHON_VERSION (the seeds' name)
    python_version: Setting | None = None
    # BP_<TOOL>_VERSION the user set (tool -> version); None: the catalog's default
    tool_versions: tuple[tuple[str, str], ...] = ()
    # the declared defaults of BP_<TOOL>_VERSION (buildpack.toml keeps them equal to
    # [metadata.default-versions]; an operator's catalog can change the latter)
    tool_defaults: tuple[tuple[str, str], ...] = ()
    package_manager: str | None = None  # BP_PYTHON_PACKAGE_MANAGER
    run_command: Setting | None = None  # BP_RUN_COMMAND, else RUN_COMMAND
    live_reload: bool = False  # BP_LIVE_RELOAD_ENABLED
    disable_collectstatic: bool = False  # BP_DISABLE_COLLECTSTATIC or DISABLE_COLLECTSTATIC
    entrypoint_check: str = "static"  # "static", "import" or "off"
    python_server: str = "auto"  # BP_PYTHON_SERVER: "auto" or "none"
    require_web_process: bool = True  # BP_PYTHON_REQUIRE_WEB_PROCESS
    system_packages: str = ""  # BP_SYSTEM_PACKAGES, as given (analysis parses it)
    system_packages_mirror: str | None = None
    system_packages_security_mirror: str | None = None
    dependency_mirror: str | None = None  # BP_DEPENDENCY_MIRROR
    # BP_DEPENDENCY_MIRROR_<HOSTNAME> (hostname -> mirror)
    dependency_mirror_hosts: tuple[tuple[str, str], ...] = ()
    django_settings_module: str = ""
    # variables that would send the install elsewhere, found set in the build env
    forbidden: tuple[str, ...] = ()
    # PACKAGE_INDEX_VARIABLES found set (not blank) in the build env: the user's own index
    package_indexes: tuple[str, ...] = ()
    # (name, closest declared name) of BP_* variables that look like ours but are not
    unknown: tuple[tuple[str, str | None], ...] = field(default_factory=tuple)

    def tool_version(self, tool: str) -> str | None:
        """The user's version of a package manager's tool; None: the catalog's default."""
        return dict(self.tool_versions).get(tool)

    def tool_default(self, tool: str) -> str | None:
        """The declared default of the tool's BP_<TOOL>_VERSION."""
        return dict(self.tool_defaults).get(tool)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str], declared: tuple[Configuration, ...] | None = None
    ) -> Settings:
        """Read and check every declared setting; raises InvalidConfig on a bad value."""
        declared = load_configurations() if declared is None else declared
        read = _Reader(env, declared)
        level = read.text("BP_LOG_LEVEL").upper() or "INFO"
        check = read.text("BP_PYTHON_ENTRYPOINT_CHECK").lower()
        check = ENTRYPOINT_CHECKS.get(check, check)
        if check not in {"static", "import", "off"}:
            raise InvalidConfig(
                "BP_PYTHON_ENTRYPOINT_CHECK",
                read.raw("BP_PYTHON_ENTRYPOINT_CHECK") or "",
                "static, import or off",
            )
        manager = read.text("BP_PYTHON_PACKAGE_MANAGER").lower() or None
        if manager is not None and manager not in PACKAGE_MANAGERS:
            raise InvalidConfig(
                "BP_PYTHON_PACKAGE_MANAGER", manager, "one of " + ", ".join(PACKAGE_MANAGERS)
            )
        server = read.text("BP_PYTHON_SERVER").lower() or "auto"
        if server not in PYTHON_SERVERS:
            raise InvalidConfig(
                "BP_PYTHON_SERVER", read.raw("BP_PYTHON_SERVER") or "", "auto or none"
            )
        run_command = None
        for name in ("BP_RUN_COMMAND", "RUN_COMMAND"):
            raw = read.raw(name)
            if raw is not None:
                if not raw.strip():
                    raise InvalidConfig(name, raw, "a command line, e.g. 'gunicorn app:app'")
                run_command = Setting(name, raw.strip())
                break
        tools = tuple(
            (tool, version)
            for tool, name in TOOL_VERSION_VARIABLES.items()
            if (version := read.version(name, f"{tool} {read.declared[name].default}"))
        )
        mirror = read.text(DEPENDENCY_MIRROR) or None
        hosts = tuple(
            sorted(
                (hostname_from_env_suffix(key[len(DEPENDENCY_MIRROR) + 1 :]), check_mirror(key, v))
                for key, v in env.items()
                if key.startswith(DEPENDENCY_MIRROR + "_")
                and len(key) > len(DEPENDENCY_MIRROR) + 1
                and v.strip()
            )
        )
        return cls(
            debug=level == "DEBUG",
            log_level=level,
            python_version=read.first("BP_CPYTHON_VERSION", "PYTHON_VERSION"),
            tool_versions=tools,
            tool_defaults=tuple(
                (tool, read.declared[name].default)
                for tool, name in TOOL_VERSION_VARIABLES.items()
                if read.declared[name].default
            ),
            package_manager=manager,
            run_command=run_command,
            live_reload=read.flag("BP_LIVE_RELOAD_ENABLED"),
            disable_collectstatic=read.flag("DISABLE_COLLECTSTATIC")
            or read.flag("BP_DISABLE_COLLECTSTATIC"),
            entrypoint_check=check,
            python_server=server,
            require_web_process=read.flag("BP_PYTHON_REQUIRE_WEB_PROCESS"),
            system_packages=read.raw("BP_SYSTEM_PACKAGES") or "",
            system_packages_mirror=read.text("BP_SYSTEM_PACKAGES_MIRROR").rstrip("/") or None,
            system_packages_security_mirror=(
                read.text("BP_SYSTEM_PACKAGES_SECURITY_MIRROR").rstrip("/") or None
            ),
            dependency_mirror=check_mirror(DEPENDENCY_MIRROR, mirror) if mirror else None,
            dependency_mirror_hosts=hosts,
            django_settings_module=read.text("DJANGO_SETTINGS_MODULE"),
            forbidden=tuple(name for name in FORBIDDEN if env.get(name)),
            package_indexes=tuple(
                name for name in PACKAGE_INDEX_VARIABLES if env.get(name, "").strip()
            ),
            unknown=_unknown_variables(env, declared),
        )
