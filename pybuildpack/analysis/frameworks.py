"""Finding the app object by reading the code: `app = FastAPI()`, `create_app()`...

Peers guess `main:app` and break on real layouts; this reads every module's syntax tree
(no import, no execution), resolves each module-level call through that module's imports,
and keeps the ones that build a known WSGI or ASGI application.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import Enum

from pybuildpack.analysis.pysource import Module, SourceIndex


class Interface(Enum):
    WSGI = "WSGI"
    ASGI = "ASGI"


# Fully qualified constructor -> (framework, interface).
CONSTRUCTORS: dict[str, tuple[str, Interface]] = {
    "flask.Flask": ("Flask", Interface.WSGI),
    "flask.app.Flask": ("Flask", Interface.WSGI),
    "fastapi.FastAPI": ("FastAPI", Interface.ASGI),
    "fastapi.applications.FastAPI": ("FastAPI", Interface.ASGI),
    "starlette.applications.Starlette": ("Starlette", Interface.ASGI),
    "litestar.Litestar": ("Litestar", Interface.ASGI),
    "litestar.app.Litestar": ("Litestar", Interface.ASGI),
    "quart.Quart": ("Quart", Interface.ASGI),
    "sanic.Sanic": ("Sanic", Interface.ASGI),
    "falcon.App": ("Falcon", Interface.WSGI),
    "falcon.API": ("Falcon", Interface.WSGI),
    "falcon.asgi.App": ("Falcon", Interface.ASGI),
    "bottle.Bottle": ("Bottle", Interface.WSGI),
    "bottle.default_app": ("Bottle", Interface.WSGI),
    "django.core.wsgi.get_wsgi_application": ("Django", Interface.WSGI),
    "django.core.asgi.get_asgi_application": ("Django", Interface.ASGI),
}
FACTORY_NAMES = frozenset(
    {"create_app", "make_app", "get_app", "app_factory", "create_application"}
)
PREFERRED_FILES = ("main", "app", "wsgi", "asgi", "server", "api", "application")


@dataclass(frozen=True)
class AppCandidate:
    module: str
    attr: str
    interface: Interface
    framework: str
    path: str
    line: int
    root: str  # import root relative to the app dir ("" or "src")
    factory: bool = False

    @property
    def spec(self) -> str:
        return f"{self.module}:{self.attr}"

    def describe(self) -> str:
        kind = "factory" if self.factory else "app"
        return f"{self.framework} {kind} `{self.attr}` in {self.path}, line {self.line}"


def import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> fully qualified name, from the module's top-level imports."""
    aliases: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def qualified_name(expr: ast.expr, aliases: dict[str, str]) -> str | None:
    if isinstance(expr, ast.Name):
        return aliases.get(expr.id, expr.id)
    if isinstance(expr, ast.Attribute):
        base = qualified_name(expr.value, aliases)
        return f"{base}.{expr.attr}" if base else None
    return None


def _constructor(call: ast.expr, aliases: dict[str, str]) -> tuple[str, Interface] | None:
    if not isinstance(call, ast.Call):
        return None
    name = qualified_name(call.func, aliases)
    return CONSTRUCTORS.get(name) if name else None


def _assigned_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
        return [node.target.id]
    return []


def candidates_in(module: Module) -> list[AppCandidate]:
    aliases = import_aliases(module.tree)
    found: list[AppCandidate] = []
    for node in module.tree.body:
        value = getattr(node, "value", None)
        names = _assigned_names(node)
        built = _constructor(value, aliases) if names and isinstance(value, ast.expr) else None
        if built:
            framework, interface = built
            for name in names:
                found.append(
                    AppCandidate(
                        module.name,
                        name,
                        interface,
                        framework,
                        module.path,
                        node.lineno,
                        module.root,
                    )
                )
        elif isinstance(node, ast.FunctionDef) and node.name in FACTORY_NAMES:
            for inner in ast.walk(node):
                made = _constructor(inner, aliases) if isinstance(inner, ast.Call) else None
                if made:
                    framework, interface = made
                    found.append(
                        AppCandidate(
                            module.name,
                            node.name,
                            interface,
                            framework,
                            module.path,
                            node.lineno,
                            module.root,
                            factory=True,
                        )
                    )
                    break
    return found


def _rank(candidate: AppCandidate) -> tuple[int, int, int, int, str]:
    stem = candidate.path.rsplit("/", 1)[-1].removesuffix(".py")
    depth = candidate.path.count("/") - (1 if candidate.root else 0)
    return (
        0 if not candidate.factory else 1,
        0 if candidate.attr in {"app", "application"} else 1,
        PREFERRED_FILES.index(stem) if stem in PREFERRED_FILES else len(PREFERRED_FILES),
        depth,
        candidate.path,
    )


