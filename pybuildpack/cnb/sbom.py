"""Layer SBOM files: `<layers>/<layer>.sbom.<ext>` (Buildpack API 0.7+), components in.

The lifecycle moves each file to `/layers/sbom/launch/<buildpack>/<layer>/sbom.<ext>` in the
image (`pack sbom download` reads them from there) and restores it with a cached layer; a
build writes it again every time, so it always describes what the layer holds now.

Formats (declared in buildpack.toml `sbom-formats`):

* `cdx.json`: CycloneDX 1.5 JSON (`application/vnd.cyclonedx+json`);
* `spdx.json`: SPDX 2.3 JSON (`application/spdx+json`).

Syft's own JSON is not written: it is an internal format of one tool whose schema changes
with its releases, and Syft and Grype read the two standard formats.

Reproducible: no clock and no randomness. CycloneDX's serial number is a UUID derived from the
document's content; SPDX's required `created` is the lifecycle's normalized time
(1980-01-01T00:00:01Z) and its namespace names the content's sha256. Components are sorted.

This module knows nothing of Python: callers gather the components (pybuildpack.layers.sbom).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CYCLONEDX = "cdx.json"
SPDX = "spdx.json"
FORMATS = (CYCLONEDX, SPDX)
MEDIA_TYPES = {CYCLONEDX: "application/vnd.cyclonedx+json", SPDX: "application/spdx+json"}
# SOURCE_DATE_EPOCH=315532801, the time the lifecycle gives every file of an image
CREATED = "1980-01-01T00:00:01Z"
_SPDX_ID_CHARS = re.compile(r"[^A-Za-z0-9.-]+")


@dataclass(frozen=True)
class Component:
    """One piece of third-party software a layer holds."""

    name: str
    version: str
    purl: str
    kind: str = "library"  # CycloneDX component type: library, application, framework, ...
    license_expression: str = ""  # a valid SPDX license expression, or "" when unknown
    license_name: str = ""  # free text when no SPDX expression is known
    sha256: str = ""
    cpe: str = ""
    download_url: str = ""
    supplier: str = ""


@dataclass(frozen=True)
class Tool:
    """What wrote the document (e.g. the buildpack and its version)."""

    name: str
    version: str


def _ordered(components: Sequence[Component]) -> list[Component]:
    unique = {c.purl: c for c in components}  # the purl is the CycloneDX bom-ref: unique
    return [unique[key] for key in sorted(unique)]


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def cyclonedx(subject: str, components: Sequence[Component], tool: Tool) -> dict[str, Any]:
    """A CycloneDX 1.5 document (`subject` names what it describes, e.g. the layer)."""
    items: list[dict[str, Any]] = []
    for c in _ordered(components):
        item: dict[str, Any] = {
            "type": c.kind,
            "bom-ref": c.purl,
            "name": c.name,
            "version": c.version,
        }
        if c.supplier:
            item["supplier"] = {"name": c.supplier}
        if c.sha256:
            item["hashes"] = [{"alg": "SHA-256", "content": c.sha256}]
        if c.license_expression:
            item["licenses"] = [{"expression": c.license_expression}]
        elif c.license_name:
            item["licenses"] = [{"license": {"name": c.license_name}}]
        if c.cpe:
            item["cpe"] = c.cpe
        item["purl"] = c.purl
        if c.download_url:
            item["externalReferences"] = [{"type": "distribution", "url": c.download_url}]
        items.append(item)
    body: dict[str, Any] = {
        "metadata": {
            "tools": {
                "components": [{"type": "application", "name": tool.name, "version": tool.version}]
            },
            "component": {"type": "application", "bom-ref": subject, "name": subject},
        },
        "components": items,
        "dependencies": [
            {"ref": subject, "dependsOn": [item["bom-ref"] for item in items]},
            *({"ref": item["bom-ref"]} for item in items),
        ],
    }
    serial = uuid.UUID(_digest(body)[:32], version=5)
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": serial.urn,
        "version": 1,
        **body,
    }


def _spdx_id(index: int, name: str) -> str:
    return f"SPDXRef-Package-{index}-{_SPDX_ID_CHARS.sub('-', name).strip('-') or 'x'}"


def spdx(subject: str, components: Sequence[Component], tool: Tool) -> dict[str, Any]:
    """An SPDX 2.3 document (`subject` names what it describes, e.g. the layer)."""
    packages: list[dict[str, Any]] = []
    for index, c in enumerate(_ordered(components), start=1):
        package: dict[str, Any] = {
            "name": c.name,
            "SPDXID": _spdx_id(index, c.name),
            "versionInfo": c.version,
            "downloadLocation": c.download_url or "NOASSERTION",
            "filesAnalyzed": False,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": c.license_expression or "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "externalRefs": [
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": c.purl,
                }
            ],
        }
        if c.license_name and not c.license_expression:
            package["licenseComments"] = c.license_name
        if c.supplier:
            package["supplier"] = f"Organization: {c.supplier}"
        if c.sha256:
            package["checksums"] = [{"algorithm": "SHA256", "checksumValue": c.sha256}]
        if c.cpe:
            package["externalRefs"].append(
                {
                    "referenceCategory": "SECURITY",
                    "referenceType": "cpe23Type",
                    "referenceLocator": c.cpe,
                }
            )
        packages.append(package)
    body: dict[str, Any] = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": subject,
        "creationInfo": {"created": CREATED, "creators": [f"Tool: {tool.name}-{tool.version}"]},
        "packages": packages,
        "relationships": [
            {
                "spdxElementId": "SPDXRef-DOCUMENT",
                "relationshipType": "DESCRIBES",
                "relatedSpdxElement": package["SPDXID"],
            }
            for package in packages
        ],
    }
    namespace = (
        f"https://pybuildpack.invalid/spdx/{_SPDX_ID_CHARS.sub('-', subject)}-{_digest(body)}"
    )
    return {**body, "documentNamespace": namespace}


def sbom_path(layers_dir: Path, layer: str, fmt: str) -> Path:
    return layers_dir / f"{layer}.sbom.{fmt}"


def write_layer_sbom(
    layers_dir: Path, layer: str, components: Sequence[Component], tool: Tool
) -> list[Path]:
    """Write (replace) the layer's SBOM in every format; returns the files written."""
    written = []
    for fmt, document in (
        (CYCLONEDX, cyclonedx(layer, components, tool)),
        (SPDX, spdx(layer, components, tool)),
    ):
        path = sbom_path(layers_dir, layer, fmt)
        path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def remove_layer_sbom(layers_dir: Path, layer: str) -> None:
    """Drop the SBOM files a removed layer had (the lifecycle may have restored them)."""
    for fmt in (*FORMATS, "syft.json"):
        sbom_path(layers_dir, layer, fmt).unlink(missing_ok=True)
