"""How the app starts: launch processes, each with the reason it was chosen.

Order: RUN_COMMAND / BP_RUN_COMMAND (web), every Procfile entry (web is the default), then
`gunicorn app:app` when gunicorn is a dependency and app.py defines `app`, else
`python app.py` / `python main.py`. Full framework discovery is its own step (issue 5).

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
from collections.abc import Mapping
from dataclasses import dataclass

from pybuildpack.analysis.project import Project
from pybuildpack.errors import InvalidConfig, InvalidProcfile

_PROCFILE_LINE = re.compile(r"^([A-Za-z0-9._-]+)\s*:\s*(.+)$")
_SHELL_SYNTAX = re.compile(r"[|&;<>`]|\$\(|\n")
_VAR = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}|\$[A-Za-z_][A-Za-z0-9_]*")
EXPANDER = "pybuildpack-exec"


@dataclass(frozen=True)
class ProcessPlan:
    type: str
    command: tuple[str, ...]
    args: tuple[str, ...]
    default: bool
    reason: str


def to_argv(command: str) -> tuple[str, ...]:
    """A command line as argv for a direct process."""
    if _SHELL_SYNTAX.search(command):
        return ("/bin/sh", "-c", command)
    try:
        words = shlex.split(command)
    except ValueError:
        return ("/bin/sh", "-c", command)
    if any(_VAR.search(word) for word in words):
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


def _defines_by_statement(node: ast.stmt, attr: str) -> bool:
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return node.name == attr
    if isinstance(node, ast.ImportFrom | ast.Import):
        return any((alias.asname or alias.name) == attr for alias in node.names)
    return False


def defines_module_attr(project: Project, filename: str, attr: str) -> bool:
    """Whether `filename` assigns `attr` at module level (read, never run)."""
    source = project.text(filename)
    if source is None:
        return False
    try:
        tree = ast.parse(source, filename=filename)
    except (SyntaxError, ValueError):
        return False
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        elif _defines_by_statement(node, attr):
            return True
        if any(isinstance(t, ast.Name) and t.id == attr for t in targets):
            return True
    return False


def _run_command(env: Mapping[str, str]) -> tuple[str, str] | None:
    for name in ("BP_RUN_COMMAND", "RUN_COMMAND"):
        if name in env:
            value = env[name].strip()
            if not value:
                raise InvalidConfig(name, env[name], "a command line, e.g. 'gunicorn app:app'")
            return name, value
    return None


def _detected_web(project: Project, dependencies: frozenset[str]) -> ProcessPlan | None:
    if "gunicorn" in dependencies and defines_module_attr(project, "app.py", "app"):
        return ProcessPlan(
            "web",
            ("gunicorn", "app:app"),
            (),
            True,
            "gunicorn is a dependency and app.py defines `app`",
        )
    for script in ("app.py", "main.py"):
        if project.exists(script):
            return ProcessPlan("web", ("python", script), (), True, f"{script} exists")
    return None


def plan_processes(
    project: Project, env: Mapping[str, str], dependencies: frozenset[str]
) -> list[ProcessPlan]:
    processes: dict[str, ProcessPlan] = {}
    for name, command in parse_procfile(project):
        processes[name] = ProcessPlan(
            name, to_argv(command), (), name == "web", f"Procfile entry `{name}`"
        )
    override = _run_command(env)
    if override:
        variable, command = override
        processes["web"] = ProcessPlan("web", to_argv(command), (), True, f"{variable} is set")
    elif "web" not in processes:
        web = _detected_web(project, dependencies)
        if web:
            processes = {"web": web, **processes}
    if "web" not in processes and processes:
        first = next(iter(processes))
        p = processes[first]
        processes[first] = ProcessPlan(p.type, p.command, p.args, True, p.reason)
    ordered = sorted(processes.values(), key=lambda p: (not p.default, p.type))
    return ordered
