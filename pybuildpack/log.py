"""Build output in the style of Paketo and Heroku logs.

    Python Buildpack 0.1.0
      Resolving CPython version
        Candidate version sources (in priority order):
          .python-version -> "3.12"
        Selected CPython version 3.12.8 (from .python-version)

A header per step, indented detail, warnings and errors as titled blocks, and timings
for slow steps. `BP_LOG_LEVEL=DEBUG` also prints each command and its duration.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from pybuildpack.redact import redact


class Logger:
    def __init__(self, stream: TextIO | None = None, *, debug: bool = False) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self.debug_enabled = debug

    def _write(self, text: str) -> None:
        self._stream.write(redact(text) + "\n")
        self._stream.flush()

    def title(self, text: str) -> None:
        """The buildpack's name and version, printed once."""
        self._write(text)

    def header(self, text: str) -> None:
        """A build step."""
        self._write("")
        self._write(f"  {text}")

    def detail(self, text: str) -> None:
        """A fact about the current step."""
        for line in text.splitlines() or [""]:
            self._write(f"    {line}")

    def subdetail(self, text: str) -> None:
        for line in text.splitlines() or [""]:
            self._write(f"      {line}")

    def debug(self, text: str) -> None:
        if self.debug_enabled:
            for line in text.splitlines() or [""]:
                self._write(f"    [debug] {line}")

    def warning(self, title: str, body: str = "") -> None:
        self._write("")
        self._write(f"  [Warning: {title}]")
        for line in body.splitlines():
            self._write(f"  {line}" if line else "")

    def error(self, title: str, body: str = "") -> None:
        self._write("")
        self._write(f"[Error: {title}]")
        for line in body.splitlines():
            self._write(line)

    @contextmanager
    def timed(self, text: str) -> Iterator[None]:
        """Print `text`, run the block, then `Completed in 1.2s`."""
        self.detail(text)
        start = time.monotonic()
        yield
        self.subdetail(f"Completed in {format_duration(time.monotonic() - start)}")


class Deferred(Logger):
    """Lines decided early (a reuse check before the step runs), printed later under their
    step's header with `replay`."""

    def __init__(self, *, debug: bool = False) -> None:
        self._buffer = io.StringIO()
        super().__init__(self._buffer, debug=debug)

    def replay(self, log: Logger) -> None:
        for line in self._buffer.getvalue().splitlines():
            log._write(line)
        self._buffer = io.StringIO()
        self._stream = self._buffer


def format_duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


NULL = Logger(stream=open("/dev/null", "w"))  # noqa: SIM115 - a sink kept for the process
