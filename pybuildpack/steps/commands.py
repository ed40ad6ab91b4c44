"""After the install: a warning for a start command whose program is nowhere to be found.

`web: gunicron app:app` builds fine and crash-loops at every start. The program is looked up
as the launcher will: the venv's bin, CPython's bin, the app dir (a relative path), and the
build image's PATH (the run image usually has the same system programs). It is a warning,
not an error: a later buildpack may provide the program.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from pybuildpack import messages
from pybuildpack.analysis.analyze import BuildPlan
from pybuildpack.analysis.start_command import EXPANDER
from pybuildpack.log import Logger


def _program(command: tuple[str, ...]) -> str | None:
    args = command[1:] if command and command[0] == EXPANDER else command
    if not args or args[0] in {"/bin/sh", "sh"} or "$" in args[0]:
        return None
    return args[0]


def _module_of(command: tuple[str, ...]) -> str | None:
    """M of `python -m M ...` (None when variables or other options make it unclear)."""
    args = command[1:] if command and command[0] == EXPANDER else command
    if len(args) >= 3 and Path(args[0]).name.startswith("python") and args[1] == "-m":
        module = args[2]
        if all(part.isidentifier() for part in module.split(".")):
            return module
    return None


def missing_modules(
    plan: BuildPlan, app_dir: Path, venv: Path, python_home: Path
) -> list[tuple[str, str]]:
    """(process, module) for each `python -m M` whose M is in neither the app, the venv nor
    CPython's standard library."""
    roots = [app_dir, *sorted(venv.glob("lib/python3*/site-packages"))]
    for lib in sorted(python_home.glob("lib/python3*")):
        roots += [lib, lib / "lib-dynload"]
    missing = []
    for proc in plan.processes:
        module = _module_of(proc.command)
        if module is None:
            continue
        top = module.split(".")[0]
        found = any(
            (root / f"{top}.py").exists() or (root / top).is_dir() or any(root.glob(f"{top}.*.so"))
            for root in roots
        )
        if not found:
            missing.append((proc.type, module))
    return missing


def missing_programs(
    plan: BuildPlan, app_dir: Path, venv: Path, env: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(process, program) for each process whose program cannot be found."""
    search = os.pathsep.join([str(venv / "bin"), env.get("PATH", "/usr/bin:/bin")])
    missing = []
    for proc in plan.processes:
        program = _program(proc.command)
        if program is None:
            continue
        if "/" in program:
            path = Path(program) if program.startswith("/") else app_dir / program
            if program.startswith("/workspace/"):
                path = app_dir / program.removeprefix("/workspace/")
            found = path.exists()
        else:
            found = shutil.which(program, path=search) is not None
        if not found:
            missing.append((proc.type, program))
    return missing


def warn_missing_programs(
    plan: BuildPlan, app_dir: Path, venv: Path, env: Mapping[str, str], log: Logger
) -> None:
    for process, program in missing_programs(plan, app_dir, venv, env):
        log.warning(*messages.missing_program(process, program))


def warn_missing_modules(
    plan: BuildPlan, app_dir: Path, venv: Path, python_home: Path, log: Logger
) -> None:
    for process, module in missing_modules(plan, app_dir, venv, python_home):
        log.warning(*messages.missing_module(process, module))
