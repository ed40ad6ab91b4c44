"""Layer SBOMs (issue 13 item 1), read back with `pack sbom download` from real images:
CycloneDX and SPDX documents for `cpython`, `venv` and `system-packages`, valid against the
official schemas (cyclonedx-python-lib's strict validator, spdx-tools), naming CPython, every
distribution installed in the image's venv and every .deb unpacked, with versions and purls;
and reproducible: two clean builds of the same app give the same image ID."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import harness
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

OURS = "pybuildpack_python"

LIST_DISTRIBUTIONS = (
    "import importlib.metadata as m, json, sys; "
    "print(json.dumps(sorted([d.metadata['Name'], d.version] for d in m.distributions("
    "path=[p for p in sys.path if p.endswith('site-packages')]))))"
)


def download(cfg, image: str, dest: Path) -> Path:
    harness.run(
        [cfg.pack, "sbom", "download", image, "--output-dir", str(dest)],
        env={**os.environ, "DOCKER_HOST": cfg.docker_host},
    )
    return dest / "layers" / "sbom" / "launch" / OURS


def documents(root: Path, layer: str) -> tuple[dict[str, object], dict[str, object]]:
    """The layer's CycloneDX and SPDX documents, each checked against its schema."""
    cdx_path, spdx_path = root / layer / "sbom.cdx.json", root / layer / "sbom.spdx.json"
    assert cdx_path.is_file() and spdx_path.is_file(), sorted(str(p) for p in root.rglob("*"))
    text = cdx_path.read_text()
    error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(text)
    assert error is None, f"{cdx_path}: {error}"
    problems = validate_full_spdx_document(parse_file(str(spdx_path)))
    assert problems == [], f"{spdx_path}: {problems}"
    return json.loads(text), json.loads(spdx_path.read_text())


def cdx_components(doc: dict[str, object]) -> dict[str, dict[str, object]]:
    return {str(c["name"]): c for c in doc["components"]}  # type: ignore[attr-defined]


def spdx_purls(doc: dict[str, object]) -> set[str]:
    return {
        ref["referenceLocator"]
        for package in doc["packages"]  # type: ignore[attr-defined]
        for ref in package["externalRefs"]
        if ref["referenceType"] == "purl"
    }


def installed_in_venv(image: str) -> set[tuple[str, str]]:
    out = harness.podman(
        "run", "--rm", "--entrypoint", f"/layers/{OURS}/venv/bin/python", image,
        "-I", "-c", LIST_DISTRIBUTIONS,
    )  # fmt: skip
    return {(name, version) for name, version in json.loads(out)}


def pypi_purl(name: str, version: str) -> str:
    return f"pkg:pypi/{re.sub(r'[-_.]+', '-', name).lower()}@{version}"


def check_cpython_and_venv(root: Path, image: str, python: str) -> int:
    cdx, spdx = documents(root, "cpython")
    cpython = cdx_components(cdx)["CPython"]
    assert cpython["version"] == python, cpython
    assert str(cpython["purl"]).startswith(f"pkg:generic/cpython@{python}"), cpython
    assert cpython["hashes"][0]["alg"] == "SHA-256", cpython  # type: ignore[index]
    assert cpython["purl"] in spdx_purls(spdx)

    cdx, spdx = documents(root, "venv")
    installed = installed_in_venv(image)
    listed = {(str(c["name"]), str(c["version"])) for c in cdx_components(cdx).values()}
    assert listed == installed, (sorted(listed ^ installed), sorted(installed))
    purls = {str(c["purl"]) for c in cdx["components"]}  # type: ignore[attr-defined]
    assert purls == {pypi_purl(n, v) for n, v in installed} == spdx_purls(spdx)
    return len(installed)


def test_flask_sbom_and_reproducible_image(cfg, builds, scratch: Path) -> None:
    result = builds.get("flask_gunicorn")
    root = download(cfg, result.image, scratch / "sbom-flask")
    python = harness.expected_default_python()
    count = check_cpython_and_venv(root, result.image, python)
    venv = cdx_components(documents(root, "venv")[0])
    assert venv["Flask"]["purl"] == "pkg:pypi/flask@3.1.3", venv["Flask"]
    assert venv["Flask"]["licenses"] == [{"expression": "BSD-3-Clause"}], venv["Flask"]
    assert venv["gunicorn"]["purl"] == "pkg:pypi/gunicorn@23.0.0"
    assert not (root / "system-packages").exists()

    # two clean builds of the same app: the same image, SBOM included. Both are made here
    # from fresh copies: the shared fixture build may have been rebuilt after another test
    # changed its source (Builds.rebuild_source_only)
    first = harness.pack_build(
        harness.copy_app("flask_gunicorn", scratch / "sbom-first"),
        harness.image_name("sbom_first"),
        clear_cache=True,
    )
    again = harness.copy_app("flask_gunicorn", scratch / "sbom-again")
    second = harness.pack_build(again, harness.image_name("sbom_again"), clear_cache=True)
    first_id, second_id = harness.image_id(first.image), harness.image_id(second.image)
    diff = ""
    if first_id != second_id:
        for layer in ("cpython", "venv"):
            diff += f"\n{layer}:\n" + harness.layer_diff(
                harness.layer_files(first.image, layer), harness.layer_files(second.image, layer)
            )
    assert first_id == second_id, f"two clean builds differ: {first_id} {second_id}{diff}"
    harness.report(
        f"sbom flask_gunicorn: CPython {python} + {count} distributions in CycloneDX 1.5 and "
        f"SPDX 2.3 (schema-valid); two clean builds give image {str(first_id)[:12]}"
    )


def test_psycopg2_sbom_lists_every_deb(cfg, scratch: Path) -> None:
    app = harness.copy_app("psycopg2_sdist", scratch / "sbom-psycopg2")
    result = harness.pack_build(app, harness.image_name("sbom_psycopg2"), clear_cache=True)
    root = download(cfg, result.image, scratch / "sbom-psycopg2-out")
    check_cpython_and_venv(root, result.image, harness.expected_default_python())
    venv = cdx_components(documents(root, "venv")[0])
    assert venv["psycopg2"]["purl"] == "pkg:pypi/psycopg2@2.9.10"

    match = re.search(r"run-time packages: (.+)", result.log)
    assert match, harness.tail(result.log, 80)
    unpacked = {tuple(item.strip().split(" ")) for item in match.group(1).split(",")}
    cdx, spdx = documents(root, "system-packages")
    debs = {(str(c["name"]), str(c["version"])): c for c in cdx["components"]}  # type: ignore[attr-defined]
    assert set(debs) == unpacked, (sorted(set(debs) ^ unpacked), result.log[-3000:])
    libpq = next(c for (name, _), c in debs.items() if name == "libpq5")
    assert re.fullmatch(
        r"pkg:deb/debian/libpq5@15[^?]+\?arch=amd64&distro=debian-12", str(libpq["purl"])
    ), libpq
    assert len(libpq["hashes"][0]["content"]) == 64  # type: ignore[index]
    assert {str(c["purl"]) for c in debs.values()} == spdx_purls(spdx)
    harness.report(
        f"sbom psycopg2_sdist: {len(debs)} .debs ({', '.join(sorted(n for n, _ in debs))}) "
        f"and {len(venv)} distributions listed"
    )
