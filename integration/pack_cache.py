"""pack's cache volumes, and the workaround for a lifecycle export bug they trigger.

The bug (lifecycle >= 0.21.15 exporting to a daemon; upstream: buildpacks/lifecycle#1699, fixed
in buildpacks/imgutil#310, not in a lifecycle release the Go proxy here serves): when the image
being rebuilt exists but pack's *launch* cache volume has no committed layers (a fresh
PACK_HOME or PACK_VOLUME_KEY, a new CI runner, a build that failed before its first export),
the exporter reuses layers straight from the previous image. imgutil's `local` package
represents those as facade layers whose Digest() is empty; go-containerregistry's
mutate.Image.Layers() resolves layers by digest, so every layer of the new image resolves to the
last facade added (the process-types layer). The image tarball then names one layer file for
every DiffID and podman refuses it: "Layer tarfile /sha256:<process-types>.tar used for two
different DiffID values" (lifecycle status 62).

Workaround: before such a build, remove the image, so nothing is reused from it (the build
cache volume, if any, still restores cached layers). `python integration/pack_cache.py IMAGE`
does that for `make run`; the integration harness calls `prepare()`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

RESERVED = {"aux": "a_u_x", "com": "c_o_m", "con": "c_o_n", "lpt": "l_p_t", "nul": "n_u_l"}
RESERVED["prn"] = "p_r_n"


def split_reference(image: str) -> tuple[str, str, str]:
    """(registry, repository, tag) of a tagged reference with a registry, e.g. the test names
    `pybuildpack.test/it-x:latest`."""
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        name, tag = image, "latest"
    registry, _, repository = name.partition("/")
    if not repository or ("." not in registry and ":" not in registry and registry != "localhost"):
        raise ValueError(f"{image}: name the registry (e.g. pybuildpack.test/{image})")
    return registry, repository, tag


def volume_name(image: str, key: str, kind: str) -> str:
    """The name pack gives the `kind` ("build" or "launch") cache volume of image with
    PACK_VOLUME_KEY=key (pack's pkg/cache/volume_cache.go, v0.40)."""
    registry, repository, tag = split_reference(image)
    full = f"{registry}/{repository}:{tag}"
    digest = hashlib.sha256((full + key).encode()).hexdigest()[:12]
    volume = f"{repository.replace('/', '_')}_{tag}-{digest}"
    for reserved, replacement in RESERVED.items():
        volume = volume.replace(reserved, replacement)
    return f"pack-cache-{volume}.{kind}"


def _podman(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, check=False, timeout=120
    )


def launch_cache_has_layers(image: str, key: str) -> bool:
    proc = _podman(
        "volume", "inspect", "--format", "{{.Mountpoint}}", volume_name(image, key, "launch")
    )
    if proc.returncode != 0:
        return False
    committed = Path(proc.stdout.strip()) / "committed"
    try:
        return any(committed.iterdir())
    except OSError:  # not readable from here (rootless, remote): assume the worst
        return False


def prepare(image: str, key: str) -> str | None:
    """Remove image if the next `pack build` of it would hit the export bug; say why."""
    if _podman("image", "exists", image).returncode != 0:
        return None
    if launch_cache_has_layers(image, key):
        return None
    _podman("rmi", "-f", image)
    return (
        f"removed {image}: its pack launch cache is empty, and lifecycle's export reusing layers "
        "from an existing image without it fails (buildpacks/lifecycle#1699)"
    )


if __name__ == "__main__":
    note = prepare(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else os.environ["PACK_VOLUME_KEY"])
    if note:
        print(f"pack_cache: {note}")
