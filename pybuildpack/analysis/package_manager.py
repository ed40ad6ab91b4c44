"""Which package manager installs the app, from the files it brings (the seeds' precedence)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from pybuildpack.analysis.project import Project


class PackageManager(Enum):
    UV = "uv"
    PIP = "pip"
    PIPENV = "pipenv"
    POETRY = "poetry"
    PDM = "pdm"
    NONE = "none"


@dataclass(frozen=True)
class ManagerChoice:
    manager: PackageManager
    files: tuple[str, ...]  # the files it installs from
    reason: str  # for the log and `pybuildpack plan`
    ignored: tuple[str, ...] = ()  # files of other managers that were present


def _has_table(project: Project, *keys: str) -> bool:
    node: object = project.pyproject
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True


def _candidates(project: Project) -> list[tuple[PackageManager, tuple[str, ...]]]:
    """Every manager the files point at, most specific first."""
    found: list[tuple[PackageManager, tuple[str, ...]]] = []
    has_pyproject = project.exists("pyproject.toml")
    if project.exists("uv.lock"):
        found.append((PackageManager.UV, ("pyproject.toml", "uv.lock")))
    if project.exists("requirements.txt"):
        found.append((PackageManager.PIP, ("requirements.txt",)))
    if project.exists("Pipfile.lock") or project.exists("Pipfile"):
        found.append(
            (
                PackageManager.PIPENV,
                tuple(f for f in ("Pipfile", "Pipfile.lock") if project.exists(f)),
            )
        )
    if project.exists("poetry.lock"):
        found.append((PackageManager.POETRY, ("pyproject.toml", "poetry.lock")))
    if project.exists("pdm.lock"):
        found.append((PackageManager.PDM, ("pyproject.toml", "pdm.lock")))
    if has_pyproject and not found:
        if _has_table(project, "tool", "poetry"):
            found.append((PackageManager.POETRY, ("pyproject.toml",)))
        elif _has_table(project, "project") or _has_table(project, "build-system"):
            found.append((PackageManager.PIP, ("pyproject.toml",)))
    if not found:
        setup = tuple(f for f in ("setup.py", "setup.cfg") if project.exists(f))
        if setup:
            found.append((PackageManager.PIP, setup))
    return found


_SELF = re.compile(r"^(-e|--editable)?\s*\.(\[[^\]]*\])?/?$")


def installs_project(project: Project, choice: ManagerChoice) -> bool:
    """Whether the install puts the project itself (and so its scripts) into the venv."""
    tool = project.pyproject.get("tool", {})
    tool = tool if isinstance(tool, dict) else {}
    packaged = _has_table(project, "build-system")
    match choice.manager:
        case PackageManager.PIP:
            if "requirements.txt" not in choice.files:
                return True  # pip install --editable .
            text = project.text("requirements.txt") or ""
            return any(_SELF.match(line.strip()) for line in text.splitlines())
        case PackageManager.UV:
            uv = tool.get("uv", {})
            package = uv.get("package") if isinstance(uv, dict) else None
            return package if isinstance(package, bool) else packaged
        case PackageManager.POETRY:
            poetry = tool.get("poetry", {})
            return not (isinstance(poetry, dict) and poetry.get("package-mode") is False)
        case PackageManager.PDM:
            pdm = tool.get("pdm", {})
            distribution = pdm.get("distribution") if isinstance(pdm, dict) else None
            return distribution if isinstance(distribution, bool) else packaged
    return False


def choose(project: Project, override: str | None = None) -> ManagerChoice:
    """The manager whose files come first (uv, Poetry, PDM, pipenv, pip...), or `override`.

    `override` is BP_PYTHON_PACKAGE_MANAGER (checked against the managers' names in
    pybuildpack.settings).
    """
    candidates = _candidates(project)
    if override:
        wanted = PackageManager(override)
        files = next((f for m, f in candidates if m is wanted), ())
        others = tuple(f for m, fs in candidates if m is not wanted for f in fs if f not in files)
        return ManagerChoice(wanted, files, "BP_PYTHON_PACKAGE_MANAGER", others)
    if not candidates:
        return ManagerChoice(PackageManager.NONE, (), "no dependency files")
    manager, files = candidates[0]
    ignored = tuple(sorted({f for _, fs in candidates[1:] for f in fs if f not in files}))
    return ManagerChoice(manager, files, " and ".join(files), ignored)
