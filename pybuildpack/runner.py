"""Running the tools a build needs, with output streamed and failures typed."""

from __future__ import annotations

import subprocess
import time
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

from pybuildpack.errors import CommandFailed
from pybuildpack.log import Logger, format_duration
from pybuildpack.redact import redact, register_env

TAIL_LINES = 200  # of streamed output, kept for error mapping (CommandFailed.output)


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
) -> str:
    """Run `command`; stream its output indented (or capture it); raise CommandFailed on error."""
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
        )
    except OSError as exc:
        raise CommandFailed(step, list(command), 127, hint=str(exc)) from exc
    captured: list[str] = []
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = redact_text(raw)
        if capture:
            captured.append(line)
        else:
            tail.append(line)
            log.subdetail(line.rstrip("\n"))
    code = proc.wait()
    log.debug(f"Exit status {code} after {format_duration(time.monotonic() - start)}")
    if code != 0:
        output = "".join(captured if capture else tail)
        raise CommandFailed(step, list(command), code, output=output)
    return "".join(captured)
