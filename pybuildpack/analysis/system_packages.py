"""Which Debian/Ubuntu packages the app needs, from its declared dependencies (no network).

Two lists, both reported by `pybuildpack plan` and installed by `layers/system_packages.py`:

* `launch`: shared libraries the app loads at run time (the launch image gets them);
* `build`: `-dev` packages (headers, `.so` links, `.pc` files, `pg_config`) and pkg-config,
  only for dependencies that pip compiles from source. Binary variants (`psycopg2-binary`,
  `psycopg[binary]`) bundle their libraries and need nothing.

Users add their own names in project.toml::

    [com.pybuildpack.system-packages]
    launch = ["libmagic1"]
    build = ["libmagic-dev"]
    allow-maintainer-scripts = ["some-package"]   # reviewed by you: see the README

or with `BP_SYSTEM_PACKAGES` (launch packages; comma or space separated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pybuildpack.analysis.dependencies import declared_extras
from pybuildpack.analysis.project import Project
from pybuildpack.errors import InvalidConfig

ENV = "BP_SYSTEM_PACKAGES"
PROJECT_FILE = "project.toml"
TABLE = "com.pybuildpack.system-packages"
# Debian policy 5.6.1: lowercase letters, digits, + - . ; at least two characters.
_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")


@dataclass(frozen=True)
class Need:
    launch: tuple[str, ...] = ()
    build: tuple[str, ...] = ()


# The seeds' table (launch), plus what compiling from source needs (build).
MAPPING: dict[str, Need] = {
    "psycopg2": Need(launch=("libpq5",), build=("libpq-dev",)),
    "psycopg": Need(launch=("libpq5",)),  # pure Python: loads libpq with ctypes
    "asyncpg": Need(launch=("libpq5",)),
    "aiopg": Need(launch=("libpq5",)),
    "mysqlclient": Need(launch=("libmariadb3",), build=("libmariadb-dev", "pkg-config")),
    "pymysql": Need(launch=("libmariadb3",)),
    "aiomysql": Need(launch=("libmariadb3",)),
    "aiosqlite": Need(launch=("libsqlite3-0",)),
    "lxml": Need(launch=("libxml2", "libxslt1.1")),
}
# `psycopg[c]` compiles its C implementation against libpq.
_EXTRA_BUILD = {("psycopg", "c"): ("libpq-dev",)}
# These extras install a binary package that bundles the library instead.
_BINARY_EXTRAS = {("psycopg", "binary")}
# ... and so does this package when a lock file lists it next to the pure one.
_BINARY_PACKAGES = {"psycopg": "psycopg-binary"}


@dataclass(frozen=True)
class SystemPackages:
    launch: tuple[str, ...] = ()
    build: tuple[str, ...] = ()
    reasons: tuple[tuple[str, str], ...] = ()  # (package, why), for the log and the plan
    allow_scripts: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.launch or self.build)

    @property
    def requested(self) -> frozenset[str]:
        """Every name asked for (never skipped because an image already has it)."""
        return frozenset(self.launch) | frozenset(self.build)


def _names(source: str, values: object) -> list[str]:
    if isinstance(values, str):
        values = re.split(r"[,\s]+", values)
    if not isinstance(values, list):
        raise InvalidConfig(source, repr(values), "a list of Debian package names")
    names = []
    for value in values:
        name = str(value).strip() if isinstance(value, str) else ""
        if not name and isinstance(value, str):
            continue
        if not _NAME.match(name):
            raise InvalidConfig(
                source, str(value), "Debian package names such as libpq5 (lowercase a-z, 0-9, +-.)"
            )
        names.append(name)
    return names


def _table(project: Project) -> dict[str, Any]:
    data = project.toml(PROJECT_FILE) or {}
    table: Any = data
    for key in ("com", "pybuildpack", "system-packages"):
        table = table.get(key, {}) if isinstance(table, dict) else {}
    return table if isinstance(table, dict) else {}


def plan_system_packages(
    project: Project, declared: frozenset[str], requested: str = ""
) -> SystemPackages:
    """The packages to install for build and launch, each with its reason.

    `requested` is BP_SYSTEM_PACKAGES as the user wrote it (comma or space separated).
    """
    extras = declared_extras(project)
    launch: dict[str, str] = {}
    build: dict[str, str] = {}
    for dependency in sorted(declared):
        need = MAPPING.get(dependency)
        if need is None:
            continue
        wanted = extras.get(dependency, frozenset())
        if any((dependency, extra) in _BINARY_EXTRAS for extra in wanted):
            continue
        if _BINARY_PACKAGES.get(dependency) in declared:
            continue
        for package in need.launch:
            launch.setdefault(package, f"{dependency} loads it at run time")
        for package in need.build:
            build.setdefault(package, f"{dependency} is compiled from source")
        for extra in sorted(wanted):
            for package in _EXTRA_BUILD.get((dependency, extra), ()):
                build.setdefault(package, f"{dependency}[{extra}] is compiled from source")
    table = _table(project)
    where = f"{PROJECT_FILE} [{TABLE}]"
    for package in _names(f"{where} launch", table.get("launch", [])):
        launch.setdefault(package, f"listed in {PROJECT_FILE}")
    for package in _names(f"{where} build", table.get("build", [])):
        build.setdefault(package, f"listed in {PROJECT_FILE}")
    for package in _names(ENV, requested):
        launch.setdefault(package, f"listed in {ENV}")
    allow = _names(f"{where} allow-maintainer-scripts", table.get("allow-maintainer-scripts", []))
    reasons = [(p, f"launch: {why}") for p, why in sorted(launch.items())]
    reasons += [(p, f"build: {why}") for p, why in sorted(build.items())]
    return SystemPackages(
        launch=tuple(sorted(launch)),
        build=tuple(sorted(build)),
        reasons=tuple(reasons),
        allow_scripts=frozenset(allow),
    )
