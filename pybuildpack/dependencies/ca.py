"""HTTPS trust for the build: certificates from `ca-certificates` bindings (as Paketo's).

The build image's bundle plus every certificate in the bindings go into one file, outside
any layer, and the build's tools are pointed at it. Nothing reaches the launch image.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from pybuildpack.cnb.platform import Binding, bindings_of_type
from pybuildpack.errors import InvalidBinding

BINDING_TYPE = "ca-certificates"
SYSTEM_BUNDLES = (
    Path("/etc/ssl/certs/ca-certificates.crt"),
    Path("/etc/pki/tls/certs/ca-bundle.crt"),
)
# Every variable the build's tools read a CA bundle from.
CA_VARIABLES = ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def binding_certificates(bindings: Sequence[Binding]) -> tuple[str, ...]:
    """The PEM texts of every `ca-certificates` binding (read and checked; nothing written)."""
    parts: list[str] = []
    for binding in bindings_of_type(list(bindings), BINDING_TYPE):
        certs = 0
        for name in binding.entries:
            path = binding.entry(name)
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if "-----BEGIN CERTIFICATE-----" in text:
                parts.append(text)
                certs += 1
        if not certs:
            raise InvalidBinding(str(binding.path), "it holds no PEM certificate")
    return tuple(parts)


def write_bundle(certificates: Sequence[str]) -> Path | None:
    """The build image's bundle plus the bindings' certificates in one file (None: no binding).

    The file is outside every layer, so nothing of it reaches an image.
    """
    if not certificates:
        return None
    parts: list[str] = []
    for system in SYSTEM_BUNDLES:
        if system.is_file():
            parts.append(system.read_text(encoding="utf-8", errors="replace"))
            break
    directory = Path(tempfile.mkdtemp(prefix="pybuildpack-ca-"))
    bundle = directory / "ca-certificates.crt"
    bundle.write_text("\n".join([*parts, *certificates]), encoding="utf-8")
    return bundle


def ca_env(bundle: Path | None) -> dict[str, str]:
    """The variables that point the build's tools (pip, uv, ...) at the bundle."""
    return {name: str(bundle) for name in CA_VARIABLES} if bundle else {}
