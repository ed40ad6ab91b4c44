"""Does the start command's `module:attr` exist? Checked at build, so a typo fails the build
instead of crash-looping the container.

Static (default): the module is found on the launch `sys.path` (the app dir, or the import
root the command names, then the venv's site-packages) and its syntax tree defines the
attribute; nothing of the app runs. `BP_PYTHON_ENTRYPOINT_CHECK=import` also imports it in
a subprocess with the venv; `off` skips both.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pybuildpack.analysis.analyze import BuildPlan
from pybuildpack.analysis.processes import ProcessPlan
from pybuildpack.analysis.pysource import defined_at_module_level, parse
from pybuildpack.analysis.start_command import Entrypoint
from pybuildpack.errors import CommandFailed, EntrypointImportFailed, EntrypointNotFound
from pybuildpack.log import Logger
from pybuildpack.runner import run


def search_path(app_dir: Path, venv: Path, entry: Entrypoint) -> list[Path]:
    roots = [app_dir / entry.root] if entry.root else []
    roots.append(app_dir)
    roots += sorted(venv.glob("lib/python3*/site-packages"))
    return roots


def find_module(name: str, roots: list[Path]) -> Path | None:
    rel = Path(*name.split("."))
    for root in roots:
        for candidate in (root / rel.with_suffix(".py"), root / rel / "__init__.py"):
            if candidate.is_file():
                return candidate
        if any(root.glob(f"{rel}.*.so")) or any(root.glob(f"{rel}.so")):
            return root / rel  # a compiled module: it exists, its names cannot be read
    return None


def defines(path: Path, attr: str) -> bool:
    """True when the module defines `attr`, or when it cannot be told (star imports, C)."""
    if path.suffix != ".py":
        return True
    tree = parse(path)
    if tree is None:
        return True  # the import check or the server will report a syntax error
    return defined_at_module_level(tree, attr) is not False


def check_static(proc: ProcessPlan, entry: Entrypoint, app_dir: Path, venv: Path) -> None:
    roots = search_path(app_dir, venv, entry)
    shown = [str(r) for r in roots]
    module = find_module(entry.module, roots)
    if module is None:
        raise EntrypointNotFound(
            proc.type, list(proc.command), entry.spec, "module", proc.reason, shown
        )
    if not defines(module, entry.attr):
        raise EntrypointNotFound(
            proc.type, list(proc.command), entry.spec, "attribute", proc.reason, [str(module)]
        )


def check_import(
    proc: ProcessPlan,
    entry: Entrypoint,
    app_dir: Path,
    venv: Path,
    env: Mapping[str, str],
    log: Logger,
) -> None:
    root = str(app_dir / entry.root) if entry.root else str(app_dir)
    code = (
        "import importlib, sys\n"
        f"sys.path[:0] = [{root!r}]\n"
        f"module = importlib.import_module({entry.module!r})\n"
        f"getattr(module, {entry.attr!r})\n"
    )
    try:
        run(
            [str(venv / "bin" / "python"), "-c", code],
            step="entrypoint",
            env=env,
            log=log,
            cwd=app_dir,
            capture=True,
        )
    except CommandFailed as failure:
        raise EntrypointImportFailed(
            proc.type, entry.spec, proc.reason, failure.output
        ) from failure


def needs_venv_files(plan: BuildPlan, app_dir: Path) -> bool:
    """Does the start-command check read the venv: a checked module not in the app itself."""
    mode = plan.settings.entrypoint_check
    if mode == "off":
        return False
    if mode == "import":
        return True
    for proc in plan.processes:
        entry = proc.entrypoint
        if entry is not None:
            roots = [app_dir / entry.root] if entry.root else []
            if find_module(entry.module, [*roots, app_dir]) is None:
                return True
    return False


def check_entrypoints(
    plan: BuildPlan, app_dir: Path, venv: Path, env: Mapping[str, str], log: Logger
) -> None:
    mode = plan.settings.entrypoint_check
    checked = [(p, p.entrypoint) for p in plan.processes if p.entrypoint is not None]
    if mode == "off" or not checked:
        return
    log.header("Checking start commands")
    for proc, entry in checked:
        assert entry is not None
        check_static(proc, entry, app_dir, venv)
        if mode == "import":
            check_import(proc, entry, app_dir, venv, env, log)
        log.detail(
            f"{proc.type}: {entry.spec} found" + (" and imports" if mode == "import" else "")
        )
