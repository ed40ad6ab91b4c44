"""Which CPython the app asks for, where it asked, and which catalog build satisfies it.

Sources, first found wins: BP_CPYTHON_VERSION, PYTHON_VERSION, .python-version, runtime.txt,
a `cpython` entry with a `version` in the buildpack plan (another buildpack's requirement),
uv.lock `requires-python`, pyproject.toml `requires-python` (then Poetry's `python`
dependency), Pipfile.lock `python_full_version`/`python_version`, Pipfile `[requires]`,
else the default in buildpack.toml metadata.

The buildpack plan ranks below the explicit requests (the variables, and the two files whose
only job is to name the version) and above what is inferred from manifests and locks
(`requires-python` is a range the app accepts; another buildpack in the group that requires
a version, e.g. a platform's policy, chose within it).

Resolution: `X.Y` is the newest patch of X.Y; `X.Y.Z` is exact; a constraint takes its
lowest allowed minor at the newest allowed patch (`>=3.12,<3.15` is 3.12.latest). A
constraint with no lower bound (`<3.13`, `*`) takes the default minor if it is allowed,
else the newest allowed minor: picking the oldest minor there would pick an end-of-life one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from pybuildpack.analysis.project import Project
from pybuildpack.cnb.plan import PlanEntry
from pybuildpack.errors import (
    BuildpackError,
    InvalidPythonVersion,
    InvalidVersionFile,
    UnknownPythonVersion,
)
from pybuildpack.settings import Setting, Settings

DEFAULT_SOURCE = "default"
_EXACT = re.compile(r"^(\d{1,4})\.(\d{1,4})\.(\d{1,4})$")
_MINOR = re.compile(r"^(\d{1,4})\.(\d{1,4})$")
# No real version or constraint is longer, or has a number with more digits.
_MAX_REQUEST = 200
_LONG_NUMBER = re.compile(r"\d{9}")


class RequestKind(Enum):
    EXACT = "exact"
    MINOR = "minor"
    CONSTRAINT = "constraint"


@dataclass(frozen=True)
class VersionRequest:
    raw: str  # as the user wrote it
    source: str  # variable name, file name, or "default"
    kind: RequestKind
    specifier: str  # normalized: "3.12.8", "3.12", or a PEP 440 specifier set
    line: int | None = None


class VersionCatalog(Protocol):
    def versions(self, dep_id: str, arch: str) -> list[Version]: ...

    def default_version(self, dep_id: str) -> str | None: ...


# --- reading the request ----------------------------------------------------------------------


def _plain(raw: str, source: str, line: int | None = None) -> VersionRequest | None:
    value = raw.strip()
    if _EXACT.match(value):
        return VersionRequest(raw, source, RequestKind.EXACT, value, line)
    if _MINOR.match(value):
        return VersionRequest(raw, source, RequestKind.MINOR, value, line)
    return None


def _constraint(raw: str, source: str, line: int | None = None) -> VersionRequest | None:
    """A version or a constraint (PEP 440, plus Poetry's ^ and ~)."""
    value = raw.strip()
    if value in {"", "*"}:
        return None
    plain = _plain(value, source, line)
    if plain is not None:
        return plain
    if len(value) > _MAX_REQUEST or _LONG_NUMBER.search(value):
        raise InvalidPythonVersion(source, raw, line)
    if "||" in value:  # Poetry's "^3.12 || ^3.13": the first alternative (the others checked)
        alternatives = [_constraint(a, source, line) for a in value.split("||")]
        first = next((a for a in alternatives if a is not None), None)
        if first is None:
            raise InvalidPythonVersion(source, raw, line)
        return VersionRequest(raw, source, first.kind, first.specifier, line)
    try:
        spec = _poetry_to_pep440(value)
        SpecifierSet(spec)
    except (InvalidSpecifier, InvalidVersion, ValueError, IndexError) as exc:
        raise InvalidPythonVersion(source, raw, line) from exc
    return VersionRequest(raw, source, RequestKind.CONSTRAINT, spec, line)


def _poetry_to_pep440(value: str) -> str:
    parts = []
    for clause in value.replace(" ", "").split(","):
        if clause.startswith("^"):
            base = Version(clause[1:])
            upper = (
                f"{base.major + 1}.0" if base.major else f"0.{base.minor + 1}"
            )  # caret: up to the next major
            parts += [f">={clause[1:]}", f"<{upper}"]
        elif clause.startswith("~") and not clause.startswith("~="):
            base = Version(clause[1:])
            release = base.release
            upper = f"{release[0]}.{release[1] + 1}" if len(release) > 1 else f"{release[0] + 1}"
            parts += [f">={clause[1:]}", f"<{upper}"]
        elif clause and clause[0].isdigit():
            parts.append(f"=={clause}")
        else:
            parts.append(clause)
    return ",".join(parts)


def _from_settings(setting: Setting | None) -> VersionRequest | None:
    """BP_CPYTHON_VERSION, else PYTHON_VERSION (pybuildpack.settings picks the one set)."""
    if setting is None:
        return None
    name, raw = setting.name, setting.value
    value = raw.removeprefix("python-").removeprefix("python")
    request = _constraint(value, name)
    if request is None:
        raise InvalidPythonVersion(name, raw)
    return VersionRequest(raw, name, request.kind, request.specifier)


def _from_python_version_file(project: Project) -> VersionRequest | None:
    name = ".python-version"
    text = project.text(name)
    if text is None:
        return None
    found: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            found.append((number, stripped))
    if not found:
        raise InvalidVersionFile(name, None, text, reason="empty")
    if len(found) > 1:
        raise InvalidVersionFile(name, found[1][0], "\n".join(v for _, v in found), "multiple")
    number, value = found[0]
    request = _plain(value, name, number)
    if request is None:
        raise InvalidVersionFile(name, number, value)
    return request


def _from_runtime_txt(project: Project) -> VersionRequest | None:
    name = "runtime.txt"
    text = project.text(name)
    if text is None:
        return None
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise InvalidVersionFile(name, None, text, reason="empty")
    number, value = lines[0]
    request = _plain(value.removeprefix("python-"), name, number)
    if request is None:
        raise InvalidVersionFile(name, number, value)
    return VersionRequest(value, name, request.kind, request.specifier, number)


def _from_buildpack_plan(entries: Sequence[PlanEntry]) -> VersionRequest | None:
    """The first `cpython` entry with `metadata.version` (Paketo's shape: `version`, and
    `version-source` naming where that buildpack read it)."""
    for entry in entries:
        raw = entry.metadata.get("version")
        if entry.name != "cpython" or not isinstance(raw, str) or not raw.strip():
            continue
        origin = entry.metadata.get("version-source")
        source = (
            f"buildpack plan ({origin})" if isinstance(origin, str) and origin else "buildpack plan"
        )
        request = _constraint(raw, source)
        if request is None:
            raise InvalidPythonVersion(source, raw)
        return request
    return None


def _toml_line(project: Project, name: str, key: str) -> int | None:
    text = project.text(name) or ""
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(key):
            return number
    return None


def _from_uv_lock(project: Project) -> VersionRequest | None:
    data = project.toml("uv.lock")
    raw = data.get("requires-python") if data else None
    if not isinstance(raw, str):
        return None
    return _constraint(raw, "uv.lock", _toml_line(project, "uv.lock", "requires-python"))


def _from_pyproject(project: Project) -> VersionRequest | None:
    if project.toml("pyproject.toml") is None:
        return None
    data = project.pyproject
    project_table = data.get("project")
    raw = project_table.get("requires-python") if isinstance(project_table, dict) else None
    if isinstance(raw, str):
        return _constraint(
            raw, "pyproject.toml", _toml_line(project, "pyproject.toml", "requires-python")
        )
    poetry = data.get("tool", {}).get("poetry", {})
    deps = poetry.get("dependencies", {}) if isinstance(poetry, dict) else {}
    raw_python: Any = deps.get("python") if isinstance(deps, dict) else None
    if isinstance(raw_python, str):
        return _constraint(
            raw_python, "pyproject.toml", _toml_line(project, "pyproject.toml", "python")
        )
    return None


def _from_pipfile_lock(project: Project) -> VersionRequest | None:
    data = project.json("Pipfile.lock")
    if not isinstance(data, dict):
        return None
    requires = data.get("_meta", {}).get("requires", {})
    if not isinstance(requires, dict):
        return None
    for key in ("python_full_version", "python_version"):
        raw = requires.get(key)
        if isinstance(raw, str) and raw.strip():
            request = _plain(raw, "Pipfile.lock")
            if request is None:
                raise InvalidPythonVersion("Pipfile.lock", raw)
            return request
    return None


def _from_pipfile(project: Project) -> VersionRequest | None:
    data = project.toml("Pipfile")
    requires = data.get("requires") if data else None
    if not isinstance(requires, dict):
        return None
    for key in ("python_full_version", "python_version"):
        raw = requires.get(key)
        if isinstance(raw, str) and raw.strip():
            request = _plain(raw, "Pipfile", _toml_line(project, "Pipfile", key))
            if request is None:
                raise InvalidPythonVersion("Pipfile", raw, _toml_line(project, "Pipfile", key))
            return request
    return None


def read_request(
    project: Project, settings: Settings, plan: Sequence[PlanEntry] = ()
) -> VersionRequest | None:
    """The request, from the first source that has one; None means the default."""
    requests = read_requests(project, settings, plan)
    return requests[0] if requests else None


def read_requests(
    project: Project, settings: Settings, plan: Sequence[PlanEntry] = ()
) -> list[VersionRequest]:
    """Every source's request, first (the one that wins) first. A fault in a source after the
    winner is not an error: that file decides nothing."""
    readers: tuple[Callable[[], VersionRequest | None], ...] = (
        lambda: _from_settings(settings.python_version),
        lambda: _from_python_version_file(project),
        lambda: _from_runtime_txt(project),
        lambda: _from_buildpack_plan(plan),
        lambda: _from_uv_lock(project),
        lambda: _from_pyproject(project),
        lambda: _from_pipfile_lock(project),
        lambda: _from_pipfile(project),
    )
    found: list[VersionRequest] = []
    for reader in readers:
        try:
            request = reader()
        except BuildpackError:
            if not found:
                raise
            continue
        if request is not None:
            found.append(request)
    return found


def satisfies(request: VersionRequest, version: Version) -> bool:
    if request.kind is RequestKind.EXACT:
        return Version(request.specifier) == version
    if request.kind is RequestKind.MINOR:
        return request.specifier == f"{version.major}.{version.minor}"
    return SpecifierSet(request.specifier).contains(version, prereleases=True)


def conflicts(requests: list[VersionRequest], resolved: Version) -> list[VersionRequest]:
    """The requests after the winner that the resolved version does not satisfy."""
    return [request for request in requests[1:] if not satisfies(request, resolved)]


# --- resolving against the catalog ------------------------------------------------------------


def _minor(version: Version) -> tuple[int, int]:
    return (version.major, version.minor)


def _has_lower_bound(spec: SpecifierSet) -> bool:
    return any(s.operator in {">", ">=", "==", "~=", "==="} for s in spec)


def resolve(
    request: VersionRequest | None, catalog: VersionCatalog, arch: str
) -> tuple[VersionRequest, Version]:
    """The request (the default one when None) and the catalog version that satisfies it."""
    available = catalog.versions("cpython", arch)
    default = catalog.default_version("cpython") or ""
    if request is None:
        request = _plain(default, DEFAULT_SOURCE) or VersionRequest(
            default, DEFAULT_SOURCE, RequestKind.MINOR, default
        )

    def unknown() -> UnknownPythonVersion:
        return UnknownPythonVersion(
            request.source, request.raw.strip(), [str(v) for v in available], arch
        )

    if request.kind is RequestKind.EXACT:
        try:
            wanted = Version(request.specifier)
        except InvalidVersion as exc:  # pragma: no cover - the regex admits only valid ones
            raise InvalidPythonVersion(request.source, request.raw, request.line) from exc
        if wanted in available:
            return request, wanted
        raise unknown()

    if request.kind is RequestKind.MINOR:
        major, minor = (int(p) for p in request.specifier.split("."))
        matching = [v for v in available if _minor(v) == (major, minor)]
        if not matching:
            if request.source == DEFAULT_SOURCE and available:
                return request, max(available)  # an operator catalog without the default minor
            raise unknown()
        return request, max(matching)

    spec = SpecifierSet(request.specifier)
    allowed = [v for v in available if spec.contains(v)]
    if not allowed:
        raise unknown()
    minors = sorted({_minor(v) for v in allowed})
    if _has_lower_bound(spec):
        chosen_minor = minors[0]
    else:
        default_minor: tuple[int, int] | None = None
        if _MINOR.match(default) or _EXACT.match(default):
            default_minor = _minor(Version(default))
        chosen_minor = default_minor if default_minor in minors else minors[-1]
    return request, max(v for v in allowed if _minor(v) == chosen_minor)
