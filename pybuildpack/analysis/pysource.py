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
MAX_FILES = 3000  # files parsed by one scan
MAX_BYTES = 1_000_000  # per source file
MAX_SCAN_BYTES = 50_000_000  # over the whole scan
MAX_DEPTH = 24  # directory levels below a scanned top


@dataclass(frozen=True)
class Module:
    path: str  # relative to the app dir, POSIX style
    name: str  # dotted import name, relative to its import root
    root: str  # the import root relative to the app dir: "" or e.g. "src"
    tree: ast.Module


class Unparsable(Exception):
    """A source file that cannot be read as Python: the reason, and the line when known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def module_name(rel: PurePosixPath) -> str:
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_root(rel: PurePosixPath) -> str:
    """`src/pkg/app.py` imports as `pkg.app` from `src` (the src layout)."""
    return "src" if rel.parts and rel.parts[0] == "src" and len(rel.parts) > 1 else ""


def parse_source(data: bytes, shown: str) -> ast.Module:
    """The syntax tree of `data`; Unparsable (with the line) for anything Python refuses."""
    try:
        return ast.parse(data, filename=shown)
    except SyntaxError as exc:
        raise Unparsable(f"{exc.msg}", exc.lineno) from exc
    except (RecursionError, MemoryError) as exc:
        raise Unparsable("it is nested too deeply for Python's parser") from exc
    except ValueError as exc:  # e.g. NUL bytes, int-str conversion limits
        from pybuildpack.analysis.appfiles import value_error_detail

        raise Unparsable(value_error_detail(exc)) from exc


def read_tree(path: Path, shown: str) -> ast.Module:
    """Read (bounded, regular files only) and parse; Unparsable or a typed error otherwise."""
    from pybuildpack.analysis.appfiles import read_regular

    return parse_source(read_regular(path, shown, MAX_BYTES), shown)


def parse(path: Path) -> ast.Module | None:
    """The tree of a source file, or None when it cannot be read or parsed."""
    from pybuildpack.errors import BuildpackError

    try:
        return read_tree(path, str(path))
    except (Unparsable, BuildpackError):
        return None


def _walk(app_dir: Path, top: str) -> Iterator[PurePosixPath]:
    """The .py files under `top` (relative), sorted, skipping what is not app code."""
    start = os.path.join(app_dir, top) if top else str(app_dir)
    for dirpath, dirnames, filenames in os.walk(start):
        deep = os.path.relpath(dirpath, start).count(os.sep) >= MAX_DEPTH
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not deep and d not in SKIP_DIRS and not d.startswith(".") and _not_venv(dirpath, d)
        )
        for name in sorted(filenames):
            if name.endswith(".py") and not name.startswith("test_"):
                yield PurePosixPath(os.path.relpath(os.path.join(dirpath, name), app_dir))


def iter_python_files(
    app_dir: Path, likely: tuple[str, ...] = (), limit: int = MAX_FILES
) -> Iterator[PurePosixPath]:
    """Every .py file of the app, the likely places first: the root's own files, `src/`, the
    packages the project names, then the rest; at most `limit` (the caller warns)."""
    seen: set[PurePosixPath] = set()
    root_files = sorted(
        PurePosixPath(name)
        for name in _listdir(app_dir)
        if name.endswith(".py") and not name.startswith("test_") and _is_file(app_dir, name)
    )
    from pybuildpack.analysis.appfiles import inside

    tops = [
        t
        for t in ("src", *likely)
        if os.path.isdir(os.path.join(app_dir, t)) and inside(app_dir, t)
    ]

    def ordered() -> Iterator[PurePosixPath]:
        yield from root_files
        for top in tops:
            yield from _walk(app_dir, top)
        yield from _walk(app_dir, "")

    count = 0
    for rel in ordered():
        if rel in seen:
            continue
        seen.add(rel)
        yield rel
        count += 1
        if count >= limit:
            return


def _listdir(path: Path) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _is_file(app_dir: Path, name: str) -> bool:
    return not os.path.isdir(os.path.join(app_dir, name))


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
    """Parsed modules of the app, loaded lazily and once, within a file and byte budget.

    A file that cannot be parsed or read is skipped with a warning naming it (and the line);
    past the budget the scan stops with a warning (the likely places were scanned first).
    """

    def __init__(
        self,
        app_dir: Path,
        likely: tuple[str, ...] = (),
        max_files: int = MAX_FILES,
        max_bytes: int = MAX_SCAN_BYTES,
    ) -> None:
        self.app_dir = app_dir
        self.likely = likely
        self.max_files = max_files
        self.max_bytes = max_bytes
        self._modules: list[Module] | None = None
        self._by_name: dict[str, Module] = {}
        self.warnings: list[str] = []

    @property
    def modules(self) -> list[Module]:
        if self._modules is None:
            self._modules = []
            self._scan()
        return self._modules

    def _scan(self) -> None:
        from pybuildpack import messages
        from pybuildpack.analysis.appfiles import inside
        from pybuildpack.errors import BuildpackError, FileTooLarge

        assert self._modules is not None
        spent = 0
        skipped: list[str] = []
        count = 0
        for rel in iter_python_files(self.app_dir, self.likely, self.max_files + 1):
            count += 1
            if count > self.max_files or spent > self.max_bytes:
                self.warnings.append(
                    messages.source_scan_stopped(count - 1, spent, self.max_files, self.max_bytes)
                )
                break
            shown = _printable(str(rel))
            if not all(part.isidentifier() for part in module_name(rel).split(".")):
                continue  # `my-app.py`, a non-UTF-8 name: Python cannot import it by name
            if not inside(self.app_dir, str(rel)):
                skipped.append(f"  {shown}: a symbolic link out of the app (not read)")
                continue
            try:
                tree = read_tree(self.app_dir / rel, shown)
            except Unparsable as exc:
                where = f"{shown}, line {exc.line}" if exc.line else shown
                skipped.append(f"  {where}: {exc.reason}")
                continue
            except FileTooLarge:  # not read: costs nothing of the budget
                skipped.append(f"  {shown}: larger than {MAX_BYTES:,} bytes")
                continue
            except BuildpackError as exc:
                skipped.append(f"  {shown}: {_why(exc)}")
                continue
            spent += os.path.getsize(self.app_dir / rel)
            root = import_root(rel)
            name = module_name(rel.relative_to(root) if root else rel)
            module = Module(str(rel), name, root, tree)
            self._modules.append(module)
            self._by_name.setdefault(name, module)
        if skipped:
            self.warnings.append(messages.skipped_sources(skipped))

    def get(self, dotted: str) -> Module | None:
        self.modules  # noqa: B018 - loads the index
        return self._by_name.get(dotted)


def _printable(text: str) -> str:
    """A file name as the log shows it: no newline or other control or unencodable char."""
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text)


def _why(exc: Exception) -> str:
    kind = getattr(exc, "kind", None)
    if kind:
        return f"a {kind}, not a regular file"
    return str(getattr(exc, "detail", "")) or "unreadable"
