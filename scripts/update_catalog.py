"""Regenerate the CPython catalog in buildpack.toml from pbs-installer's data.

    python scripts/update_catalog.py [--buildpack-toml buildpack.toml] [--wheel PATH]

Downloads the newest `pbs-installer` wheel from PyPI (`pip download --no-deps`), reads
`pbs_installer/versions.json` out of it, and writes one `[[metadata.dependencies]]` entry per
final CPython patch release of the supported minors for linux x86_64 (amd64) and aarch64
(arm64), flavour `install_only_stripped` (`install_only` where no stripped build exists; the
entry's `flavor` says which). Also writes `[metadata.default-versions]` and
`[metadata.catalog]`. Everything else in buildpack.toml is kept as it is (tomlkit); the file
is created with a minimal header if absent. Output is deterministic: version descending, then
arch.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from packaging.version import Version
from tomlkit.items import AoT, Table

REPO = Path(__file__).resolve().parent.parent

MINORS = (10, 11, 12, 13, 14, 15)
DEFAULT_MINOR = "3.14"
# Upstream end of life of each minor (PEP 619/664/693/719/745/790: five years after x.y.0).
EOL = {
    10: "2026-10-31T00:00:00Z",
    11: "2027-10-31T00:00:00Z",
    12: "2028-10-31T00:00:00Z",
    13: "2029-10-31T00:00:00Z",
    14: "2030-10-31T00:00:00Z",
    15: "2031-10-31T00:00:00Z",
}
ARCHES = {"x86_64": "amd64", "aarch64": "arm64"}
FLAVOURS = ("install_only_stripped", "install_only")  # preferred first
# cpython-3.12.8+20250115-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz
FILENAME = re.compile(
    r"^cpython-(?P<version>\d+\.\d+\.\d+)\+(?P<tag>\d{8})-"
    r"(?P<arch>x86_64|aarch64)-unknown-linux-gnu-"
    r"(?P<flavour>install_only|install_only_stripped)\.tar\.gz$"
)
HEADER = {
    "api": "0.10",
    "buildpack": {"id": "pybuildpack/python", "version": "0.1.0", "name": "Python"},
}


@dataclass(frozen=True)
class Build:
    version: str
    tag: str
    arch: str  # amd64 | arm64
    flavour: str
    url: str
    sha256: str


def download_wheel(dest: Path) -> Path:
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"),
            *("--only-binary", ":all:", "-d", str(dest), "pbs-installer"),
        ],
        check=True,
    )
    wheels = sorted(dest.glob("pbs_installer-*.whl"))
    if not wheels:
        raise SystemExit("pip download gave no pbs_installer wheel")
    return wheels[-1]


def read_wheel(wheel: Path) -> tuple[str, list[dict[str, Any]]]:
    """(pbs-installer version, versions.json payload)."""
    match = re.match(r"pbs_installer-([^-]+)-", wheel.name)
    if not match:
        raise SystemExit(f"unexpected wheel name {wheel.name}")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        if "pbs_installer/versions.json" not in names:
            raise SystemExit(
                f"{wheel.name} has no pbs_installer/versions.json (files: {', '.join(names)})"
            )
        payload = json.loads(zf.read("pbs_installer/versions.json"))
    if not isinstance(payload, list):
        raise SystemExit("versions.json: expected a list")
    return match.group(1), payload


def select_builds(payload: list[dict[str, Any]]) -> tuple[list[Build], list[str]]:
    """The chosen build per (version, arch) and notes on what was skipped."""
    best: dict[tuple[str, str], Build] = {}
    notes: list[str] = []
    for item in payload:
        pv = item.get("python_version", {})
        if pv.get("implementation") != "cpython" or pv.get("freethreaded"):
            continue
        if pv.get("major") != 3 or pv.get("minor") not in MINORS:
            continue
        for f in item.get("files", []):
            if f.get("platform") != "linux" or not f.get("install_only"):
                continue
            m = FILENAME.match(f.get("filename", ""))
            if not m or m["arch"] not in ARCHES:
                continue
            sha = f.get("sha256")
            if not sha or not re.fullmatch(r"[0-9a-f]{64}", sha):
                notes.append(f"skipped {f.get('filename')}: no sha256")
                continue
            build = Build(
                version=m["version"],
                tag=m["tag"],
                arch=ARCHES[m["arch"]],
                flavour=m["flavour"],
                url=f["url"],
                sha256=sha,
            )
            key = (build.version, build.arch)
            current = best.get(key)
            if current is None or _rank(build) > _rank(current):
                best[key] = build
    builds = sorted(
        best.values(), key=lambda b: (Version(b.version), b.arch == "amd64"), reverse=True
    )
    # version desc, then arch asc (amd64 before arm64)
    return builds, notes


def _rank(build: Build) -> tuple[str, int]:
    """Newest pbs release first; within one release, stripped before not stripped."""
    return (build.tag, 1 if build.flavour == "install_only_stripped" else 0)


def entry(build: Build) -> Table:
    minor = int(build.version.split(".")[1])
    t = tomlkit.table()
    t["id"] = "cpython"
    t["name"] = "CPython"
    t["version"] = build.version
    t["arch"] = build.arch
    t["os"] = "linux"
    t["uri"] = build.url
    t["checksum"] = f"sha256:{build.sha256}"
    t["flavor"] = build.flavour
    t["source-release"] = build.tag
    t["deprecation_date"] = EOL[minor]
    t["licenses"] = ["PSF-2.0"]
    t["cpe"] = f"cpe:2.3:a:python:python:{build.version}:*:*:*:*:*:*:*"
    t["purl"] = (
        f"pkg:generic/cpython@{build.version}?checksum={build.sha256}&download_url={build.url}"
    )
    return t


def update_document(
    doc: tomlkit.TOMLDocument, builds: list[Build], generator: str
) -> tomlkit.TOMLDocument:
    for key, value in HEADER.items():
        if key not in doc:
            doc[key] = value
    if "metadata" not in doc:
        doc["metadata"] = tomlkit.table()
    metadata = doc["metadata"]
    assert isinstance(metadata, Table)

    defaults = metadata.get("default-versions")
    if not isinstance(defaults, Table):
        defaults = tomlkit.table()
        metadata["default-versions"] = defaults
    defaults["cpython"] = DEFAULT_MINOR

    catalog = metadata.get("catalog")
    if not isinstance(catalog, Table):
        catalog = tomlkit.table()
        metadata["catalog"] = catalog
    catalog["generator"] = generator

    existing = metadata.get("dependencies")
    kept: list[Any] = []
    if existing is not None:
        # keep entries for other dependency ids (someone else's), replace ours
        kept = [e for e in existing if e.get("id") != "cpython"]
        del metadata["dependencies"]
    aot = AoT([entry(b) for b in builds])
    for other in kept:
        aot.append(other)
    metadata["dependencies"] = aot
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildpack-toml", type=Path, default=REPO / "buildpack.toml")
    parser.add_argument("--wheel", type=Path, help="use this pbs-installer wheel (offline)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pbs-installer-") as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        pbs_version, payload = read_wheel(wheel)

    builds, notes = select_builds(payload)
    if not builds:
        raise SystemExit("no CPython builds selected: has pbs-installer's data format changed?")

    path: Path = args.buildpack_toml
    doc = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    update_document(doc, builds, f"pbs-installer {pbs_version}")
    text = tomlkit.dumps(doc)

    # validate what we wrote with the buildpack's own loader
    sys.path.insert(0, str(REPO))
    from pybuildpack.dependencies.catalog import Catalog, Dependency

    check = Catalog(
        dependencies=[
            Dependency.model_validate(d)
            for d in tomlkit.parse(text)["metadata"]["dependencies"]
            if d.get("id") == "cpython"
        ]
    )
    tmp_path = path.with_name(path.name + ".tmp")
    tmp_path.write_text(text, encoding="utf-8")
    tmp_path.replace(path)

    print(f"pbs-installer {pbs_version}: wrote {len(builds)} CPython entries to {path}")
    for minor in MINORS:
        for arch in ("amd64", "arm64"):
            versions = check.versions("cpython", arch)
            mine = [v for v in versions if v.minor == minor]
            if mine:
                stripped = sum(
                    1
                    for b in builds
                    if b.arch == arch
                    and b.version.startswith(f"3.{minor}.")
                    and b.flavour == "install_only_stripped"
                )
                print(
                    f"  3.{minor} {arch}: {len(mine)} releases, newest {mine[-1]}, "
                    f"{stripped} stripped / {len(mine) - stripped} install_only"
                )
    for note in notes:
        print(f"  note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