def find_apps(
    index: SourceIndex, *, skip_frameworks: frozenset[str] = frozenset()
) -> list[AppCandidate]:
    """All app objects in the project, best first (rule: instance before factory, `app`
    before other names, main/app/wsgi/asgi files first, shallow before deep)."""
    found = [
        c
        for module in index.modules
        for c in candidates_in(module)
        if c.framework not in skip_frameworks
    ]
    return sorted(found, key=_rank)


# --- what a dependency brings along -----------------------------------------------------------

# (dependency, extra or "" for the plain dependency) -> what it installs that decides the start
# command: servers and CLIs. From each project's own metadata (fastapi's `standard` extra is
# uvicorn[standard] + fastapi-cli; gradio serves with uvicorn; Quart runs on Hypercorn).
PROVIDES: dict[tuple[str, str], frozenset[str]] = {
    ("fastapi", "standard"): frozenset({"uvicorn", "fastapi-cli"}),
    ("fastapi", "standard-no-fastapi-cloud-cli"): frozenset({"uvicorn", "fastapi-cli"}),
    ("fastapi", "all"): frozenset({"uvicorn", "fastapi-cli"}),
    ("fastapi-cli", ""): frozenset({"uvicorn"}),
    ("litestar", "standard"): frozenset({"uvicorn"}),
    ("quart", ""): frozenset({"hypercorn"}),
    ("gradio", ""): frozenset({"uvicorn", "fastapi"}),
}


def with_provided(
    dependencies: frozenset[str], extras: dict[str, frozenset[str]]
) -> frozenset[str]:
    """The dependencies plus what they bring along, their extras counted (`fastapi[standard]`
    provides uvicorn and the `fastapi` CLI)."""
    found = set(dependencies)
    for name in dependencies:
        for extra in ("", *sorted(extras.get(name, frozenset()))):
            found |= PROVIDES.get((name, extra), frozenset())
    return frozenset(found)


# --- script frameworks: Streamlit and Gradio --------------------------------------------------

# The file a UI framework's app usually lives in, best first (Streamlit Cloud's and Hugging Face
# Spaces' defaults, then the usual entry names).
UI_PREFERRED_FILES = ("streamlit_app", "app", "main", "Home", "server", "run", "ui")
UI_FRAMEWORKS = ("gradio", "streamlit")  # Gradio first: a Gradio app may import Streamlit helpers


@dataclass(frozen=True)
class ScriptApp:
    """A script a framework runs (Streamlit, Gradio): served by running the file itself."""

    framework: str  # "streamlit" | "gradio"
    path: str  # relative to the app dir
    line: int  # the import
    launches: bool = True  # Gradio: the file calls `.launch()` (else running it serves nothing)
    # Gradio: `.launch()` keywords that win over GRADIO_SERVER_NAME/PORT (server_port=7860)
    pinned: tuple[str, ...] = ()

    def describe(self) -> str:
        name = "Streamlit" if self.framework == "streamlit" else "Gradio"
        return f"{name} app {self.path} (imports {self.framework} at line {self.line})"


def _imports(tree: ast.Module, top: str) -> int | None:
    """The line of the first import of package `top` in the module, if any."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(alias.name.split(".")[0] == top for alias in node.names):
                return node.lineno
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.split(".")[0] == top
        ):
            return node.lineno
    return None


def _calls_launch(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "launch"
        for node in ast.walk(tree)
    )


def _pinned_launch_args(tree: ast.Module) -> tuple[str, ...]:
    """`server_name=`/`server_port=` given to `.launch()` as something other than an env read."""
    found: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "launch"
        ):
            for keyword in node.keywords:
                if keyword.arg in {"server_name", "server_port"} and isinstance(
                    keyword.value, ast.Constant
                ):
                    found.append(f"{keyword.arg}={keyword.value.value!r}")
    return tuple(found)


def _ui_rank(app: ScriptApp) -> tuple[int, int, int, str]:
    stem = app.path.rsplit("/", 1)[-1].removesuffix(".py")
    preferred = UI_PREFERRED_FILES.index(stem) if stem in UI_PREFERRED_FILES else 99
    return (0 if app.launches else 1, app.path.count("/"), preferred, app.path)


def find_script_apps(index: SourceIndex, dependencies: frozenset[str]) -> list[ScriptApp]:
    """Streamlit/Gradio scripts (the framework is a dependency and the file imports it),
    best first: the app's root before subdirectories, then the usual names."""
    found: list[ScriptApp] = []
    for framework in UI_FRAMEWORKS:
        if framework not in dependencies:
            continue
        apps = [
            ScriptApp(
                framework,
                module.path,
                line,
                framework != "gradio" or _calls_launch(module.tree),
                _pinned_launch_args(module.tree) if framework == "gradio" else (),
            )
            for module in index.modules
            if not module.path.startswith("pages/")  # Streamlit's multipage pages
            and (line := _imports(module.tree, framework)) is not None
        ]
        found += sorted(apps, key=_ui_rank)
    return found
