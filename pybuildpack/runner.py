"""Running the tools a build needs, with output streamed and failures typed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

from pybuildpack.errors import CommandFailed
from pybuildpack.log import Logger, format_duration
from pybuildpack.messages import tool_deadline
from pybuildpack.redact import redact, register_env

TAIL_LINES = 200  # of streamed output, kept for error mapping (CommandFailed.output)
MAX_LINE = 64 * 1024  # characters of output read at once
TOOL_DEADLINE = 2 * 60 * 60.0  # seconds: a step still running then is stopped


def redact_text(text: str) -> str:
    """Every secret the build knows, and passwords in URLs, replaced by ***: linear time."""
    return redact(text)


def run(
    command: Sequence[str],
    *,
    step: str,
    env: Mapping[str, str],
    log: Logger,
    cwd: Path | None = None,
    capture: bool = False,
    deadline: float = TOOL_DEADLINE,
) -> str:
    """Run `command`; stream its output indented (or capture it); raise CommandFailed on error.

    A tool still running after `deadline` seconds (a build backend in an endless loop) is
    stopped with everything it started, and fails the step; lines are read at most 64 KiB
    at a time, so output without newlines cannot fill the memory.
    """
    register_env(env)  # credential variables and the NETRC file of this command's env
    log.debug(redact_text(f"Running: {' '.join(command)}"))
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,  # its own process group: stopped whole at the deadline
        )
    except OSError as exc:
        raise CommandFailed(step, list(command), 127, hint=str(exc)) from exc
    expired = threading.Event()

    def stop() -> None:
        expired.set()
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)

    timer = threading.Timer(deadline, stop)
    timer.daemon = True
    timer.start()
    captured: list[str] = []
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    assert proc.stdout is not None
    try:
        while raw := proc.stdout.readline(MAX_LINE):
            line = redact_text(raw)
            if capture:
                captured.append(line)
            else:
                tail.append(line)
                log.subdetail(line.rstrip("\n"))
        code = proc.wait()
    finally:
        timer.cancel()
    log.debug(f"Exit status {code} after {format_duration(time.monotonic() - start)}")
    output = "".join(captured if capture else tail)
    if expired.is_set():
        raise CommandFailed(step, list(command), code, hint=tool_deadline(deadline), output=output)
    if code != 0:
        raise CommandFailed(step, list(command), code, output=output)
    return "".join(captured)
