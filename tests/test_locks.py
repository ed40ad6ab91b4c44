"""The locked supply chain: the runtime's and each tool's whole dependency tree, pinned with
hashes in locks/ (`make update-locks`), in step with pyproject.toml and buildpack.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from pybuildpack.layers.tools import TOOLS, requirements
from tests.conftest import REPO

LOCKS = REPO / "locks"
DEFAULTS = tomllib.loads((REPO / "buildpack.toml").read_text())["metadata"]["default-versions"]


def pins(lock: Path) -> dict[str, list[str]]:
    """name -> versions pinned (several when markers split by Python version)."""
    found: dict[str, list[str]] = {}
    text = lock.read_text()
    for block in re.split(r"\n(?=\S)", text):
        first = block.splitlines()[0]
        if first.startswith("#"):
            continue
        requirement = Requirement(first.rstrip(" \\"))
        assert "--hash=sha256:" in block, f"{lock.name}: {first} has no hash"
        (version,) = [s.version for s in requirement.specifier if s.operator == "=="]
        found.setdefault(canonicalize_name(requirement.name), []).append(version)
    return found


def test_runtime_lock_covers_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    locked = pins(LOCKS / "runtime.txt")
    for dependency in project["dependencies"]:
        requirement = Requirement(dependency)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in locks/runtime.txt: run make update-locks"
        assert all(requirement.specifier.contains(v) for v in locked[name]), (name, locked[name])


@pytest.mark.parametrize("tool", TOOLS)
def test_each_default_tool_version_is_locked(tool: str) -> None:
    version = DEFAULTS[tool]
    lock = LOCKS / "tools" / f"{tool}-{version}.txt"
    assert pins(lock)[tool] == [version], "run make update-locks"
    arguments, how = requirements(REPO, tool, version)
    assert arguments == ["--require-hashes", "--no-deps", "--requirement", str(lock)]
    assert "hashes checked" in how
    assert sorted(p.name for p in (LOCKS / "tools").glob(f"{tool}-*.txt")) == [lock.name]


def test_another_version_is_not_locked() -> None:
    arguments, how = requirements(REPO, "pdm", "2.26.0")
    assert arguments == ["pdm==2.26.0"] and "no lock" in how


def test_pdm_lock_keeps_the_pins_pdm_needs() -> None:
    locked = pins(LOCKS / "tools" / f"pdm-{DEFAULTS['pdm']}.txt")
    assert all(int(v.split(".")[1]) < 19 for v in locked["unearth"]), locked["unearth"]
    assert all(int(v.split(".")[0]) < 2 for v in locked["hishel"]), locked["hishel"]
