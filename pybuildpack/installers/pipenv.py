"""Pipenv: `pipenv install --deploy` into the venv layer (the active virtualenv).

Pipfile.lock is checked up front: valid JSON, and its `_meta.hash` matching the Pipfile the way
pipenv computes it, so a stale lock fails with our error naming `pipenv lock`. A Pipfile
without a lock is locked at build (a warning). [[source]] URLs may use ${VAR}: pipenv expands
them from the build env, so credentials stay out of the files and the image.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from pybuildpack.analysis.project import Project
from pybuildpack.errors import (
    BuildpackError,
    CommandFailed,
    InvalidJson,
    LockFileOutOfDate,
    PipfileLockHashMismatch,
)
from pybuildpack.installers.base import InstallPaths, Step, require_manifest, tool_env

# plette's Pipfile sections that are not package categories
SECTIONS = frozenset({"source", "packages", "dev-packages", "requires", "scripts", "pipfile"})
DEFAULT_SOURCE = {"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pipfile_hashes(pipfile: dict[str, Any]) -> set[str]:
    """The `_meta.hash.sha256` pipenv writes for this Pipfile: the current algorithm
    (package names canonicalized, pipenv 2024+) and plette's older one (names as written)."""
    data = dict(pipfile)
    if "source" not in data:
        data = {"source": [DEFAULT_SOURCE], **data}
    found = set()
    for normalize in (True, False):

        def names(section: object, normalize: bool = normalize) -> object:
            if not normalize or not isinstance(section, dict):
                return section
            return {_canonical(k): v for k, v in section.items()}

        body: dict[str, Any] = {
            "_meta": {"sources": data.get("source", {}), "requires": data.get("requires", {})},
            "default": names(data.get("packages", {})),
            "develop": names(data.get("dev-packages", {})),
        }
        for category, values in data.items():
            if category in SECTIONS or category in {"default", "develop", "pipenv"}:
                continue
            body[category] = names(values)
        content = json.dumps(body, sort_keys=True, separators=(",", ":"))
        found.add(hashlib.sha256(content.encode("utf-8")).hexdigest())
    return found


class PipenvInstaller:
    manager = "pipenv"
    tool: str | None = "pipenv"

    def __init__(self, files: tuple[str, ...]) -> None:
        self.files = files

    @property
    def locked(self) -> bool:
        return "Pipfile.lock" in self.files

    def check(self, project: Project) -> None:
        require_manifest(project, "Pipfile.lock", "Pipfile")
        pipfile = project.toml("Pipfile") or {}
        if not self.locked:
            return
        lock = project.json("Pipfile.lock")
        meta = lock.get("_meta") if isinstance(lock, dict) else None
        hash_table = meta.get("hash") if isinstance(meta, dict) else None
        recorded = hash_table.get("sha256") if isinstance(hash_table, dict) else None
        if not isinstance(recorded, str):
            raise InvalidJson("Pipfile.lock", None, "it has no _meta.hash.sha256")
        expected = pipfile_hashes(pipfile)
        if recorded not in expected:
            raise PipfileLockHashMismatch(recorded, sorted(expected)[0])

    def check_tool(self, tool_version: str) -> None:
        return None

    def steps(self, paths: InstallPaths, tool_version: str) -> list[Step]:
        assert paths.tool is not None
        env = tool_env(
            paths,
            {
                "PIPENV_CACHE_DIR": str(paths.cache),
                "PIP_CACHE_DIR": str(paths.cache / "pip"),
                "PIPENV_YES": "1",
                "PIPENV_NOSPIN": "1",
                "PIPENV_NO_INHERIT": "1",
                "PIPENV_VERBOSITY": "-1",
                "PIPENV_IGNORE_VIRTUALENVS": "0",
            },
        )
        if self.locked:
            return [
                Step(
                    [str(paths.tool), "install", "--deploy"],
                    env,
                    "pipenv-install",
                    f"Installing from Pipfile.lock with pipenv {tool_version}",
                    unset=("PIPENV_VENV_IN_PROJECT", "PIPENV_PIPFILE"),
                )
            ]
        return [
            Step(
                [str(paths.tool), "install"],
                env,
                "pipenv-install",
                f"Locking and installing the Pipfile with pipenv {tool_version}",
                warning=(
                    "No Pipfile.lock: the dependencies are resolved at build",
                    "A Pipfile was found without a Pipfile.lock, so each build may install\n"
                    "different versions. Run `pipenv lock` and commit Pipfile.lock.",
                ),
                unset=("PIPENV_VENV_IN_PROJECT", "PIPENV_PIPFILE"),
            )
        ]

    def failure(self, error: CommandFailed, output: str) -> BuildpackError | None:
        if "is out of date" in output and "Pipfile.lock" in output:
            return LockFileOutOfDate("pipenv", "Pipfile.lock", "pipenv lock")
        return None
