"""The app's Python source, read as syntax trees (never imported or run)."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# Not app code: environments, tests, build outputs, VCS.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        "env",
        ".env",
        ".tox",
        ".nox",
        "node_modules",
        "site-packages",
        "__pycache__",
        "build",
        "dist",
        "tests",
        "test",
        "testing",
        "docs",
        "migrations",
        ".mypy_cache",
        ".pytest_cache",
    }
)
MAX_FILES = 3000
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Module:
    path: str  # relative to the app dir, POSIX style
    name: str  # dotted import name, relative to its import root
    root: str  # the import root relative to the app dir: "" or e.g. "src"
    tree: ast.Module


def module_name(rel: PurePosixPath) -> str:
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_root(rel: PurePosixPath) -> str:
    """`src/pkg/app.py` imports as `pkg.app` from `src` (the src layout)."""
    return "src" if rel.parts and rel.parts[0] == "src" and len(rel.parts) > 1 else ""


def parse(path: Path) -> ast.Module | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        return ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return None


def iter_python_files(app_dir: Path) -> Iterator[PurePosixPath]:
    count = 0
    for dirpath, dirnames, filenames in os.walk(app_dir):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS and not d.startswith(".") and _not_venv(dirpath, d)
        )
        for name in sorted(filenames):
            if name.endswith(".py") and not name.startswith("test_"):
                yield PurePosixPath(os.path.relpath(os.path.join(dirpath, name), app_dir))
                count += 1
                if count >= MAX_FILES:
                    return


def _not_venv(parent: str, name: str) -> bool:
    return not os.path.exists(os.path.join(parent, name, "pyvenv.cfg"))


def defined_at_module_level(tree: ast.Module, name: str) -> bool | None:
    """Whether the module binds `name` at top level: by assignment, def, class or import.

    None when that cannot be told without running it: a star import, or a binding of the
    name under `if`/`try`. Callers decide what "cannot tell" means for them.
    """
    unknown = False
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return True
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == name:
                return True
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    unknown = True
                elif (alias.asname or alias.name.split(".")[0]) == name:
                    return True
        elif isinstance(node, ast.If | ast.Try) and any(
            isinstance(n, ast.Name) and n.id == name for n in ast.walk(node)
        ):
            unknown = True
    return None if unknown else False


class SourceIndex:
    """Parsed modules of the app, loaded lazily and once."""

    def __init__(self, app_dir: Path) -> None:
        self.app_dir = app_dir
        self._modules: list[Module] | None = None
        self._by_name: dict[str, Module] = {}

    @property
    def modules(self) -> list[Module]:
        if self._modules is None:
            self._modules = []
            for rel in iter_python_files(self.app_dir):
                tree = parse(self.app_dir / rel)
                if tree is None:
                    continue
                root = import_root(rel)
                name = module_name(rel.relative_to(root) if root else rel)
                module = Module(str(rel), name, root, tree)
                self._modules.append(module)
                self._by_name.setdefault(name, module)
        return self._modules

    def get(self, dotted: str) -> Module | None:
        self.modules  # noqa: B018 - loads the index
        return self._by_name.get(dotted)
