"""Regenerate the lock files (`make update-locks`): every third-party package the buildpack
runs, pinned with its sha256 hashes, installed with `pip install --require-hashes`.

* `locks/runtime.txt`: the buildpack's own dependencies (pyproject.toml `[project]
  dependencies`), installed into `runtime/` by scripts/make_runtime.py;
* `locks/tools/<tool>-<version>.txt`: each package-manager tool at its buildpack.toml default
  version with its whole dependency tree (layers/tools.py installs it into the tool layer);
  `locks/tools/<tool>.constraints`, when present, adds pins the tool's own metadata lacks.

Resolved by `uv pip compile --universal --generate-hashes` for every Python the catalog offers
(>= 3.10) and every platform, so one file serves amd64 and arm64 and all CPython minors
(markers such as `python_full_version < '3.11'` select the rest at install time).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCKS = REPO / "locks"
TOOLS = ("uv", "poetry", "pipenv", "pdm")
OLDEST_PYTHON = "3.10"  # the oldest minor in the CPython catalog
RUNTIME_PYTHON = "3.11"  # pyproject.toml requires-python


def compile_lock(source: Path, output: Path, python: str) -> None:
    """`uv pip compile`, run next to `source` so the file names the input by its name."""
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    subprocess.run(
        [
            uv,
            "pip",
            "compile",
            "--quiet",
            "--universal",
            "--generate-hashes",
            "--python-version",
            python,
            "--custom-compile-command",
            "make update-locks",
            "--output-file",
            str(output),
            source.name,
        ],
        check=True,
        cwd=source.parent,
    )
    print(f"update-locks: {output.relative_to(REPO)}")


def main() -> int:
    compile_lock(REPO / "pyproject.toml", LOCKS / "runtime.txt", RUNTIME_PYTHON)
    defaults = tomllib.loads((REPO / "buildpack.toml").read_text())["metadata"]["default-versions"]
    tools_dir = LOCKS / "tools"
    for tool in TOOLS:
        version = defaults[tool]
        lines = [f"{tool}=={version}"]
        constraints = tools_dir / f"{tool}.constraints"
        if constraints.is_file():
            lines += [
                line.strip()
                for line in constraints.read_text().splitlines()
                if line.strip() and not line.startswith("#")
            ]
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / f"{tool}.in"
            source.write_text("\n".join(lines) + "\n")
            compile_lock(source, tools_dir / f"{tool}-{version}.txt", OLDEST_PYTHON)
        for stale in tools_dir.glob(f"{tool}-*.txt"):
            if stale.name != f"{tool}-{version}.txt":
                stale.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
