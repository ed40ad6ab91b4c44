"""Running the tools a build needs, with output streamed and failures typed."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from pybuildpack.errors import CommandFailed
from pybuildpack.log import Logger, format_duration


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
    log.debug(f"Running: {' '.join(command)}")
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
    assert proc.stdout is not None
    for line in proc.stdout:
        if capture:
            captured.append(line)
        else:
            log.subdetail(line.rstrip("\n"))
    code = proc.wait()
    log.debug(f"Exit status {code} after {format_duration(time.monotonic() - start)}")
    if code != 0:
        raise CommandFailed(step, list(command), code, output="".join(captured))
    return "".join(captured)
