"""The web process when the app names none, first found wins:

1. Django (manage.py and Django among the dependencies);
2. an app object found in the code, served by a server among the dependencies (extras count:
   `fastapi[standard]` brings uvicorn);
3. a Streamlit or Gradio script (`streamlit run FILE`, `python FILE` with GRADIO_SERVER_*);
4. an app object with no server among the dependencies, served by one the buildpack provides
   (gunicorn for WSGI, uvicorn for ASGI; BP_PYTHON_SERVER=none turns this off);
5. a single (or `start`/`web`/`serve`) `[project.scripts]` / `[tool.poetry.scripts]` entry;
6. `python app.py` / `main.py` / `server.py` ... (a standard-library app).

Every command listens on `0.0.0.0:$PORT` without a shell: gunicorn binds to `$PORT` by itself,
uvicorn reads `UVICORN_HOST`/`UVICORN_PORT` (set by the buildpack's exec.d at container start),
and the rest get `$PORT` in their arguments (or `NAME=$PORT` assignments) through
`pybuildpack-exec`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pybuildpack.analysis.django_project import DjangoProject
from pybuildpack.analysis.frameworks import (
    AppCandidate,
    Interface,
    ScriptApp,
    find_apps,
    find_script_apps,
)
from pybuildpack.analysis.project import Project
from pybuildpack.analysis.pysource import SourceIndex

EXPANDER = "pybuildpack-exec"
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_REFERENCE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_MODULE_ATTR = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\(\))?$")
SERVERS = ("gunicorn", "uvicorn", "hypercorn", "waitress-serve")
# The server the buildpack provides for an app object with none among its dependencies.
PROVIDED_SERVERS = {Interface.WSGI: "gunicorn", Interface.ASGI: "uvicorn"}
# Files run as `python FILE` when nothing else serves the app (a standard-library app).
SCRIPT_FILES = ("app.py", "main.py", "server.py", "run.py", "start.py")
# Names that make one entry of several [project.scripts] the web process (Google's `start`).
WEB_SCRIPT_NAMES = ("start", "web", "serve", "server")


@dataclass(frozen=True)
class Entrypoint:
    """`module:attr` a server will import, and where from (checked at build time)."""

    module: str
    attr: str
    root: str = ""  # import root relative to the app dir
    factory: bool = False

    @property
    def spec(self) -> str:
        return f"{self.module}:{self.attr}"


@dataclass(frozen=True)
class WebCommand:
    command: tuple[str, ...]
    reason: str
    entrypoint: Entrypoint | None = None
    warnings: tuple[str, ...] = ()
    reload_flag: tuple[str, ...] | None = None  # how this server reloads on code changes
    server: str | None = None  # a server the buildpack provides (not among the dependencies)


@dataclass
class _Context:
    deps: frozenset[str]
    provide_server: bool = True
    warnings: list[str] = field(default_factory=list)
    unserved: str | None = None  # an app object found with no server to run it


def _gunicorn(entry: Entrypoint, *extra: str) -> tuple[str, ...]:
    target = entry.spec + ("()" if entry.factory else "")
    root = ("--pythonpath", entry.root) if entry.root else ()
    return ("gunicorn", *extra, *root, target)


def _uvicorn(entry: Entrypoint) -> tuple[str, ...]:
    root = ("--app-dir", entry.root) if entry.root else ()
    factory = ("--factory",) if entry.factory else ()
    return ("uvicorn", *root, *factory, entry.spec)


def serve(interface: Interface, entry: Entrypoint, deps: frozenset[str]) -> tuple[str, ...] | None:
    """The command that serves `entry` with a server the app depends on, if any."""
    if interface is Interface.ASGI:
        if "gunicorn" in deps and ({"uvicorn", "uvicorn-worker"} & deps):
            worker = (
                "uvicorn_worker.UvicornWorker"
                if "uvicorn-worker" in deps
                else "uvicorn.workers.UvicornWorker"
            )
            return _gunicorn(entry, "--worker-class", worker)
        if "uvicorn" in deps:
            return _uvicorn(entry)
        if "hypercorn" in deps:
            target = entry.spec + ("()" if entry.factory else "")
            root = ("--root-path", entry.root) if entry.root else ()
            return (EXPANDER, "hypercorn", "--bind", "0.0.0.0:$PORT", *root, target)
        return None
    if "gunicorn" in deps:
        return _gunicorn(entry)
    if "waitress" in deps:
        call = ("--call",) if entry.factory else ()
        return (EXPANDER, "waitress-serve", "--listen=0.0.0.0:$PORT", *call, entry.spec)
    return None


def command_words(argv: Sequence[str]) -> list[str]:
    """The program and its arguments: without pybuildpack-exec and its NAME=VALUE words."""
    if not argv or argv[0] != EXPANDER:
        return list(argv)
    words = list(argv[1:])
    while words and _ASSIGNMENT.match(words[0]):
        words.pop(0)
    return words


def reload_flag(command: Sequence[str]) -> tuple[str, ...] | None:
    args = command_words(command)
    if not args:
        return None
    if args[0] in {"gunicorn", "uvicorn", "hypercorn"}:
        return ("--reload",)
    if args[:3] == ["python", "manage.py", "runserver"]:
        return ()  # runserver reloads by default
    if args[:2] == ["streamlit", "run"]:
        return ("--server.runOnSave", "true")
    return None


def _django(django: DjangoProject, ctx: _Context) -> WebCommand:
    settings = (
        f"settings {django.settings_module} (from {django.settings_source})"
        if django.settings_module
        else "no settings module found"
    )
    if "gunicorn" in ctx.deps and django.wsgi:
        entry = Entrypoint(*django.wsgi)
        return WebCommand(
            _gunicorn(entry),
            f"Django with gunicorn: {entry.spec} ({django.wsgi_source}; {settings})",
            entry,
            reload_flag=("--reload",),
        )
    if "uvicorn" in ctx.deps and django.asgi:
        entry = Entrypoint(*django.asgi)
        return WebCommand(
            _uvicorn(entry),
            f"Django with uvicorn: {entry.spec} ({django.asgi_source}; {settings})",
            entry,
            reload_flag=("--reload",),
        )
    if ctx.provide_server and django.wsgi:
        entry = Entrypoint(*django.wsgi)
        return WebCommand(
            _gunicorn(entry),
            f"Django: {entry.spec} ({django.wsgi_source}; {settings}), served by gunicorn, "
            "which the buildpack provides as no server is among the dependencies",
            entry,
            reload_flag=("--reload",),
            server="gunicorn",
        )
    return WebCommand(
        (EXPANDER, "python", "manage.py", "runserver", "0.0.0.0:$PORT"),
        "Django without gunicorn or uvicorn: the development server (add gunicorn for production)",
        reload_flag=(),
    )


def _from_apps(apps: list[AppCandidate], ctx: _Context) -> WebCommand | None:
    servable = []
    for app in apps:
        entry = Entrypoint(app.module, app.attr, app.root, app.factory)
        command = serve(app.interface, entry, ctx.deps)
        if command:
            servable.append((app, entry, command))
    if not servable:
        if apps:
            ctx.unserved = apps[0].describe()
        return None
    app, entry, command = servable[0]
    if len(servable) > 1:
        _several(app, [a for a, _, _ in servable[1:]], ctx)
    server = command[1] if command[0] == EXPANDER else command[0]
    return WebCommand(
        command,
        f"{app.describe()}, served by {server}",
        entry,
        reload_flag=reload_flag(command),
    )


def _provided(apps: list[AppCandidate], ctx: _Context) -> WebCommand | None:
    """The best app object, served by the server the buildpack provides for its interface."""
    if not apps or not ctx.provide_server:
        return None
    app = apps[0]
    server = PROVIDED_SERVERS[app.interface]
    entry = Entrypoint(app.module, app.attr, app.root, app.factory)
    command = serve(app.interface, entry, frozenset({server}))
    if command is None:  # pragma: no cover - both interfaces have a provided server
        return None
    if len(apps) > 1:
        _several(apps[0], apps[1:], ctx)
    return WebCommand(
        command,
        f"{app.describe()}, served by {server}, which the buildpack provides as no "
        f"{app.interface.value} server is among the dependencies",
        entry,
        reload_flag=reload_flag(command),
        server=server,
    )


def _several(chosen: AppCandidate, others: list[AppCandidate], ctx: _Context) -> None:
    listed = "\n".join(f"  {a.spec} ({a.describe()})" for a in others)
    ctx.warnings.append(
        f"Several app objects were found; using {chosen.spec} ({chosen.describe()}).\n"
        f"Also found:\n{listed}\nSet a Procfile `web:` line or RUN_COMMAND to choose another."
    )


def streamlit_command(path: str) -> tuple[str, ...]:
    return (
        EXPANDER,
        "streamlit",
        "run",
        path,
        "--server.port",
        "$PORT",
        "--server.address",
        "0.0.0.0",
        "--server.headless",
        "true",
    )


def gradio_command(path: str) -> tuple[str, ...]:
    """Gradio's launch() reads its address and port from these variables."""
    return (EXPANDER, "GRADIO_SERVER_NAME=0.0.0.0", "GRADIO_SERVER_PORT=$PORT", "python", path)


