"""A Django project's facts, read from manage.py and the settings (never imported).

Settings module: `DJANGO_SETTINGS_MODULE` from the build env, else manage.py's
`os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)`. Settings are followed through
`from .base import *` chains (split settings) and packages (`settings/__init__.py`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from pybuildpack.analysis.project import Project
from pybuildpack.analysis.pysource import Module, SourceIndex

UNKNOWN = None


@dataclass(frozen=True)
class DjangoProject:
    settings_module: str | None
    settings_source: str  # "manage.py", "DJANGO_SETTINGS_MODULE" or ""
    wsgi: tuple[str, str] | None  # (module, attr)
    wsgi_source: str
    asgi: tuple[str, str] | None
    asgi_source: str
    staticfiles: bool | None  # None: could not tell statically
    static_root: bool | None


def _settings_from_manage_py(project: Project) -> str | None:
    tree = project.source_tree("manage.py")
    if tree is None:
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"setdefault", "__setitem__"}
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "DJANGO_SETTINGS_MODULE"
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            return node.args[1].value
    return None


def _star_imports(module: Module) -> list[str]:
    """Modules a settings module pulls everything from (`from .base import *`)."""
    targets: list[str] = []
    package = module.name if module.path.endswith("__init__.py") else module.name.rpartition(".")[0]
    for node in module.tree.body:
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                targets.append(".".join([*base, node.module] if node.module else base))
            elif node.module:
                targets.append(node.module)
    return targets


def _settings_chain(index: SourceIndex, name: str) -> list[Module]:
    """The settings module and, depth first, every module it star-imports."""
    chain: list[Module] = []
    todo = [name]
    while todo and len(chain) < 20:
        current = index.get(todo.pop(0))
        if current is None or current in chain:
            continue
        chain.append(current)
        todo = _star_imports(current) + todo
    return chain


def _assignment(chain: list[Module], name: str) -> ast.expr | None:
    """The value assigned to `name` by the settings; the module itself wins over imports."""
    for module in chain:
        for node in reversed(module.tree.body):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets
            ):
                return node.value
    return None


def _dotted_setting(chain: list[Module], name: str) -> tuple[str, str] | None:
    value = _assignment(chain, name)
    if isinstance(value, ast.Constant) and isinstance(value.value, str) and "." in value.value:
        module, _, attr = value.value.rpartition(".")
        return module, attr
    return None


def _staticfiles(chain: list[Module]) -> bool | None:
    value = _assignment(chain, "INSTALLED_APPS")
    if isinstance(value, ast.List | ast.Tuple):
        names = [e.value for e in value.elts if isinstance(e, ast.Constant)]
        if all(isinstance(e, ast.Constant) for e in value.elts):
            return any(
                isinstance(n, str) and n.startswith("django.contrib.staticfiles") for n in names
            )
    return UNKNOWN if chain else None


def _static_root(chain: list[Module]) -> bool | None:
    value = _assignment(chain, "STATIC_ROOT")
    if value is None:
        return False if chain else UNKNOWN
    return not (isinstance(value, ast.Constant) and value.value in (None, ""))


def _default_app_module(
    index: SourceIndex, settings: str | None, kind: str
) -> tuple[str, str] | None:
    """`<project>/wsgi.py` next to the settings, else any `*.wsgi` module defining application."""
    if settings:
        top = settings.split(".")[0]
        candidate = index.get(f"{top}.{kind}")
        if candidate is not None:
            return candidate.name, "application"
    for module in index.modules:
        if module.name.rpartition(".")[2] == kind and _defines(module, "application"):
            return module.name, "application"
    return None


def _defines(module: Module, attr: str) -> bool:
    for node in module.tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == attr for t in node.targets
        ):
            return True
    return False


def analyze_django(
    project: Project, index: SourceIndex, settings_module: str = ""
) -> DjangoProject:
    """`settings_module` is DJANGO_SETTINGS_MODULE from the build env ("" when unset)."""
    from_env = settings_module.strip()
    settings = from_env or _settings_from_manage_py(project)
    source = "DJANGO_SETTINGS_MODULE" if from_env else ("manage.py" if settings else "")
    chain = _settings_chain(index, settings) if settings else []
    wsgi = _dotted_setting(chain, "WSGI_APPLICATION")
    wsgi_source = f"WSGI_APPLICATION in {chain[0].path}" if wsgi and chain else ""
    if wsgi is None:
        wsgi = _default_app_module(index, settings, "wsgi")
        wsgi_source = f"{wsgi[0].replace('.', '/')}.py" if wsgi else ""
    asgi = _dotted_setting(chain, "ASGI_APPLICATION")
    asgi_source = f"ASGI_APPLICATION in {chain[0].path}" if asgi and chain else ""
    if asgi is None:
        asgi = _default_app_module(index, settings, "asgi")
        asgi_source = f"{asgi[0].replace('.', '/')}.py" if asgi else ""
    return DjangoProject(
        settings_module=settings,
        settings_source=source,
        wsgi=wsgi,
        wsgi_source=wsgi_source,
        asgi=asgi,
        asgi_source=asgi_source,
        staticfiles=_staticfiles(chain) if chain else UNKNOWN,
        static_root=_static_root(chain) if chain else UNKNOWN,
    )
