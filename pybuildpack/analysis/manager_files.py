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

from packaging.version import InvalidVersion, Version

from pybuildpack.analysis.package_manager import ManagerChoice, PackageManager
from pybuildpack.analysis.project import Project
from pybuildpack.errors import (
    IncompatibleLockFile,
    InvalidJson,
    MissingManifest,
    MissingProjectName,
    PipfileLockHashMismatch,
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


def pipfile_hashes(pipfile: dict[str, Any]) -> set[str]:
    """The `_meta.hash.sha256` pipenv writes for this Pipfile: the current algorithm
    (package names canonicalized, pipenv 2024+) and plette's older one (names as written)."""
    data = dict(pipfile)
    if "source" not in data:
        data = {"source": [DEFAULT_SOURCE], **data}
    found = set()
    for normalize in (True, False):

        def names(section: object, normalize: bool = normalize) -> object:
            if not normalize or not isinstance(section, dict):
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
        found.add(hashlib.sha256(content.encode("utf-8")).hexdigest())
    return found


def _check_pipfile_lock(project: Project) -> None:
    pipfile = project.toml("Pipfile") or {}
    lock = project.json("Pipfile.lock")
    meta = lock.get("_meta") if isinstance(lock, dict) else None
    hash_table = meta.get("hash") if isinstance(meta, dict) else None
    recorded = hash_table.get("sha256") if isinstance(hash_table, dict) else None
    if not isinstance(recorded, str):
        raise InvalidJson("Pipfile.lock", None, "it has no _meta.hash.sha256")
    expected = pipfile_hashes(pipfile)
    if recorded not in expected:
        raise PipfileLockHashMismatch(recorded, sorted(expected)[0])


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


def check_manager_files(
    project: Project, choice: ManagerChoice, tool_version: str | None
) -> LockFacts:
    """Parse and check the chosen manager's files; raises the typed error of the first fault."""
    manager = choice.manager
    if manager is PackageManager.NONE:
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