def _script_app(apps: list[ScriptApp], ctx: _Context) -> WebCommand | None:
    if not apps:
        return None
    app = apps[0]
    if len(apps) > 1:
        listed = "\n".join(f"  {other.describe()}" for other in apps[1:])
        ctx.warnings.append(
            f"Several Streamlit/Gradio scripts were found; using {app.path}.\n"
            f"Also found:\n{listed}\nSet a Procfile `web:` line or RUN_COMMAND to choose another."
        )
    if app.framework == "streamlit":
        command = streamlit_command(app.path)
        return WebCommand(command, app.describe(), reload_flag=reload_flag(command))
    if not app.launches:
        ctx.warnings.append(
            f"{app.path} imports gradio but calls no `.launch()`: running it may serve nothing.\n"
            "Call `demo.launch()` at the end of the file, or set a Procfile `web:` line."
        )
    if app.pinned:
        ctx.warnings.append(
            f"{app.path} calls launch({', '.join(app.pinned)}), which wins over\n"
            "GRADIO_SERVER_NAME/GRADIO_SERVER_PORT: the app may not answer on 0.0.0.0:$PORT.\n"
            "Drop those arguments (the buildpack sets both variables)."
        )
    return WebCommand(gradio_command(app.path), app.describe())


@dataclass(frozen=True)
class ProjectScript:
    name: str
    table: str  # "[project.scripts]" | "[tool.poetry.scripts]"
    reference: str  # "module:function" ("" when it cannot be read)


