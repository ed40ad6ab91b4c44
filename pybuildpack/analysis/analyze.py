"""One analysis feeds `build` and `pybuildpack plan`: the plan a user sees is what a build does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import Version

from pybuildpack.analysis import (
    dependencies,
    frameworks,
    package_manager,
    processes,
    python_version,
    system_packages,
)
from pybuildpack.analysis.appfiles import read_app_file
from pybuildpack.analysis.command_checks import (
    check_scripts,
    check_start_commands,
    listen_warnings,
)
from pybuildpack.analysis.detect import python_files
from pybuildpack.analysis.django_project import DjangoProject
from pybuildpack.analysis.manager_files import LockFacts, check_manager_files, choose_poetry
from pybuildpack.analysis.manifests import check_manifests
from pybuildpack.analysis.package_manager import ManagerChoice
from pybuildpack.analysis.processes import ProcessPlan
from pybuildpack.analysis.project import Project
from pybuildpack.analysis.python_version import VersionCatalog, VersionRequest
from pybuildpack.analysis.system_packages import SystemPackages
from pybuildpack.cnb.plan import PlanEntry
from pybuildpack.errors import ForbiddenEnvironment, InternalError
from pybuildpack.settings import TOOL_VERSION_VARIABLES, Settings


@dataclass(frozen=True)
class ProvidedServer:
    """A server the buildpack installs for the web process (none among the dependencies)."""

    name: str  # "gunicorn" | "uvicorn"
    version: str  # metadata.default-versions


@dataclass(frozen=True)
class BuildPlan:
    detected: bool
    detected_by: tuple[str, ...]
    python_request: VersionRequest
    python_version: Version
    manager: ManagerChoice
    dependency_files: tuple[str, ...]
    dependencies: frozenset[str]
    processes: tuple[ProcessPlan, ...]
    collectstatic: bool
    settings: Settings
    pip_version: str = ""  # BP_PIP_VERSION, else the catalog's default
    tool_version: str | None = None  # the manager's tool (uv, poetry...), same precedence
    tool_reason: str = ""  # why that version, when the project's requirement chose it
    lock: LockFacts = field(default_factory=LockFacts)
    warnings: tuple[str, ...] = ()
    django: DjangoProject | None = None
    system_packages: SystemPackages = field(default_factory=SystemPackages)
    server: ProvidedServer | None = None
    # lower-priority version requests the chosen version does not satisfy (each a warning)
    python_conflicts: tuple[VersionRequest, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "detected": self.detected,
            "python": {
                "requested": self.python_request.raw.strip(),
                "source": self.python_request.source,
                "resolved": str(self.python_version),
            },
            "package_manager": self.manager.manager.value,
            "dependency_files": list(self.dependency_files),
            "processes": [
                {
                    "type": p.type,
                    "command": list(p.command),
                    "args": list(p.args),
                    "default": p.default,
                    "reason": p.reason,
                }
                for p in self.processes
            ],
            "system_packages": {
                "build": list(self.system_packages.build),
                "launch": list(self.system_packages.launch),
            },
            "collectstatic": self.collectstatic,
            "server": (
                {"name": self.server.name, "version": self.server.version} if self.server else None
            ),
        }


def _dependency_files(project: Project, choice: ManagerChoice) -> tuple[str, ...]:
    files: list[str] = []
    for name in choice.files:
        if name == "requirements.txt":
            files += dependencies.requirement_files(project)
        elif project.exists(name):
            files.append(name)
    for name in files:  # the venv layer hashes them: inside the app, regular, bounded
        read_app_file(project.app_dir, name)
    return tuple(files)


def _tool_version(settings: Settings, catalog: VersionCatalog, tool: str) -> str:
    """BP_<TOOL>_VERSION, else the catalog's default-versions (buildpack.toml or operator)."""
    version = (
        settings.tool_version(tool) or catalog.default_version(tool) or settings.tool_default(tool)
    )
    if version is None:
        raise InternalError(f"no default version of {tool} in buildpack.toml default-versions")
    return version


def analyze(
    app_dir: Path,
    settings: Settings,
    catalog: VersionCatalog,
    arch: str,
    buildpack_plan: Sequence[PlanEntry] = (),
) -> BuildPlan:
    """Read everything, decide everything, write nothing. Bad input raises a typed error.

    `buildpack_plan`: the entries other buildpacks required of ours (a `cpython` version).
    """
    if settings.forbidden:
        raise ForbiddenEnvironment(list(settings.forbidden))
    project = Project(app_dir)
    check_manifests(project)  # wrong types anywhere: a typed error before anything reads them
    found = python_files(app_dir)
    requests = python_version.read_requests(project, settings, buildpack_plan)
    request, resolved = python_version.resolve(requests[0] if requests else None, catalog, arch)
    choice = package_manager.choose(project, settings.package_manager)
    tool = choice.manager.value if choice.manager.value in TOOL_VERSION_VARIABLES else None
    tool_version = _tool_version(settings, catalog, tool) if tool and tool != "pip" else None
    tool_reason = ""
    if tool == "poetry" and tool_version is not None:
        default = catalog.default_version("poetry") or settings.tool_default("poetry") or ""
        poetry = choose_poetry(project, settings.tool_version("poetry"), default)
        tool_version, tool_reason = poetry.version, poetry.reason
    lock = check_manager_files(project, choice, tool_version)
    declared = dependencies.declared_dependencies(project)
    wanted_packages = system_packages.plan_system_packages(
        project, declared, settings.system_packages
    )
    check_start_commands(project, settings)  # as the launcher will parse them
    # what the start command can use: the dependencies and what their extras bring
    # (fastapi[standard] -> uvicorn)
    runtime = frameworks.with_provided(declared, dependencies.declared_extras(project))
    # an app that is not detected has nothing to start: no error for a missing web process
    start = processes.plan_start(
        project,
        settings,
        runtime,
        require_web=bool(found),
        project_installed=package_manager.installs_project(project, choice),
    )
    check_scripts(project, start.processes)  # `python X.py`: X.py exists and parses
    server = None
    if start.server:
        server = ProvidedServer(start.server, _tool_version(settings, catalog, start.server))
    # Heroku's rule, decided from the settings where they can be read: a Django app with
    # django.contrib.staticfiles gets collectstatic (a missing STATIC_ROOT then fails the
    # build with how to fix it); settings we cannot read statically are left to the build.
    collectstatic = (
        start.django is not None
        and start.django.staticfiles is not False
        and not settings.disable_collectstatic
    )
    warnings = (*start.warnings, *listen_warnings(start.processes))
    if "sources" in vars(project):  # the scan ran: its skipped files and budget warnings
        warnings = (*warnings, *project.sources.warnings)
    return BuildPlan(
        detected=bool(found),
        detected_by=tuple(found),
        python_request=request,
        python_version=resolved,
        manager=choice,
        dependency_files=_dependency_files(project, choice),
        dependencies=declared,
        processes=start.processes,
        collectstatic=collectstatic,
        settings=settings,
        pip_version=_tool_version(settings, catalog, "pip"),
        tool_version=tool_version,
        tool_reason=tool_reason,
        lock=lock,
        warnings=tuple(warnings),
        django=start.django,
        system_packages=wanted_packages,
        server=server,
        python_conflicts=tuple(python_version.conflicts(requests, resolved)),
    )
