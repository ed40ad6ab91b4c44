"""The shape of the code: no import cycles; configuration is read only by pybuildpack.settings;
the CNB contract package knows nothing of Python apps."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pybuildpack"
BUILDPACK_TOML = PACKAGE.parent / "buildpack.toml"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every pybuildpack module `name` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            if target in MODULES:
                found.add(target)
            elif target.rpartition(".")[0] in MODULES and target.rpartition(".")[0] != name:
                found.add(target.rpartition(".")[0])
    found.discard(name)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(GRAPH[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return result


def test_no_import_cycles() -> None:
    assert _cycles() == []


def test_the_cycle_check_finds_a_cycle() -> None:
    """The check itself works: a made-up edge back from errors to cli is a cycle."""
    GRAPH["pybuildpack.errors"].add("pybuildpack.cli")
    try:
        assert _cycles()
    finally:
        GRAPH["pybuildpack.errors"].discard("pybuildpack.cli")


def test_cnb_contract_knows_no_python_app() -> None:
    for name, imported in GRAPH.items():
        if name.startswith("pybuildpack.cnb"):
            outside = {m for m in imported if not m.startswith("pybuildpack.cnb")}
            assert not outside, f"{name} imports {outside}"


def _configuration_names() -> set[str]:
    data = tomllib.loads(BUILDPACK_TOML.read_text(encoding="utf-8"))
    names = {c["name"] for c in data["metadata"]["configurations"]}
    return {n for n in names if "<" not in n}


CONFIG = _configuration_names()
READERS = {"get", "getenv", "pop", "setdefault"}


def _config_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """Where a configuration variable's name is used as a key into a mapping."""
    found: list[tuple[int, str]] = []

    def is_config(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
            if value in CONFIG or value.startswith("BP_"):
                return value
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in READERS and node.args and (name := is_config(node.args[0])):
                found.append((node.lineno, name))
        elif (isinstance(node, ast.Subscript) and (name := is_config(node.slice))) or (
            isinstance(node, ast.Compare)
            and (name := is_config(node.left))
            and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
        ):
            found.append((node.lineno, name))
    return found


def test_only_settings_reads_configuration() -> None:
    offenders = []
    for name, path in MODULES.items():
        if name == "pybuildpack.settings":
            continue
        for line, variable in _config_reads(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line} reads {variable}")
    assert offenders == []


def test_the_configuration_check_finds_a_read() -> None:
    code = 'x = env.get("BP_RUN_COMMAND")\ny = env["PYTHON_VERSION"]\nz = "BP_X" in env\n'
    assert [n for _, n in _config_reads(ast.parse(code))] == [
        "BP_RUN_COMMAND",
        "PYTHON_VERSION",
        "BP_X",
    ]