def _reference(value: object) -> str:
    """`module:attr` of a script: a string, or Poetry's {reference/callable = "..."}."""
    if isinstance(value, dict):
        value = value.get("callable") or value.get("reference")
    return value.split("[", 1)[0].strip() if isinstance(value, str) else ""


def project_scripts(project: Project) -> list[ProjectScript]:
    """The entries of `[project.scripts]` and `[tool.poetry.scripts]`."""
    found: list[ProjectScript] = []
    data = project.pyproject
    table = data.get("project", {})
    scripts = table.get("scripts", {}) if isinstance(table, dict) else {}
    if isinstance(scripts, dict):
        found += [
            ProjectScript(str(name), "[project.scripts]", _reference(value))
            for name, value in scripts.items()
        ]
    tool = data.get("tool", {})
    poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
    poetry_scripts = poetry.get("scripts", {}) if isinstance(poetry, dict) else {}
    if isinstance(poetry_scripts, dict):
        known = {script.name for script in found}
        found += [
            ProjectScript(str(name), "[tool.poetry.scripts]", _reference(value))
            for name, value in poetry_scripts.items()
            if name not in known
        ]
    return found


def _call_reference(script: ProjectScript, index: SourceIndex) -> WebCommand | None:
    """A script the install does not put in the venv (Poetry's package-mode = false, a uv
    project with no build system): call its `module:function` as its console script would."""
    if not _REFERENCE.match(script.reference):
        return None
    module, _, attr = script.reference.partition(":")
    found = index.get(module)
    if found is None:  # not the app's own code: nothing to call without the install
        return None
    root = found.root
    first = attr.split(".")[0]
    path = f"sys.path.insert(0, {root!r}); " if root else ""
    code = f"import sys; {path}from {module} import {first}; sys.exit({attr}())"
    return WebCommand(
        ("python", "-c", code),
        f"the {script.table} entry `{script.name}` in pyproject.toml, called as "
        f"{script.reference} (the install does not put the project's scripts in the venv)",
        Entrypoint(module, first, root),
    )


