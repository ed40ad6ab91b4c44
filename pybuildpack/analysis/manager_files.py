"""The package manager's files, checked before anything is installed (plan fails on them too).

A lock without its manifest, a `[project]` without a name, a lock that does not parse, a
Pipfile.lock whose `_meta.hash` does not match the Pipfile (computed as pipenv does), a
poetry.lock written by a Poetry newer than the one the build runs: each is a typed error
from the analysis, so `pybuildpack plan` and a build fail on the same inputs, in the first
second.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from pybuildpack.analysis.package_manager import ManagerChoice, PackageManager
from pybuildpack.analysis.project import Project
from pybuildpack.errors import (
    EmptyPyproject,
    IncompatibleLockFile,
    InvalidJson,
    MissingManifest,
    MissingProjectName,
    PipfileLockHashMismatch,
    UnsatisfiedToolRequirement,
)

# poetry.lock `lock-version` majors each Poetry major reads (a newer minor only warns).
READABLE_LOCK_MAJORS = {1: (1, 2), 2: (1, 2)}
# plette's Pipfile sections that are not package categories
SECTIONS = frozenset({"source", "packages", "dev-packages", "requires", "scripts", "pipfile"})
DEFAULT_SOURCE = {"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}
# (lock, manifest) pairs: a lock is useless without the file it was made from
_MANIFESTS = {
    PackageManager.UV: ("uv.lock", "pyproject.toml"),
    PackageManager.POETRY: ("poetry.lock", "pyproject.toml"),
    PackageManager.PDM: ("pdm.lock", "pyproject.toml"),
    PackageManager.PIPENV: ("Pipfile.lock", "Pipfile"),
}


@dataclass(frozen=True)
class LockFacts:
    """What the checks learnt that the install needs."""

    poetry_lock_version: str | None = None


def require_manifest(project: Project, lock: str, manifest: str) -> None:
    if project.exists(lock) and not project.exists(manifest):
        raise MissingManifest(lock, manifest)


PROJECT_TABLES = ("[project]", "[build-system]", "[tool.poetry]")


def require_project_tables(project: Project) -> None:
    """A pyproject.toml that no manager can use, alone: an error, as on Heroku, rather than an
    image with nothing installed. (With requirements.txt it is just tool configuration.)"""
    data = project.toml("pyproject.toml")
    if data is None:
        return
    found = [f"[{key}]" for key, value in data.items() if isinstance(value, dict)]
    tool = data.get("tool")
    if isinstance(tool, dict):
        found = [f for f in found if f != "[tool]"]
        found += [f"[tool.{key}]" for key, value in tool.items() if isinstance(value, dict)]
    raise EmptyPyproject("pyproject.toml", list(PROJECT_TABLES), found)


def require_project_name(project: Project) -> None:
    """A `[project]` table must name the project (PEP 621): every tool refuses it otherwise."""
    data = project.toml("pyproject.toml") or {}
    table = data.get("project")
    if isinstance(table, dict) and not (isinstance(table.get("name"), str) and table["name"]):
        line = None
        for number, text in enumerate((project.text("pyproject.toml") or "").splitlines(), 1):
            if text.strip() == "[project]":
                line = number
                break
        raise MissingProjectName("pyproject.toml", line)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pipfile_hash(pipfile: dict[str, Any]) -> str:
    """The `_meta.hash.sha256` that the pipenv we run (buildpack.toml default-versions, 2026.x)
    expects for this Pipfile: `Pipfile.calculate_hash()` in pipenv/utils/pipfile.py, which is
    plette's `get_hash()` with every package name in [packages], [dev-packages] and custom
    categories canonicalized (PEP 503). pipenv --deploy refuses any other value, so the older
    plette hash (names as written) is refused here too."""
    data = dict(pipfile)
    if "source" not in data:
        data = {"source": [DEFAULT_SOURCE], **data}

    def names(section: object) -> object:
        if not isinstance(section, dict):
            return section
        return {_canonical(k): v for k, v in section.items()}

    body: dict[str, Any] = {
        "_meta": {"sources": data.get("source", {}), "requires": data.get("requires", {})},
        "default": names(data.get("packages", {})),
        "develop": names(data.get("dev-packages", {})),
    }
    for category, values in data.items():
        if category in SECTIONS or category in {"default", "develop", "pipenv"}:
            continue
        body[category] = names(values)
    content = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _check_pipfile_lock(project: Project) -> None:
    pipfile = project.toml("Pipfile") or {}
    lock = project.json("Pipfile.lock")
    meta = lock.get("_meta") if isinstance(lock, dict) else None
    hash_table = meta.get("hash") if isinstance(meta, dict) else None
    recorded = hash_table.get("sha256") if isinstance(hash_table, dict) else None
    if not isinstance(recorded, str):
        raise InvalidJson("Pipfile.lock", None, "it has no _meta.hash.sha256")
    expected = pipfile_hash(pipfile)
    if recorded != expected:
        raise PipfileLockHashMismatch(recorded, expected)


def _major(version: str) -> int:
    try:
        return Version(version).major
    except InvalidVersion:
        return 2


def poetry_lock_version(project: Project) -> str | None:
    data = project.toml("poetry.lock") or {}
    metadata = data.get("metadata")
    raw = metadata.get("lock-version") if isinstance(metadata, dict) else None
    return str(raw) if raw is not None else None


def check_poetry_lock(lock_version: str | None, tool_version: str) -> None:
    """A lock written by a newer Poetry than the one we run fails clearly, up front."""
    if lock_version is None:
        return
    try:
        lock_major = Version(lock_version).major
    except InvalidVersion:
        lock_major = -1
    readable = READABLE_LOCK_MAJORS.get(_major(tool_version), (1, 2))
    if lock_major not in readable:
        raise IncompatibleLockFile(
            "poetry.lock",
            lock_version,
            "Poetry",
            tool_version,
            ", ".join(f"{m}.x" for m in readable),
            "BP_POETRY_VERSION",
        )


# Poetry releases the build may pick for `requires-poetry` when the default does not satisfy
# it: the newest patch of each minor since 1.8 (PyPI), newest first.
POETRY_RELEASES = ("2.5.1", "2.4.3", "2.3.4", "2.2.1", "2.1.4", "2.0.1", "1.8.5")
REQUIRES_POETRY = "pyproject.toml [tool.poetry] requires-poetry"


@dataclass(frozen=True)
class ToolChoice:
    version: str
    reason: str = ""  # said in the log when a project requirement chose it


def choose_poetry(project: Project, user_version: str | None, default: str) -> ToolChoice:
    """The Poetry to run: BP_POETRY_VERSION, else the default, else the newest known release
    that satisfies `requires-poetry` (Poetry 2's own check, made before anything runs)."""
    tool = project.pyproject.get("tool", {})
    poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
    raw = poetry.get("requires-poetry") if isinstance(poetry, dict) else None
    if raw is None:
        return ToolChoice(user_version or default)
    try:
        spec = SpecifierSet(str(raw))
    except InvalidSpecifier as exc:
        raise UnsatisfiedToolRequirement(
            "Poetry", str(raw), REQUIRES_POETRY, "BP_POETRY_VERSION", invalid=True
        ) from exc
    if user_version is not None:
        if not spec.contains(user_version, prereleases=True):
            raise UnsatisfiedToolRequirement(
                "Poetry", str(raw), REQUIRES_POETRY, "BP_POETRY_VERSION", chosen=user_version
            )
        return ToolChoice(user_version)
    if spec.contains(default, prereleases=True):
        return ToolChoice(default)
    for release in POETRY_RELEASES:
        if spec.contains(release):
            return ToolChoice(release, f"requires-poetry {raw} in pyproject.toml: Poetry {release}")
    raise UnsatisfiedToolRequirement("Poetry", str(raw), REQUIRES_POETRY, "BP_POETRY_VERSION")


def check_manager_files(
    project: Project, choice: ManagerChoice, tool_version: str | None
) -> LockFacts:
    """Parse and check the chosen manager's files; raises the typed error of the first fault."""
    manager = choice.manager
    if manager is PackageManager.NONE:
        if choice.reason != "BP_PYTHON_PACKAGE_MANAGER":
            require_project_tables(project)
        return LockFacts()
    if manager in _MANIFESTS:
        require_manifest(project, *_MANIFESTS[manager])
    lock_version = None
    match manager:
        case PackageManager.UV:
            project.toml("uv.lock")  # InvalidToml with the line, before uv runs
            require_project_name(project)
        case PackageManager.PDM:
            project.toml("pdm.lock")
            require_project_name(project)
        case PackageManager.POETRY:
            require_project_name(project)
            if "poetry.lock" in choice.files:
                lock_version = poetry_lock_version(project)
                check_poetry_lock(lock_version, tool_version or "")
        case PackageManager.PIPENV:
            project.toml("Pipfile")
            if "Pipfile.lock" in choice.files:
                _check_pipfile_lock(project)
        case PackageManager.PIP:
            if "requirements.txt" not in choice.files and "pyproject.toml" in choice.files:
                require_project_name(project)
    return LockFacts(poetry_lock_version=lock_version)
