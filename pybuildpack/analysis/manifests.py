"""The shapes of pyproject.toml, Pipfile and the lock files, checked before any install.

Each file the app has is validated against a model of the fields the build or its tools
read (pydantic, strict: a float is not a string, a string is not a list). Unknown keys are
allowed; a known key of the wrong type is an InvalidManifestField naming the key and its
line, so `plan` and a build fail on it in the first second instead of pip, setuptools or
pipenv failing with a traceback minutes later.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pybuildpack.analysis.project import Project
from pybuildpack.errors import InvalidManifestField, InvalidPythonVersion


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


Table = dict[str, Any]
PoetryDependency = str | Table | list[Table]


class Person(_Open):
    name: str | None = None
    email: str | None = None


class ProjectTable(_Open):
    name: str | None = None
    version: str | None = None
    description: str | None = None
    requires_python: str | None = Field(None, alias="requires-python")
    dependencies: list[str] | None = None
    optional_dependencies: dict[str, list[str]] | None = Field(None, alias="optional-dependencies")
    scripts: dict[str, str] | None = None
    gui_scripts: dict[str, str] | None = Field(None, alias="gui-scripts")
    entry_points: dict[str, dict[str, str]] | None = Field(None, alias="entry-points")
    dynamic: list[str] | None = None
    keywords: list[str] | None = None
    classifiers: list[str] | None = None
    urls: dict[str, str] | None = None
    authors: list[Person] | None = None
    maintainers: list[Person] | None = None
    readme: str | dict[str, str] | None = None
    license: str | dict[str, str] | None = None
    license_files: list[str] | None = Field(None, alias="license-files")


class BuildSystem(_Open):
    requires: list[str] | None = None
    build_backend: str | None = Field(None, alias="build-backend")
    backend_path: list[str] | None = Field(None, alias="backend-path")


class PoetryGroup(_Open):
    dependencies: dict[str, PoetryDependency] | None = None
    optional: bool | None = None


class PoetryTable(_Open):
    name: str | None = None
    version: str | None = None
    description: str | None = None
    package_mode: bool | None = Field(None, alias="package-mode")
    dependencies: dict[str, PoetryDependency] | None = None
    dev_dependencies: dict[str, PoetryDependency] | None = Field(None, alias="dev-dependencies")
    group: dict[str, PoetryGroup] | None = None
    packages: list[Table] | None = None
    scripts: dict[str, str | Table] | None = None
    source: list[Table] | None = None


class UvTable(_Open):
    package: bool | None = None
    dev_dependencies: list[str] | None = Field(None, alias="dev-dependencies")
    sources: Table | None = None
    index: list[Table] | None = None


class ToolTable(_Open):
    poetry: PoetryTable | None = None
    uv: UvTable | None = None
    pdm: Table | None = None


class Pyproject(_Open):
    project: ProjectTable | None = None
    build_system: BuildSystem | None = Field(None, alias="build-system")
    tool: ToolTable | None = None
    dependency_groups: dict[str, list[str | Table]] | None = Field(None, alias="dependency-groups")


class PipfileSource(_Open):
    name: str | None = None
    url: str | None = None
    verify_ssl: bool | None = None


class PipfileRequires(_Open):
    python_version: str | None = None
    python_full_version: str | None = None


class Pipfile(_Open):
    source: list[PipfileSource] | None = None
    packages: dict[str, str | Table] | None = None
    dev_packages: dict[str, str | Table] | None = Field(None, alias="dev-packages")
    requires: PipfileRequires | None = None
    scripts: dict[str, str | list[str] | Table] | None = None
    pipenv: Table | None = None


class LockHash(_Open):
    sha256: str | None = None


class PipfileLockMeta(_Open):
    hash: LockHash | None = None
    pipfile_spec: int | None = Field(None, alias="pipfile-spec")
    requires: dict[str, str] | None = None
    sources: list[Table] | None = None


class PipfileLock(_Open):
    meta: PipfileLockMeta | None = Field(None, alias="_meta")
    default: dict[str, Table] | None = None
    develop: dict[str, Table] | None = None


class LockedPackage(_Open):
    name: str
    version: str | None = None


class UvLock(_Open):
    version: int | None = None
    requires_python: str | None = Field(None, alias="requires-python")
    package: list[LockedPackage] | None = None


class PoetryLockMetadata(_Open):
    lock_version: str | None = Field(None, alias="lock-version")
    python_versions: str | None = Field(None, alias="python-versions")
    content_hash: str | None = Field(None, alias="content-hash")


class PoetryLock(_Open):
    metadata: PoetryLockMetadata | None = None
    package: list[LockedPackage] | None = None


class PdmLock(_Open):
    metadata: Table | None = None
    package: list[LockedPackage] | None = None


_EXPECTED = {
    "string_type": "must be a string",
    "list_type": "must be a list",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "int_type": "must be an integer",
    "bool_type": "must be true or false",
    "missing": "is missing",
}
_TOML_TYPES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    list: "a list",
    dict: "a table",
}
MODELS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("pyproject.toml", Pyproject),
    ("Pipfile", Pipfile),
    ("Pipfile.lock", PipfileLock),
    ("uv.lock", UvLock),
    ("poetry.lock", PoetryLock),
    ("pdm.lock", PdmLock),
)


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _kind(value: object) -> str:
    for kind, name in _TOML_TYPES.items():
        if type(value) is kind:
            return name
    return "of another type"


def line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """The line where the innermost named key of `loc` is set (a best effort)."""
    keys = [p for p in loc if isinstance(p, str)]
    if not keys:
        return None
    key = re.escape(keys[-1])
    pattern = re.compile(
        rf'^\s*(?:"{key}"|\'{key}\'|{key})\s*[=:]|^\s*\[+[^\]\n]*\b{key}\]', re.MULTILINE
    )
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _raise_first(path: str, text: str, exc: ValidationError) -> None:
    error = exc.errors()[0]
    # a union reports each branch: report the path of the value, and "wrong type"
    loc = tuple(p for p in error["loc"] if isinstance(p, int) or not _is_branch(str(p)))
    expected = _EXPECTED.get(error["type"], "has the wrong type")
    if error["type"] != "missing":
        expected += f" (it is {_kind(error.get('input'))})"
    raise InvalidManifestField(path, _dotted(loc), line_of(text, loc), expected)


def _is_branch(part: str) -> bool:
    return part in {"str", "int", "bool", "list", "dict"} or part.startswith(
        ("list[", "dict[", "function-")
    )


def _check_strings(path: str, text: str, data: Pyproject) -> None:
    """Strings the tools parse: requirements (PEP 508) and requires-python (PEP 440)."""
    project = data.project
    if project is None:
        return
    for i, entry in enumerate(project.dependencies or []):
        try:
            Requirement(entry)
        except InvalidRequirement:
            loc: tuple[int | str, ...] = ("project", "dependencies", i)
            raise InvalidManifestField(
                path, _dotted(loc), line_of(text, loc), "is not a valid requirement (PEP 508)"
            ) from None
    for extra, entries in (project.optional_dependencies or {}).items():
        for i, entry in enumerate(entries):
            try:
                Requirement(entry)
            except InvalidRequirement:
                loc = ("project", "optional-dependencies", extra, i)
                raise InvalidManifestField(
                    path, _dotted(loc), line_of(text, loc), "is not a valid requirement (PEP 508)"
                ) from None
    if project.requires_python is not None:
        try:
            SpecifierSet(project.requires_python)
        except (InvalidSpecifier, ValueError):
            loc = ("project", "requires-python")
            raise InvalidPythonVersion(path, project.requires_python, line_of(text, loc)) from None


def check_manifests(project: Project) -> None:
    """Validate every manifest and lock the app has; raises for the first wrong field."""
    for name, model in MODELS:
        data = project.json(name) if name == "Pipfile.lock" else project.toml(name)
        if data is None:
            continue
        text = project.text(name) or ""
        if not isinstance(data, dict):
            raise InvalidManifestField(name, "(the whole file)", None, "must be a JSON object")
        try:
            parsed = model.model_validate(data)
        except ValidationError as exc:
            _raise_first(name, text, exc)
            raise  # pragma: no cover - _raise_first always raises
        if isinstance(parsed, Pyproject):
            _check_strings(name, text, parsed)