def _project_script(project: Project, index: SourceIndex, installed: bool) -> WebCommand | None:
    scripts = project_scripts(project)
    chosen = scripts[0] if len(scripts) == 1 else None
    for wanted in WEB_SCRIPT_NAMES:
        chosen = chosen or next((s for s in scripts if s.name == wanted), None)
    if chosen is None:
        return None
    tool = project.pyproject.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    non_package = isinstance(poetry, dict) and poetry.get("package-mode") is False
    if chosen.table == "[tool.poetry.scripts]" and non_package:
        installed = False  # Poetry installs no scripts in non-package mode
    if not installed:
        return _call_reference(chosen, index)
    which = "single " if len(scripts) == 1 else ""
    return WebCommand(
        (chosen.name,), f"the {which}{chosen.table} entry `{chosen.name}` in pyproject.toml"
    )


def _script(project: Project) -> WebCommand | None:
    for script in SCRIPT_FILES:
        if project.exists(script):
            return WebCommand(("python", script), f"{script} exists")
    return None


@dataclass(frozen=True)
class WebSearch:
    """What the search for a web process found: the command (None: nothing), the warnings,
    and an app object no server could run (for the message when nothing was found)."""

    web: WebCommand | None
    unserved: str | None = None


def find_web(
    project: Project,
    index: SourceIndex,
    deps: frozenset[str],
    django: DjangoProject | None,
    *,
    provide_server: bool = True,
    project_installed: bool = True,
) -> WebSearch:
    ctx = _Context(deps, provide_server)
    found: WebCommand | None = None
    if django is not None:
        found = _django(django, ctx)
    else:
        apps = find_apps(index, skip_frameworks=frozenset({"Django"}))
        found = (
            _from_apps(apps, ctx)
            or _script_app(find_script_apps(index, deps), ctx)
            or _provided(apps, ctx)
            or _project_script(project, index, project_installed)
            or _script(project)
        )
    if found is not None and found.server is None and ctx.unserved and not ctx.provide_server:
        ctx.warnings.append(
            f"Found {ctx.unserved}, but no server among the dependencies and "
            "BP_PYTHON_SERVER=none: add gunicorn (WSGI) or uvicorn (ASGI) to serve it in "
            "production."
        )
    if found is None:
        return WebSearch(None, ctx.unserved)
    return WebSearch(
        WebCommand(
            found.command,
            found.reason,
            found.entrypoint,
            tuple(ctx.warnings) + found.warnings,
            found.reload_flag,
            found.server,
        ),
        ctx.unserved,
    )


def detect_web(
    project: Project,
    index: SourceIndex,
    deps: frozenset[str],
    django: DjangoProject | None,
    *,
    provide_server: bool = True,
    project_installed: bool = True,
) -> WebCommand | None:
    return find_web(
        project,
        index,
        deps,
        django,
        provide_server=provide_server,
        project_installed=project_installed,
    ).web


def entrypoint_from_argv(argv: Sequence[str]) -> Entrypoint | None:
    """The `module:attr` a gunicorn/uvicorn/hypercorn/waitress command line will import."""
    args = command_words(argv)
    if len(args) >= 3 and args[0].startswith("python") and args[1] == "-m":
        args = args[2:]
    if not args or args[0] not in (*SERVERS, "gunicorn", "uvicorn"):
        return None
    root = ""
    factory = "--factory" in args or "--call" in args
    for flag in ("--chdir", "--pythonpath", "--app-dir"):
        if flag in args[:-1]:
            root = args[args.index(flag) + 1]
    for arg in args[1:]:
        if _MODULE_ATTR.match(arg):
            spec = arg.removesuffix("()")
            module, _, attr = spec.partition(":")
            return Entrypoint(module, attr, root, factory or arg.endswith("()"))
    return None
