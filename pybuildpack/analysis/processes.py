"""How the app starts: launch processes, each with the reason it was chosen.

Order (the seeds'): RUN_COMMAND / BP_RUN_COMMAND for `web`; every Procfile entry (`web` is the
default); then, for `web`, what start_command.py finds (Django, app objects, Streamlit/Gradio,
project scripts, `python app.py`). No process at all fails the build (NoWebProcess) unless
BP_PYTHON_REQUIRE_WEB_PROCESS=false. With BP_LIVE_RELOAD_ENABLED a `reload` process serves
the same app with the server's own reload flag.

Commands run without a shell (the launcher execs them as they are, expanding nothing). A
command that refers to variables (`$PORT`, `${PORT}`, `${PORT:-5000}`) starts through
`pybuildpack-exec`, which expands them at container start and execs the command, so no shell
is needed; a command that needs a real shell (pipes, `&&`, redirects) runs under
`/bin/sh -c`, which then needs a shell in the run image.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass

from pybuildpack.analysis.django_project import DjangoProject, analyze_django
from pybuildpack.analysis.project import Project
from pybuildpack.analysis.pysource import defined_at_module_level
from pybuildpack.analysis.start_command import (
    EXPANDER,
    SCRIPT_FILES,
    Entrypoint,
    WebCommand,
    entrypoint_from_argv,
    find_web,
    project_scripts,
    reload_flag,
)
from pybuildpack.errors import InvalidProcfile, NoWebProcess
from pybuildpack.settings import Settings

_PROCFILE_LINE = re.compile(r"^([A-Za-z0-9._-]+)\s*:\s*(.+)$")
_SHELL_SYNTAX = re.compile(r"[|&;<>`]|\$\(|\n")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_VAR = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}|\$[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class ProcessPlan:
    type: str
    command: tuple[str, ...]
    args: tuple[str, ...]
    default: bool
    reason: str
    entrypoint: Entrypoint | None = None


@dataclass(frozen=True)
class StartPlan:
    processes: tuple[ProcessPlan, ...]
    warnings: tuple[str, ...]
    django: DjangoProject | None
    server: str | None = None  # the server the buildpack provides for the web process


def to_argv(command: str) -> tuple[str, ...]:
    """A command line as argv for a direct process."""
    if _SHELL_SYNTAX.search(command):
        return ("/bin/sh", "-c", command)
    try:
        words = shlex.split(command)
    except ValueError:
        return ("/bin/sh", "-c", command)
    # `$VAR` in an argument, or `NAME=value cmd` (a shell's assignment): pybuildpack-exec
    if any(_VAR.search(word) for word in words) or (len(words) > 1 and _ASSIGNMENT.match(words[0])):
        return (EXPANDER, *words)
    return tuple(words)


def parse_procfile(project: Project) -> list[tuple[str, str]]:
    text = project.text("Procfile")
    if text is None:
        return []
    entries: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _PROCFILE_LINE.match(line)
        if not match or match.group(1) in seen:
            raise InvalidProcfile("Procfile", number, raw)
        seen.add(match.group(1))
        entries.append((match.group(1), match.group(2).strip()))
    return entries


def defines_module_attr(project: Project, filename: str, attr: str) -> bool:
    """Whether `filename` surely binds `attr` at module level (read, never run)."""
    source = project.text(filename)
    if source is None:
        return False
    try:
        tree = ast.parse(source, filename=filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return defined_at_module_level(tree, attr) is True


def _fallback_web(project: Project, deps: frozenset[str]) -> WebCommand | None:
    """`app:app`, `main:app`, `wsgi:application` when those files define them."""
    server = "gunicorn" if "gunicorn" in deps else "uvicorn" if "uvicorn" in deps else None
    if server is None:
        return None
    for filename, attr in (("app.py", "app"), ("main.py", "app"), ("wsgi.py", "application")):
        if defines_module_attr(project, filename, attr):
            entry = Entrypoint(filename.removesuffix(".py"), attr)
            return WebCommand(
                (server, entry.spec),
                f"{server} is a dependency and {filename} defines `{attr}`",
                entry,
                reload_flag=("--reload",),
            )
    return None


def plan_start(
    project: Project,
    settings: Settings,
    dependencies: frozenset[str],
    *,
    require_web: bool = True,
    project_installed: bool = True,
) -> StartPlan:
    """The processes; `dependencies` include what extras provide. With `require_web` (and
    BP_PYTHON_REQUIRE_WEB_PROCESS), no process at all raises NoWebProcess. The project's
    scripts are candidates only when `project_installed` (else they are not in the venv)."""
    processes: dict[str, ProcessPlan] = {}
    warnings: list[str] = []
    reload: tuple[str, ...] | None = None
    server: str | None = None
    for name, command in parse_procfile(project):
        argv = to_argv(command)
        processes[name] = ProcessPlan(
            name, argv, (), name == "web", f"Procfile entry `{name}`", entrypoint_from_argv(argv)
        )
        if name == "web":
            reload = reload_flag(argv)
    index = project.sources
    django = (
        analyze_django(project, index, settings.django_settings_module)
        if project.exists("manage.py") and "django" in dependencies
        else None
    )
    override = settings.run_command
    if override:
        variable, command = override.name, override.value
        argv = to_argv(command)
        processes["web"] = ProcessPlan(
            "web", argv, (), True, f"{variable} is set", entrypoint_from_argv(argv)
        )
        reload = reload_flag(argv)
    elif "web" not in processes:
        search = find_web(
            project,
            index,
            dependencies,
            django,
            provide_server=settings.python_server != "none",
            project_installed=project_installed,
        )
        web = search.web
        if web is None or (web.command[0] == "python" and not django):
            web = _fallback_web(project, dependencies) or web
        if web:
            warnings += web.warnings
            reload = web.reload_flag
            server = web.server
            processes = {
                "web": ProcessPlan("web", web.command, (), True, web.reason, web.entrypoint),
                **processes,
            }
        elif not processes and require_web and settings.require_web_process:
            raise NoWebProcess(
                unserved=search.unserved,
                scripts=[script.name for script in project_scripts(project)],
                server_disabled=settings.python_server == "none",
                script_files=list(SCRIPT_FILES),
            )
    if len(processes) == 1 and "web" not in processes:
        only = next(iter(processes.values()))
        processes[only.type] = ProcessPlan(
            only.type, only.command, only.args, True, only.reason, only.entrypoint
        )
    if settings.live_reload and "web" in processes:
        web_plan = processes["web"]
        if reload is None:
            warnings.append(
                f"BP_LIVE_RELOAD_ENABLED is set, but `{' '.join(web_plan.command)}` has no "
                "reload mode: no reload process was added."
            )
        else:
            processes["reload"] = ProcessPlan(
                "reload",
                (*web_plan.command, *reload),
                (),
                False,
                "BP_LIVE_RELOAD_ENABLED: the web process with its server's reload flag",
                web_plan.entrypoint,
            )
    ordered = sorted(processes.values(), key=lambda p: (not p.default, p.type))
    return StartPlan(tuple(ordered), tuple(warnings), django, server)


def plan_processes(
    project: Project, settings: Settings, dependencies: frozenset[str]
) -> list[ProcessPlan]:
    return list(plan_start(project, settings, dependencies).processes)
