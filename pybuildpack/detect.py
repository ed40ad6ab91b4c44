"""`bin/detect`: passes for a Python app and writes the build plan.

It runs for every build on a builder, before any buildpack is chosen, so it is kept to what
Python loads at start-up anyway: no pathlib, argparse, dataclasses or TOML library, and
bin/detect runs it without site-packages (`-S`). The plan is fixed text.
"""

from __future__ import annotations

import os
import sys

from pybuildpack.analysis.detect import ENTRY_FILES, PYTHON_PROJECT_FILES, python_files

EXIT_FAIL = 100

# provides and requires cpython and site-packages (launch), so an APM agent or a Procfile
# buildpack can compose with this one; a buildpack after ours that needs them at build
# requires them with `build = true` (then both layers are in the build image too)
BUILD_PLAN = """\
[[provides]]
name = "cpython"

[[provides]]
name = "site-packages"

[[requires]]
name = "cpython"

[requires.metadata]
launch = true

[[requires]]
name = "site-packages"

[requires.metadata]
launch = true
"""


def detect(args: list[str], env: dict[str, str] | os._Environ[str]) -> int:
    """Buildpack API 0.10: `CNB_BUILD_PLAN_PATH`, else the second positional argument."""
    plan_path = env.get("CNB_BUILD_PLAN_PATH") or (args[1] if len(args) > 1 else "plan.toml")
    found = python_files(os.getcwd())
    if not found:
        print(
            f"pybuildpack: no Python project files ({', '.join(PYTHON_PROJECT_FILES)}) "
            f"and no entry file ({', '.join(ENTRY_FILES)})"
        )
        return EXIT_FAIL
    print(f"pybuildpack: Python app detected ({', '.join(found)})")
    with open(plan_path, "w", encoding="utf-8") as handle:
        handle.write(BUILD_PLAN)
    return 0


def main() -> int:
    try:
        return detect(sys.argv[1:], os.environ)
    except Exception as err:  # every failure becomes a message, never a traceback
        from pybuildpack import messages
        from pybuildpack.errors import InternalError

        sys.stdout.flush()
        internal = InternalError(f"{type(err).__name__}: {err} (in detect)")
        sys.stderr.write("\n" + messages.render(internal).text())
        return 1
