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

uv's default version also gets `[[metadata.dependencies]]` entries in buildpack.toml (id `uv`,
one manylinux wheel per arch, from PyPI's simple index in its JSON form, PEP 691), so a build
fetches that wheel like CPython, without pip (layers/uv_wheel.py). Each entry's sha256 must be
one of the lock's hashes: the catalog and the lock name the same files.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import urllib.request
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

REPO = Path(__file__).resolve().parents[1]
LOCKS = REPO / "locks"
TOOLS = ("uv", "poetry", "pipenv", "pdm")
OLDEST_PYTHON = "3.10"  # the oldest minor in the CPython catalog
RUNTIME_PYTHON = "3.11"  # pyproject.toml requires-python
SIMPLE_INDEX = "https://pypi.org/simple"
# the uv wheel for each arch: manylinux2014 (glibc 2.17), the oldest glibc uv builds for
UV_WHEEL_TAGS = {
    "amd64": "manylinux_2_17_x86_64.manylinux2014_x86_64",
    "arm64": "manylinux_2_17_aarch64.manylinux2014_aarch64",
}
UV_LICENSES = ["MIT OR Apache-2.0"]


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


def lock_hashes(lock: Path) -> set[str]:
    return set(re.findall(r"--hash=sha256:([0-9a-f]{64})", lock.read_text()))


def index_files(project: str) -> list[dict[str, Any]]:
    """The project's files as PyPI's simple index lists them (PEP 691 JSON)."""
    request = urllib.request.Request(
        f"{SIMPLE_INDEX}/{project}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        files: list[dict[str, Any]] = json.load(response)["files"]
    return files


def uv_wheels(version: str, files: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """arch -> the index's file entry of uv's wheel for that arch."""
    found: dict[str, dict[str, Any]] = {}
    for arch, tag in UV_WHEEL_TAGS.items():
        prefix = f"uv-{version}-py3-none-{tag}"
        matches = [f for f in files if f["filename"].startswith(prefix) and not f.get("yanked")]
        if len(matches) != 1:
            names = [f["filename"] for f in matches]
            raise SystemExit(f"update-locks: expected one {prefix}*.whl on the index, got {names}")
        found[arch] = matches[0]
    return found


def uv_entry(version: str, arch: str, file: dict[str, Any]) -> Table:
    entry = tomlkit.table()
    entry["id"] = "uv"
    entry["name"] = "uv"
    entry["version"] = version
    entry["arch"] = arch
    entry["os"] = "linux"
    entry["uri"] = file["url"]
    entry["checksum"] = f"sha256:{file['hashes']['sha256']}"
    entry["licenses"] = UV_LICENSES
    entry["purl"] = f"pkg:pypi/uv@{version}"
    entry.add(tomlkit.nl())
    return entry


def write_uv_entries(
    text: str, version: str, wheels: dict[str, dict[str, Any]], hashes: set[str]
) -> str:
    """buildpack.toml with its `uv` dependency entries replaced by those of `version`."""
    for arch, file in wheels.items():
        if file["hashes"]["sha256"] not in hashes:
            raise SystemExit(f"update-locks: {file['filename']} ({arch}) is not in uv's lock")
    doc = tomlkit.parse(text)
    metadata = doc["metadata"]
    assert isinstance(metadata, Table)
    if "dependencies" not in metadata:
        metadata["dependencies"] = AoT([])
    entries = metadata["dependencies"]
    assert isinstance(entries, AoT)
    # edited in place, so the file keeps its order (the entries stay before the settings)
    for index in reversed(range(len(entries))):
        if entries[index].get("id") == "uv":
            del entries[index]
    for arch in sorted(wheels):
        entries.append(uv_entry(version, arch, wheels[arch]))
    return tomlkit.dumps(doc)


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
    buildpack_toml = REPO / "buildpack.toml"
    version = defaults["uv"]
    wheels = uv_wheels(version, index_files("uv"))
    hashes = lock_hashes(tools_dir / f"uv-{version}.txt")
    buildpack_toml.write_text(write_uv_entries(buildpack_toml.read_text(), version, wheels, hashes))
    print(f"update-locks: buildpack.toml uv {version} entries ({', '.join(sorted(wheels))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
