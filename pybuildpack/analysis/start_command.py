"""The web process when the app names none: Django, then app objects found in the code,
then a single `[project.scripts]` entry, then `python app.py` / `python main.py`.

Every command listens on `0.0.0.0:$PORT` without a shell: gunicorn binds to `$PORT` by itself,
uvicorn reads `UVICORN_HOST`/`UVICORN_PORT` (set by the buildpack's exec.d at container start),
and the rest get `$PORT` in their arguments through `pybuildpack-exec`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pybuildpack.analysis.django_project import DjangoProject
from pybuildpack.analysis.frameworks import AppCandidate, Interface, find_apps
from pybuildpack.analysis.project import Project
from pybuildpack.analysis.pysource import SourceIndex

EXPANDER = "pybuildpack-exec"
_MODULE_ATTR = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\(\))?$")
SERVERS = ("gunicorn", "uvicorn", "hypercorn", "waitress-serve")


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


@dataclass
class _Context:
    deps: frozenset[str]
    warnings: list[str] = field(default_factory=list)


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


def reload_flag(command: Sequence[str]) -> tuple[str, ...] | None:
    args = list(command[1:] if command and command[0] == EXPANDER else command)
    if not args:
        return None
    if args[0] in {"gunicorn", "uvicorn", "hypercorn"}:
        return ("--reload",)
    if args[:3] == ["python", "manage.py", "runserver"]:
        return ()  # runserver reloads by default
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
            app = apps[0]
            wanted = "uvicorn" if app.interface is Interface.ASGI else "gunicorn"
            ctx.warnings.append(
                f"Found {app.describe()}, but no {app.interface.value} server among the "
                f"dependencies: add {wanted} to serve it in production."
            )
        return None
    app, entry, command = servable[0]
    if len(servable) > 1:
        others = "\n".join(f"  {a.spec} ({a.describe()})" for a, _, _ in servable[1:])
        ctx.warnings.append(
            f"Several app objects were found; using {app.spec} ({app.describe()}).\n"
            f"Also found:\n{others}\nSet a Procfile `web:` line or RUN_COMMAND to choose another."
        )
    server = command[1] if command[0] == EXPANDER else command[0]
    return WebCommand(
        command,
        f"{app.describe()}, served by {server}",
        entry,
        reload_flag=reload_flag(command),
    )


def _project_script(project: Project) -> WebCommand | None:
    table = project.pyproject.get("project", {})
    scripts = table.get("scripts", {}) if isinstance(table, dict) else {}
    if isinstance(scripts, dict) and len(scripts) == 1:
        name = next(iter(scripts))
        return WebCommand((name,), f"the single [project.scripts] entry `{name}` in pyproject.toml")
    return None


def _script(project: Project) -> WebCommand | None:
    for script in ("app.py", "main.py"):
        if project.exists(script):
            return WebCommand(("python", script), f"{script} exists")
    return None


def detect_web(
    project: Project,
    index: SourceIndex,
    deps: frozenset[str],
    django: DjangoProject | None,
) -> WebCommand | None:
    ctx = _Context(deps)
    found: WebCommand | None = None
    if django is not None:
        found = _django(django, ctx)
    else:
        found = _from_apps(find_apps(index, skip_frameworks=frozenset({"Django"})), ctx)
        found = found or _project_script(project) or _script(project)
    if found is None:
        return None
    return WebCommand(
        found.command,
        found.reason,
        found.entrypoint,
        tuple(ctx.warnings) + found.warnings,
        found.reload_flag,
    )


def entrypoint_from_argv(argv: Sequence[str]) -> Entrypoint | None:
    """The `module:attr` a gunicorn/uvicorn/hypercorn/waitress command line will import."""
    args = list(argv[1:] if argv and argv[0] == EXPANDER else argv)
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
