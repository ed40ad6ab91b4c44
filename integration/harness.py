"""Helpers for the end-to-end tests: real pack, real lifecycle, real podman, real PyPI.

The paths come from environment variables that `make integration` sets (integration/infra.mk):
PYBUILDPACK_PACK, PYBUILDPACK_CRANE, PYBUILDPACK_BUILDER, PYBUILDPACK_MIRROR_DIR,
PYBUILDPACK_CA_BINDING_DIR, PYBUILDPACK_RUN_IMAGE, PYBUILDPACK_BUILD_IMAGE, PYBUILDPACK_CACHE,
PYBUILDPACK_SOURCE, DOCKER_HOST, PACK_HOME.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pack_cache

APPS_DIR = Path(__file__).resolve().parent / "apps"
IMAGE_PREFIX = os.environ.get("PYBUILDPACK_IMAGE_PREFIX", "pybuildpack.test/it-")
BUILD_TIMEOUT = 1500


@dataclass(frozen=True)
class Config:
    pack: str
    crane: str
    builder: str
    mirror_dir: str
    ca_binding_dir: str
    run_image: str
    build_image: str
    cache: Path
    source: Path
    docker_host: str
    network: str | None

    @classmethod
    def from_env(cls) -> Config:
        env = os.environ
        missing = [
            name
            for name in (
                "PYBUILDPACK_PACK",
                "PYBUILDPACK_CRANE",
                "PYBUILDPACK_BUILDER",
                "PYBUILDPACK_MIRROR_DIR",
                "PYBUILDPACK_CA_BINDING_DIR",
                "PYBUILDPACK_RUN_IMAGE",
                "PYBUILDPACK_CACHE",
                "DOCKER_HOST",
            )
            if not env.get(name)
        ]
        if missing:
            raise LookupError(
                "integration tests need `make integration` (missing: " + ", ".join(missing) + ")"
            )
        return cls(
            pack=env["PYBUILDPACK_PACK"],
            crane=env["PYBUILDPACK_CRANE"],
            builder=env["PYBUILDPACK_BUILDER"],
            mirror_dir=env["PYBUILDPACK_MIRROR_DIR"],
            ca_binding_dir=env["PYBUILDPACK_CA_BINDING_DIR"],
            run_image=env["PYBUILDPACK_RUN_IMAGE"],
            build_image=env.get("PYBUILDPACK_BUILD_IMAGE", ""),
            cache=Path(env["PYBUILDPACK_CACHE"]),
            source=Path(env.get("PYBUILDPACK_SOURCE", Path(__file__).resolve().parent.parent)),
            docker_host=env["DOCKER_HOST"],
            # pack's phase containers use podman's default (bridge) network unless this is set
            network=env.get("PYBUILDPACK_PACK_NETWORK") or None,
        )


_config: Config | None = None


def config() -> Config:
    global _config
    if _config is None:
        _config = Config.from_env()
    return _config


# ------------------------------------------------------------------------------------ reporting
_report_started = False


def report(line: str) -> None:
    """Print a result line and append it to $(CACHE)/integration-report.txt."""
    global _report_started
    print(f"[integration] {line}", flush=True)
    path = config().cache / "integration-report.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        if not _report_started:
            f.write(f"\n=== integration run {time.strftime('%Y-%m-%d %H:%M:%S %Z')} ===\n")
            _report_started = True
        f.write(line + "\n")


# ---------------------------------------------------------------------------------- processes
def run(cmd: Sequence[str], *, check: bool = True, timeout: float = 600, **kw) -> str:
    proc = subprocess.run(
        list(cmd), capture_output=True, text=True, timeout=timeout, check=False, **kw
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"command failed ({proc.returncode}): {' '.join(cmd)}\n"
            f"stdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
        )
    return proc.stdout


def podman(*args: str, check: bool = True, timeout: float = 600) -> str:
    return run(["podman", *args], check=check, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------------------- apps
def copy_app(name: str, dest_root: Path) -> Path:
    """Copy integration/apps/<name> to a scratch dir (tests may change the copy)."""
    dest = dest_root / name
    shutil.copytree(
        APPS_DIR / name, dest, ignore=shutil.ignore_patterns("__pycache__", "staticfiles")
    )
    return dest


def image_name(name: str) -> str:
    return f"{IMAGE_PREFIX}{name.replace('_', '-')}:latest"


# -------------------------------------------------------------------------------------- build
@dataclass
class BuildResult:
    image: str
    log: str
    seconds: float
    returncode: int

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def image_id(image: str) -> str | None:
    out = podman("image", "inspect", "--format", "{{.Id}}", image, check=False).strip()
    return out or None


def pack_build(
    app_dir: Path | str,
    image: str,
    *,
    env: dict[str, str] | None = None,
    buildpack: str | None = None,
    expect_fail: bool = False,
    clear_cache: bool = False,
    extra_args: Sequence[str] = (),
    builder: str | None = None,
    mirror_dir: str | None = None,
    cache_key: str | None = None,
    export_workaround: bool = True,
) -> BuildResult:
    """Run a real `pack build` with the integration builder and both bindings.

    clear_cache=True makes the build cold: the previous image is removed and pack's cache
    volumes are cleared. builder and mirror_dir choose another builder (the Debian 13 one) and
    the CPython mirror made for it. cache_key: pack's PACK_VOLUME_KEY (default: volume_key()).
    export_workaround=False skips pack_cache.prepare() (to show the lifecycle bug it avoids).
    """
    key = cache_key or volume_key()
    cfg = config()
    old_id = image_id(image)
    if clear_cache and old_id:
        podman("rmi", "-f", image, check=False)
        old_id = None
    elif old_id and export_workaround and (note := pack_cache.prepare(image, key)):
        print(note, flush=True)
        old_id = None
    cmd = [
        cfg.pack,
        "build",
        image,
        "--path",
        str(app_dir),
        "--builder",
        builder or cfg.builder,
        "--trust-builder",
        "--pull-policy",
        "never",
        "--docker-host",
        "inherit",
        "--volume",
        f"{mirror_dir or cfg.mirror_dir}:/platform/bindings/cpython-mirror:ro",
        "--volume",
        f"{cfg.ca_binding_dir}:/platform/bindings/ca-certificates:ro",
        "--timestamps",
    ]
    if cfg.network:
        cmd += ["--network", cfg.network]
    if clear_cache:
        cmd.append("--clear-cache")
    if buildpack:
        # Without --trust-extra-buildpacks pack treats a builder with extra buildpacks as
        # untrusted and pulls docker.io/buildpacksio/lifecycle (not reachable here).
        cmd += ["--buildpack", buildpack, "--trust-extra-buildpacks"]
    for key, value in (env or {}).items():
        cmd += ["--env", f"{key}={value}"]
    cmd += list(extra_args)
    print(f"$ {' '.join(cmd)}", flush=True)
    start = time.monotonic()
    proc = subprocess.run(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
        env={**os.environ, "DOCKER_HOST": cfg.docker_host, "PACK_VOLUME_KEY": key},
    )
    seconds = time.monotonic() - start
    result = BuildResult(image=image, log=proc.stdout, seconds=seconds, returncode=proc.returncode)
    save_log(image, " ".join(cmd), result)
    if expect_fail:
        if result.ok:
            raise AssertionError(
                f"pack build of {app_dir} succeeded but should fail:\n{tail(result.log)}"
            )
    elif not result.ok:
        raise AssertionError(
            f"pack build of {app_dir} failed (exit {result.returncode}) after {seconds:.0f}s:\n"
            f"{tail(result.log, 120)}"
        )
    # drop the image this build replaced if it has no name left (`podman rmi ID` would also
    # remove the other names a test gave it)
    new_id = image_id(image) if result.ok else None
    if old_id and new_id and old_id != new_id:
        names = podman("image", "inspect", "--format", "{{len .RepoTags}}", old_id, check=False)
        if names.strip() == "0":
            podman("rmi", old_id, check=False)
    return result


def volume_key() -> str:
    """pack's PACK_VOLUME_KEY: pack names a build's cache volumes from the image name and this
    key. Unset, pack keeps a random key per image in $PACK_HOME/volume-keys.toml and rewrites
    that file on every build, which two builds at once (the suite runs two) can corrupt."""
    return os.environ.get("PACK_VOLUME_KEY") or "pybuildpack-integration"


_log_counter = 0


def save_log(image: str, command: str, result: BuildResult) -> Path:
    """Keep every build log under $(CACHE)/integration-logs/ (printed path on failure)."""
    global _log_counter
    _log_counter += 1
    logs = config().cache / "integration-logs"
    logs.mkdir(parents=True, exist_ok=True)
    stem = image.split("/")[-1].replace(":", "_")
    path = logs / f"{time.strftime('%H%M%S')}-{_log_counter:02d}-{stem}.log"
    path.write_text(
        f"$ {command}\n# exit {result.returncode} after {result.seconds:.1f}s\n{result.log}"
    )
    print(f"build log: {path}", flush=True)
    return path


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


# ---------------------------------------------------------------------------------------- run
def http_get(url: str, timeout: float = 5) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def container_logs(container: str) -> str:
    proc = subprocess.run(
        ["podman", "logs", container], capture_output=True, text=True, check=False, timeout=30
    )
    return proc.stdout + proc.stderr


@contextlib.contextmanager
def run_container(
    image: str,
    *,
    env: dict[str, str] | None = None,
    entrypoint: str | None = None,
    publish: int | None = None,
    args: Sequence[str] = (),
    options: Sequence[str] = (),
    arch: str | None = None,
) -> Iterator[str]:
    """podman run -d the image; yields the container id; removes it afterwards.
    arch="arm64" runs an arm64 image (under emulation on an amd64 host)."""
    cmd = ["podman", "run", "-d", *options]
    if arch:
        cmd += ["--arch", arch]
    for key, value in (env or {}).items():
        cmd += ["-e", f"{key}={value}"]
    if publish:
        cmd += ["-p", f"127.0.0.1:{publish}:{publish}"]
    if entrypoint:
        cmd += ["--entrypoint", entrypoint]
    cmd += [image, *args]
    container = run(cmd, timeout=120).strip()
    try:
        yield container
    finally:
        subprocess.run(
            ["podman", "rm", "-f", "-t", "2", container],
            capture_output=True,
            check=False,
            timeout=60,
        )


@contextlib.contextmanager
def run_app(
    image: str,
    port: int | None = None,
    *,
    env: dict[str, str] | None = None,
    entrypoint: str | None = None,
    path: str = "/",
    wait: float = 90,
    options: Sequence[str] = (),
    arch: str | None = None,
) -> Iterator[str]:
    """Run the image with PORT=<port> published on 127.0.0.1; yields the base URL once HTTP
    answers. Container logs are printed when it never answers or the body fails."""
    port = port or free_port()
    with run_container(
        image,
        env={"PORT": str(port), **(env or {})},
        entrypoint=entrypoint,
        publish=port,
        options=options,
        arch=arch,
    ) as container:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + wait
        last_error = ""
        while True:
            try:
                http_get(base + path, timeout=2)
                break
            except (OSError, urllib.error.URLError) as err:
                last_error = repr(err)
            state = podman(
                "inspect", "--format", "{{.State.Status}}", container, check=False
            ).strip()
            if state not in ("running", "created", "configured"):
                raise AssertionError(
                    f"container of {image} stopped ({state}) before answering HTTP; logs:\n"
                    f"{container_logs(container)}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{image} did not answer on {base} within {wait}s ({last_error}); logs:\n"
                    f"{container_logs(container)}"
                )
            time.sleep(0.3)
        try:
            yield base
        except BaseException:
            print(f"--- logs of {image} ({container}) ---\n{container_logs(container)}", flush=True)
            raise


# ----------------------------------------------------------------------------------- metadata
@dataclass
class ImageMetadata:
    image: str
    size: int
    user: str
    entrypoint: list[str]
    processes: dict[str, dict[str, object]]
    default_process: str | None
    layers: dict[str, str]  # "<buildpack id>:<layer>" and "<layer>" (ours) -> diff digest
    layer_data: dict[str, dict[str, object]] = field(default_factory=dict)
    run_image: str = ""
    labels: dict[str, str] = field(default_factory=dict)


OUR_BUILDPACK = "pybuildpack/python"


def image_metadata(image: str) -> ImageMetadata:
    info = json.loads(podman("image", "inspect", image))[0]
    cfg = info.get("Config") or {}
    labels: dict[str, str] = cfg.get("Labels") or info.get("Labels") or {}
    lifecycle = json.loads(labels.get("io.buildpacks.lifecycle.metadata", "{}"))
    build = json.loads(labels.get("io.buildpacks.build.metadata", "{}"))
    layers: dict[str, str] = {}
    layer_data: dict[str, dict[str, object]] = {}
    for bp in lifecycle.get("buildpacks") or []:
        for name, layer in (bp.get("layers") or {}).items():
            layers[f"{bp['key']}:{name}"] = layer.get("sha", "")
            layer_data[f"{bp['key']}:{name}"] = layer.get("data") or {}
            if bp["key"] == OUR_BUILDPACK:
                layers[name] = layer.get("sha", "")
                layer_data[name] = layer.get("data") or {}
    processes = {p["type"]: p for p in build.get("processes") or []}
    entrypoint = cfg.get("Entrypoint") or []
    default = None
    if entrypoint and entrypoint[0].startswith("/cnb/process/"):
        default = entrypoint[0].removeprefix("/cnb/process/")
    return ImageMetadata(
        image=image,
        size=int(info.get("Size") or 0),
        user=str(cfg.get("User", "")),
        entrypoint=list(entrypoint),
        processes=processes,
        default_process=default,
        layers=layers,
        layer_data=layer_data,
        run_image=(lifecycle.get("runImage") or {}).get("image", ""),
        labels=labels,
    )


def layer_files(image: str, layer: str) -> dict[str, str]:
    """path -> sha256 of every regular file in one of our layers of image (for diagnosis)."""
    import hashlib
    import tarfile
    import tempfile

    digest = image_metadata(image).layers[layer].removeprefix("sha256:")
    with tempfile.TemporaryDirectory() as tmp:
        podman("save", "-q", "--format", "docker-dir", "-o", f"{tmp}/img", image)
        files: dict[str, str] = {}
        with tarfile.open(f"{tmp}/img/{digest}") as tar:
            for member in tar:
                if member.isfile():
                    data = tar.extractfile(member)
                    assert data is not None
                    files[member.name] = hashlib.sha256(data.read()).hexdigest()
                else:
                    files[member.name] = f"<{member.type!r} mode={member.mode:o}>"
        return files


def layer_diff(a: dict[str, str], b: dict[str, str], limit: int = 40) -> str:
    """Which files differ between two layer_files() maps (explains a digest change)."""
    lines = [
        f"{'changed' if p in a and p in b else 'only in ' + ('old' if p in a else 'new')}: {p}"
        for p in sorted(set(a) | set(b))
        if a.get(p) != b.get(p)
    ]
    more = f"\n... and {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


def mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def python_version_of(body: dict[str, object]) -> str:
    return str(body["python"]).split()[0]


def expected_default_python(mirror_dir: str | None = None) -> str:
    """Newest patch of the mirror catalog's default minor."""
    import tomllib

    path = Path(mirror_dir or config().mirror_dir) / "catalog.toml"
    minor = tomllib.loads(path.read_text())["default-versions"]["cpython"]
    return newest_patch(minor, mirror_dir)


def newest_patch(minor: str, mirror_dir: str | None = None) -> str:
    import tomllib

    path = Path(mirror_dir or config().mirror_dir) / "catalog.toml"
    catalog = tomllib.loads(path.read_text())
    versions = [
        d["version"]
        for d in catalog["dependencies"]
        if d["id"] == "cpython" and d["version"].startswith(minor + ".")
    ]
    return max(versions, key=lambda v: tuple(int(x) for x in v.split(".")))


if __name__ == "__main__":  # pragma: no cover - manual poking: python -m integration.harness
    print(config(), file=sys.stderr)
