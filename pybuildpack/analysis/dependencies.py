"""The app's declared dependency names, parsed from its manifests (never substring matches)."""

from __future__ import annotations

import os
import re
from pathlib import PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pybuildpack.analysis.appfiles import inside
from pybuildpack.analysis.project import Project
from pybuildpack.errors import FileOutsideApp
from pybuildpack.errors import InvalidRequirement as BadRequirementLine

_OPTION_WITH_FILE = re.compile(r"^(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)")
_NAME_AND_EXTRAS = re.compile(
    r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*(?=$|[<>=!~@;,(\s])"
)
_EGG = re.compile(r"#egg=([A-Za-z0-9._-]+)")


def requirement_files(project: Project, name: str = "requirements.txt") -> list[str]:
    """`name` and every file it includes with -r/-c, relative to the app dir, in order.

    An include that is not a path inside the app (absolute, `..` out of it, a variable pip
    would expand, a symbolic link out) is refused here, before pip would read it.
    """
    seen: list[str] = []
    pending = [name]  # iterative: a chain of thousands of includes is no RecursionError
    while pending:
        rel = pending.pop(0)
        if rel in seen or not project.exists(rel):
            continue
        seen.append(rel)
        for number, line in enumerate((project.text(rel) or "").splitlines(), start=1):
            match = _OPTION_WITH_FILE.match(line.strip())
            if not match:
                continue
            target = match.group(2)
            if "://" in target:
                continue  # pip fetches URLs itself; nothing of the build's disk
            if "\0" in target:
                raise BadRequirementLine(
                    rel, number, line, "The included file name contains a NUL character."
                )
            included = os.path.normpath(str(PurePosixPath(rel).parent / target))
            if (
                "$" in target
                or target.startswith(("/", "~"))
                or not inside(project.app_dir, included)
            ):
                raise FileOutsideApp(target, referenced_by=f"{rel}, line {number}")
            pending.append(included)
    return seen


def logical_lines(text: str) -> list[str]:
    """pip's view of a requirements file: `\\` continuations joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append((pending + line).strip())
        pending = ""
    if pending.strip():
        lines.append(pending.strip())
    return lines


def _from_requirements(project: Project, extras: dict[str, set[str]] | None = None) -> set[str]:
    names: set[str] = set()
    for rel in requirement_files(project):
        for logical in logical_lines(project.text(rel) or ""):
            line = re.split(r"\s--?[A-Za-z]", logical, maxsplit=1)[0].strip()
            if not line or line.startswith("#"):
                continue
            egg = _EGG.search(line)
            if egg:
                names.add(canonicalize_name(egg.group(1)))
                continue
            if line.startswith("-"):
                continue
            # the name and extras only (packaging's full parse costs 50 us a line: a
            # 16 MB requirements file would take minutes); pip reports its own syntax errors
            match = _NAME_AND_EXTRAS.match(line)
            if match is None:
                continue
            name = canonicalize_name(match.group(1))
            names.add(name)
            if extras is not None and match.group(2):
                extras.setdefault(name, set()).update(
                    canonicalize_name(e.strip()) for e in match.group(2).split(",") if e.strip()
                )
    return names


def _from_pyproject(project: Project, extras: dict[str, set[str]] | None = None) -> set[str]:
    names: set[str] = set()
    data = project.pyproject
    table = data.get("project", {})
    for entry in table.get("dependencies", []) if isinstance(table, dict) else []:
        try:
            requirement = Requirement(entry)
        except (InvalidRequirement, TypeError):
            continue
        names.add(canonicalize_name(requirement.name))
        if extras is not None and requirement.extras:
            _add_extras(extras, requirement)
    poetry = data.get("tool", {}).get("poetry", {})
    if isinstance(poetry, dict):
        for key, spec in poetry.get("dependencies", {}).items():
            if key != "python":
                names.add(canonicalize_name(key))
                wanted = spec.get("extras") if isinstance(spec, dict) else None
                if extras is not None and isinstance(wanted, list):
                    extras.setdefault(canonicalize_name(key), set()).update(
                        canonicalize_name(str(extra)) for extra in wanted
                    )
    return names


def _add_extras(extras: dict[str, set[str]], requirement: Requirement) -> None:
    extras.setdefault(canonicalize_name(requirement.name), set()).update(
        canonicalize_name(extra) for extra in requirement.extras
    )


def _from_pipfile(project: Project) -> set[str]:
    data = project.toml("Pipfile") or {}
    packages = data.get("packages", {})
    return {canonicalize_name(k) for k in packages} if isinstance(packages, dict) else set()


def _from_locks(project: Project) -> set[str]:
    names: set[str] = set()
    for lock in ("uv.lock", "poetry.lock", "pdm.lock"):
        data = project.toml(lock) or {}
        for package in data.get("package", []):
            if isinstance(package, dict) and isinstance(package.get("name"), str):
                names.add(canonicalize_name(package["name"]))
    pipfile_lock = project.json("Pipfile.lock")
    if isinstance(pipfile_lock, dict) and isinstance(pipfile_lock.get("default"), dict):
        names |= {canonicalize_name(k) for k in pipfile_lock["default"]}
    return names


def declared_dependencies(project: Project) -> frozenset[str]:
    """Canonical names of every dependency the app's files declare."""
    return frozenset(
        _from_requirements(project)
        | _from_pyproject(project)
        | _from_pipfile(project)
        | _from_locks(project)
    )


def _pipfile_extras(project: Project, extras: dict[str, set[str]]) -> None:
    """`fastapi = {extras = ["standard"], version = "*"}` in the Pipfile's [packages]."""
    data = project.toml("Pipfile") or {}
    packages = data.get("packages", {})
    for key, spec in packages.items() if isinstance(packages, dict) else ():
        wanted = spec.get("extras") if isinstance(spec, dict) else None
        if isinstance(wanted, list):
            extras.setdefault(canonicalize_name(key), set()).update(
                canonicalize_name(str(extra)) for extra in wanted
            )


def declared_extras(project: Project) -> dict[str, frozenset[str]]:
    """Extras asked for in requirements files, pyproject and the Pipfile
    (`psycopg[binary]` -> binary)."""
    extras: dict[str, set[str]] = {}
    _from_requirements(project, extras)
    _from_pyproject(project, extras)
    _pipfile_extras(project, extras)
    return {name: frozenset(values) for name, values in extras.items()}
