"""Layer SBOMs: CycloneDX 1.5 and SPDX 2.3 documents valid against their official schemas
(cyclonedx-python-lib's strict JSON validator, spdx-tools' validator), reproducible, and
written by a real `bin/build` for the cpython and venv layers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from pybuildpack.cnb.sbom import Component, Tool, cyclonedx, spdx, write_layer_sbom
from pybuildpack.debian import Distro, Package
from pybuildpack.layers import sbom_components
from tests.conftest import PY_VERSION, Dirs, offline_requirements, run_build, write_app

TOOL = Tool("pybuildpack/python", "0.1.0")
COMPONENTS = [
    Component(
        "CPython",
        "3.13.1",
        "pkg:generic/cpython@3.13.1?checksum=sha256:" + "a" * 64,
        kind="application",
        license_expression="PSF-2.0",
        sha256="a" * 64,
        cpe="cpe:2.3:a:python:python:3.13.1:*:*:*:*:*:*:*",
        download_url="https://example.org/cpython.tar.gz",
    ),
    Component("flask", "3.1.3", "pkg:pypi/flask@3.1.3", license_expression="BSD-3-Clause"),
    Component("odd", "1.0", "pkg:pypi/odd@1.0", license_name="Some licence text"),
]


def assert_valid_cyclonedx(document: dict[str, object]) -> None:
    error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(json.dumps(document))
    assert error is None, error


def assert_valid_spdx(path: Path) -> None:
    messages = validate_full_spdx_document(parse_file(str(path)))
    assert messages == [], messages


def test_documents_are_valid(tmp_path: Path) -> None:
    written = write_layer_sbom(tmp_path, "venv", COMPONENTS, TOOL)
    assert [p.name for p in written] == ["venv.sbom.cdx.json", "venv.sbom.spdx.json"]
    cdx = json.loads(written[0].read_text())
    assert_valid_cyclonedx(cdx)
    assert_valid_spdx(written[1])
    assert [c["purl"] for c in cdx["components"]] == sorted(c.purl for c in COMPONENTS)
    cpython = cdx["components"][0]
    assert cpython["hashes"] == [{"alg": "SHA-256", "content": "a" * 64}]
    assert cpython["licenses"] == [{"expression": "PSF-2.0"}]
    assert cpython["cpe"].startswith("cpe:2.3:a:python:python:3.13.1")


def test_documents_are_reproducible_and_follow_content() -> None:
    assert cyclonedx("venv", COMPONENTS, TOOL) == cyclonedx("venv", COMPONENTS[::-1], TOOL)
    assert spdx("venv", COMPONENTS, TOOL) == spdx("venv", COMPONENTS[::-1], TOOL)
    other = cyclonedx("venv", COMPONENTS[:2], TOOL)
    assert other["serialNumber"] != cyclonedx("venv", COMPONENTS, TOOL)["serialNumber"]
    assert "timestamp" not in json.dumps(cyclonedx("venv", COMPONENTS, TOOL))
    assert spdx("venv", COMPONENTS, TOOL)["creationInfo"]["created"] == "1980-01-01T00:00:01Z"


def _dist(site: Path, name: str, version: str, headers: str) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n{headers}\n"
    )


def test_site_packages_components(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "python3.12" / "site-packages"
    _dist(site, "Flask", "3.1.3", "License-Expression: BSD-3-Clause")
    _dist(site, "gunicorn", "23.0.0", "License: MIT")
    _dist(site, "Zope_Thing", "1.0", "Classifier: License :: OSI Approved :: MIT License")
    _dist(site, "weird", "2.0", "License: Copyright me, all rights\n reserved")
    components = sbom_components.site_packages(sbom_components.installed(tmp_path))
    got = {c.purl: (c.name, c.license_expression, c.license_name) for c in components}
    assert got == {
        "pkg:pypi/flask@3.1.3": ("Flask", "BSD-3-Clause", ""),
        "pkg:pypi/gunicorn@23.0.0": ("gunicorn", "MIT", ""),
        "pkg:pypi/zope-thing@1.0": ("Zope_Thing", "MIT", ""),
        "pkg:pypi/weird@2.0": ("weird", "", "Copyright me, all rights"),
    }


def test_deb_components() -> None:
    distro = Distro("debian", "12", "bookworm", "amd64", ())
    packages = [
        Package(
            "libpq5",
            "15.8-0+deb12u1",
            "pool/main/p/postgresql-15/libpq5_15.8-0+deb12u1_amd64.deb",
            "b" * 64,
            1,
            "http://deb.debian.org/debian",
            (),
        ),
        Package(
            "tzdata",
            "2024a-0+deb12u1",
            "pool/main/t/tzdata/tzdata_2024a_all.deb",
            "c" * 64,
            1,
            "http://deb.debian.org/debian",
            (),
        ),
    ]
    components = sbom_components.debs(packages, distro)
    assert [c.purl for c in components] == [
        "pkg:deb/debian/libpq5@15.8-0%2Bdeb12u1?arch=amd64&distro=debian-12",
        "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12",
    ]
    assert components[0].sha256 == "b" * 64
    assert_valid_cyclonedx(cyclonedx("system-packages", components, TOOL))


@pytest.mark.parametrize("rebuild", [False, True])
def test_build_writes_layer_sboms(buildpack_dir: Path, dirs: Dirs, rebuild: bool) -> None:
    offline_requirements(dirs.app, "demo_pkg==1.0")
    write_app(dirs.app, {"main.py": "print('hi')\n"})
    assert run_build(buildpack_dir, dirs).returncode == 0
    layers = dirs.layers / "pybuildpack_python"
    first = {p.name: p.read_bytes() for p in layers.glob("*.sbom.*")}
    if rebuild:  # reused layers: the same documents again
        result = run_build(buildpack_dir, dirs)
        assert result.returncode == 0, result.stdout + result.stderr
        assert {p.name: p.read_bytes() for p in layers.glob("*.sbom.*")} == first
    assert sorted(first) == [
        "cpython.sbom.cdx.json",
        "cpython.sbom.spdx.json",
        "venv.sbom.cdx.json",
        "venv.sbom.spdx.json",
    ]
    venv = json.loads(first["venv.sbom.cdx.json"])
    assert [c["purl"] for c in venv["components"]] == ["pkg:pypi/demo-pkg@1.0"]
    cpython = json.loads(first["cpython.sbom.cdx.json"])
    assert cpython["components"][0]["name"] == "CPython"
    assert cpython["components"][0]["version"] == PY_VERSION
    for name in first:
        if name.endswith("cdx.json"):
            assert_valid_cyclonedx(json.loads(first[name]))
        else:
            assert_valid_spdx(layers / name)
