"""What goes into each launch layer's SBOM (the files themselves: pybuildpack.cnb.sbom).

* `cpython`: the catalog entry (its purl, cpe, licences and the archive's sha256; an
  operator catalog without a purl gets `pkg:generic/cpython@<version>`);
* a virtual environment or any site-packages: every installed distribution, read from its
  `.dist-info` METADATA with `importlib.metadata` (`pkg:pypi/<name>@<version>`; the licence
  from `License-Expression`, else a `License` field or classifier that is an SPDX id);
* `system-packages`: every .deb unpacked (`pkg:deb/<distro>/<name>@<version>?arch=..`, the
  sha256 the signed index gives).

purls are made with `packageurl-python` (the purl spec's own library: it normalizes names
and percent-encodes versions such as Debian's `1:2.3+dfsg`), licence expressions are checked
with `packaging.licenses`.
"""

from __future__ import annotations

import functools
import importlib.metadata
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

from packageurl import PackageURL
from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.utils import canonicalize_name

from pybuildpack.cnb.sbom import Component, Tool, remove_layer_sbom, write_layer_sbom
from pybuildpack.debian import Distro, Package
from pybuildpack.dependencies.catalog import Dependency

# Trove classifiers that name exactly one SPDX licence (the ambiguous "BSD License" is not here)
_CLASSIFIERS = {
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "License :: OSI Approved :: zlib/libpng License": "Zlib",
}


@functools.cache
def _tool(buildpack_dir: Path) -> Tool:
    with (buildpack_dir / "buildpack.toml").open("rb") as handle:
        data = tomllib.load(handle)["buildpack"]
    return Tool(name=str(data["id"]), version=str(data["version"]))


def write(
    layers_dir: Path, buildpack_dir: Path, layer: str, components: Sequence[Component]
) -> None:
    """The layer's SBOM files (none when it holds nothing to list)."""
    if components:
        write_layer_sbom(layers_dir, layer, components, _tool(buildpack_dir))
    else:
        remove_layer_sbom(layers_dir, layer)


def cpython(dependency: Dependency, home: Path) -> list[Component]:
    """CPython itself and what its own site-packages holds (pip, in some builds)."""
    checksum = dependency.sha256
    purl = (
        dependency.purl
        or PackageURL(
            type="generic",
            name="cpython",
            version=dependency.version,
            qualifiers={"checksum": f"sha256:{checksum}"} if checksum else None,
        ).to_string()
    )
    licenses = " AND ".join(dependency.licenses or [])
    return [
        Component(
            name=dependency.name or "CPython",
            version=dependency.version,
            purl=purl,
            kind="application",
            license_expression=_spdx(licenses),
            sha256=checksum,
            cpe=dependency.cpe or (dependency.cpes or [""])[0],
            download_url=dependency.uri if dependency.uri.startswith("https://") else "",
            supplier="Python Software Foundation",
        ),
        *site_packages(installed(home)),
    ]


def _spdx(text: str) -> str:
    text = text.strip()
    if not text or "\n" in text or len(text) > 200:
        return ""
    try:
        return str(canonicalize_license_expression(text))
    except InvalidLicenseExpression:
        return ""


def _field(metadata: importlib.metadata.PackageMetadata, name: str) -> str:
    values = metadata.get_all(name) or []
    return str(values[0]) if values else ""


def _licence(metadata: importlib.metadata.PackageMetadata) -> tuple[str, str]:
    """(SPDX expression, free text) from core metadata."""
    expression = _spdx(_field(metadata, "License-Expression"))
    if expression:
        return expression, ""
    field = _field(metadata, "License").strip()
    expression = _spdx(field)
    if expression:
        return expression, ""
    classified = sorted(
        {_CLASSIFIERS[c] for c in metadata.get_all("Classifier") or [] if c in _CLASSIFIERS}
    )
    if classified:
        return " AND ".join(classified), ""
    first_line = field.splitlines()[0][:100] if field else ""
    return "", first_line


def site_packages(directories: Iterable[Path]) -> list[Component]:
    """Every distribution installed in these site-packages directories."""
    found: dict[str, Component] = {}
    paths = [str(d) for d in directories if d.is_dir()]
    for dist in importlib.metadata.distributions(path=paths):
        metadata = dist.metadata
        name, version = _field(metadata, "Name"), _field(metadata, "Version")
        if not name or not version:
            continue
        expression, text = _licence(metadata)
        purl = PackageURL(type="pypi", name=canonicalize_name(name), version=version).to_string()
        found[purl] = Component(
            name=name,
            version=version,
            purl=purl,
            license_expression=expression,
            license_name=text,
        )
    return [found[key] for key in sorted(found)]


def installed(prefix: Path) -> list[Path]:
    """The site-packages of a Python prefix (a venv, or CPython's own: its bundled pip)."""
    return sorted(prefix.glob("lib/python3*/site-packages"))


def environment(prefix: Path) -> list[Component]:
    """Every distribution installed in a Python environment (a venv, a `--prefix` layer)."""
    return site_packages(installed(prefix))


def _deb_arch(package: Package, distro: Distro) -> str:
    """`all` or the machine's, from the pool file name (`libpq5_15.8-0+deb12u1_amd64.deb`)."""
    stem = package.filename.rsplit("/", 1)[-1].removesuffix(".deb")
    return stem.rsplit("_", 1)[-1] if stem.count("_") >= 2 else distro.arch


def debs(packages: Sequence[Package], distro: Distro) -> list[Component]:
    return [
        Component(
            name=p.name,
            version=p.version,
            purl=PackageURL(
                type="deb",
                namespace=distro.name,
                name=p.name,
                version=p.version,
                qualifiers={
                    "arch": _deb_arch(p, distro),
                    "distro": f"{distro.name}-{distro.version}",
                },
            ).to_string(),
            sha256=p.sha256,
            download_url=p.uri if p.uri.startswith(("https://", "http://")) else "",
            supplier=distro.name.capitalize(),
        )
        for p in packages
    ]
