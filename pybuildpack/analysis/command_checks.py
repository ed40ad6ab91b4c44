"""Start commands checked at build as the launcher will run them (so no image crash-loops).

Each Procfile command and RUN_COMMAND/BP_RUN_COMMAND is parsed as `processes.to_argv` turns
it into argv: a NUL (exec refuses it), an empty command, an unbalanced quote or trailing
backslash, or shell syntax that `sh -n` rejects fails the build with the Procfile line. Then
every process that runs `python X.py` has X.py checked like a `module:attr`: it must be in the
app and parse.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable, Sequence

from pybuildpack import messages
from pybuildpack.analysis.appfiles import inside, present, read_app_file
from pybuildpack.analysis.processes import ProcessPlan, parse_procfile
from pybuildpack.analysis.project import Project
from pybuildpack.analysis.pysource import MAX_BYTES, Unparsable, parse_source
from pybuildpack.analysis.start_command import EXPANDER
from pybuildpack.errors import InvalidStartCommand, InvalidStartScript
from pybuildpack.settings import Settings

_PROCFILE_LINE = re.compile(r"^([A-Za-z0-9._-]+)\s*:\s*(.*)$")
_SHELL_SYNTAX = re.compile(r"[|&;<>`]|\$\(|\n")
_PYTHON = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")
# python options that take a value (the script comes after it)
_PYTHON_VALUE_OPTIONS = {"-W", "-X", "--check-hash-based-pycs"}
APP_MOUNT = "/workspace"
# Linux refuses a single argument past 128 KiB (MAX_ARG_STRLEN); shlex is quadratic on more.
MAX_COMMAND = 32 * 1024
MAX_PROCESSES = 100  # where the app is at run time


def procfile_entries(project: Project) -> list[tuple[str, int, str]]:
    """(type, line, command) of each Procfile line that names a process."""
    text = project.text("Procfile")
    if text is None:
        return []
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        match = _PROCFILE_LINE.match(raw.strip())
        if match and not raw.strip().startswith("#"):
            entries.append((match.group(1), number, match.group(2).strip()))
    return entries


def check_command(command: str, source: str, line: int | None, process: str) -> None:
    def fail(reason: str, detail: str = "") -> InvalidStartCommand:
        return InvalidStartCommand(source, line, process, command, reason, detail)

    if "\0" in command:
        raise fail("nul")
    if len(command) > MAX_COMMAND:
        raise fail("long")
    if not command.strip():
        raise fail("empty")
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise fail("quote", str(exc)) from exc
    if not words or not words[0]:
        raise fail("empty")
    if _SHELL_SYNTAX.search(command):
        _check_shell(command, fail)


def _check_shell(command: str, fail: Callable[[str, str], InvalidStartCommand]) -> None:
    """`sh -n`: the shell the launcher runs it with parses it without running anything."""
    shell = shutil.which("sh") or ("/bin/sh" if os.path.exists("/bin/sh") else None)
    if shell is None:
        return
    try:
        result = subprocess.run(
            [shell, "-n", "-c", command],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=10,
            env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return
    if result.returncode != 0:
        detail = result.stderr.strip().split("\n", 1)[0]
        raise fail("shell", detail.removeprefix(f"{shell}: ").removeprefix("sh: "))


def check_start_commands(project: Project, settings: Settings) -> None:
    entries = procfile_entries(project)
    if len(entries) > MAX_PROCESSES:
        process, number, command = entries[MAX_PROCESSES]
        raise InvalidStartCommand("Procfile", number, process, command, "many")
    parse_procfile(project)  # a line that is not `<type>: <command>`: InvalidProcfile first
    for process, number, command in entries:
        check_command(command, "Procfile", number, process)
    override = settings.run_command
    if override is not None:
        check_command(override.value, override.name, None, "web")


def _python_target(argv: Sequence[str]) -> tuple[str, str] | None:
    """("script", X.py) for `python X.py`, ("code", CODE) for `python -c CODE`."""
    args = list(argv[1:] if argv and argv[0] == EXPANDER else argv)
    if len(args) < 2 or not _PYTHON.match(args[0]):
        return None
    rest = args[1:]
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        if option == "-c" and rest:
            return None if EXPANDER in argv[:1] else ("code", rest[0])
        if option in {"-m", "-c", "-"}:
            return None
        if option in _PYTHON_VALUE_OPTIONS and rest:
            rest.pop(0)
    if not rest or not rest[0].endswith(".py") or "$" in rest[0]:
        return None
    return ("script", rest[0])


def check_scripts(project: Project, processes: Sequence[ProcessPlan]) -> None:
    """`python X.py`: X.py must be a file of the app that Python can parse; `python -c CODE`:
    CODE must parse."""
    for proc in processes:
        target = _python_target(proc.command)
        if target is None:
            continue
        kind, value = target
        if kind == "script":
            _check_script(project, proc, value)
            continue
        try:
            parse_source(value.encode("utf-8", "surrogateescape"), "-c")
        except Unparsable as exc:
            raise InvalidStartScript(
                proc.type, "-c", "syntax", proc.reason, exc.line, exc.reason
            ) from exc


def _check_script(project: Project, proc: ProcessPlan, script: str) -> None:
    rel = script
    if rel.startswith("/"):
        if not rel.startswith(APP_MOUNT + "/"):
            return  # a path in the image, not ours to check
        rel = rel.removeprefix(APP_MOUNT + "/")

    def fail(reason: str, line: int | None = None, detail: str = "") -> InvalidStartScript:
        return InvalidStartScript(proc.type, script, reason, proc.reason, line, detail)

    if not present(project.app_dir, rel):
        raise fail("missing")
    if not inside(project.app_dir, rel):
        raise fail("outside")
    data = read_app_file(project.app_dir, rel, MAX_BYTES)
    if data is None:
        raise fail("missing")
    try:
        parse_source(data, rel)
    except Unparsable as exc:
        raise fail("syntax", exc.line, exc.reason) from exc


_BIND_FLAGS = {"-b", "--bind", "--host", "--listen"}
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def _bound_address(args: Sequence[str]) -> str | None:
    """The address of `-b HOST:PORT`, `--bind=...`, `--host HOST` (None when not given)."""
    for i, arg in enumerate(args):
        flag, sep, value = arg.partition("=")
        if flag in _BIND_FLAGS and sep:
            return value
        if arg in _BIND_FLAGS and i + 1 < len(args):
            return args[i + 1]
    return None


def listen_warnings(processes: Sequence[ProcessPlan]) -> list[str]:
    """A web process that listens on the container's loopback only cannot be reached."""
    warnings = []
    for proc in processes:
        if proc.type != "web" or not proc.command or proc.command[0] == "/bin/sh":
            continue
        address = _bound_address(proc.command)
        if address is None:
            continue
        host = address.rsplit(":", 1)[0] if ":" in address and "]" not in address else address
        if host.startswith(_LOCAL_HOSTS) or address.startswith(_LOCAL_HOSTS):
            warnings.append(messages.listens_on_loopback(proc.type, " ".join(proc.command)))
    return warnings
