"""`make bench`: our buildpack against the seed's Dockerfiles and the lifecycle's floor.

Interleaved rounds; in each round, for every app, every target does three builds:
  cold    no image, no cache (pack --clear-cache; podman build --no-cache, empty cache mounts)
  source  one line of app code changed
  deps    one dependency added (requirements.txt, or pyproject.toml + uv.lock)
Targets: `ours` (the integration builder), `pip`/`uv` (the seed's Dockerfiles built with
`podman build` on a python:3.12-slim-like image with the same CPython), `floor` (a buildpack
that writes one launch layer, on a builder with the same images and lifecycle).
Also: image size, container start to first HTTP 200, `bin/detect` inside the builder,
`bin/build` start-up to its first output. Prints medians (min-max) and ratios of medians and
writes every sample as JSON. Paths come from the environment `make bench` sets.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
APPS = HERE / "apps"
DOCKERFILES = HERE / "dockerfiles"
STEPS = ("cold", "source", "deps")
STEP_NAMES = {"cold": "cold", "source": "source-only change", "deps": "dependency change"}


@dataclass(frozen=True)
class App:
    name: str
    label: str
    dockerfile: str  # "pip" or "uv"
    dockerfile_path: Path
    container_port: int = 8000


BENCH_APPS = {
    "flask_pip": App(
        "flask_pip", "Flask (requirements.txt)", "pip", DOCKERFILES / "pip.Dockerfile"
    ),
    "flask_uv": App("flask_uv", "Flask (uv.lock)", "uv", DOCKERFILES / "uv.Dockerfile"),
    "django": App("django", "Django", "pip", DOCKERFILES / "pip-django.Dockerfile"),
    "large": App("large", "Large (105 pinned deps)", "pip", DOCKERFILES / "pip.Dockerfile"),
}


@dataclass(frozen=True)
class Env:
    pack: str
    builder: str
    floor_builder: str
    mirror_dir: str
    ca_binding_dir: str
    work: Path
    volume_key: str
    run_image: str

    @classmethod
    def from_environ(cls) -> Env:
        e = os.environ
        return cls(
            pack=e["PACK"],
            builder=e["BUILDER"],
            floor_builder=e["FLOOR_BUILDER"],
            mirror_dir=e["MIRROR_DIR"],
            ca_binding_dir=e["CA_BINDING_DIR"],
            work=Path(e["BENCH_WORK"]),
            volume_key=e.get("PACK_VOLUME_KEY") or "bench",
            run_image=e["RUN_IMAGE"],
        )


def run(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 1800) -> str:
    proc = subprocess.run(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-3000:]}")
    return proc.stdout


def quiet(cmd: list[str]) -> None:
    subprocess.run(cmd, capture_output=True, check=False, timeout=300)


def image_id(image: str) -> str:
    proc = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{.Id}}", image],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip()


def image_size(image: str) -> int:
    return int(run(["podman", "image", "inspect", "--format", "{{.Size}}", image]).strip())


def drop_untagged(old_id: str, image: str) -> None:
    """Remove the image a rebuild replaced if nothing names it any more."""
    if old_id and old_id != image_id(image):
        names = subprocess.run(
            ["podman", "image", "inspect", "--format", "{{len .RepoTags}}", old_id],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if names == "0":
            quiet(["podman", "rmi", old_id])


# ---------------------------------------------------------------------------------- builds
class Target:
    name = ""
    serves_http = True

    def __init__(self, env: Env, app: App) -> None:
        self.env = env
        self.app = app
        self.image = f"pybuildpack.test/bench-{self.name}-{app.name.replace('_', '-')}:latest"

    def build(self, app_dir: Path, cold: bool, log: Path) -> float:
        raise NotImplementedError

    def port_args(self, host_port: int) -> list[str]:
        return ["-e", f"PORT={host_port}", "-p", f"127.0.0.1:{host_port}:{host_port}"]


class PackTarget(Target):
    builder = ""

    def __init__(self, env: Env, app: App) -> None:
        super().__init__(env, app)
        self.extra: list[str] = []  # more `pack build` arguments

    def build(self, app_dir: Path, cold: bool, log: Path) -> float:
        old = image_id(self.image)
        if cold and old:
            quiet(["podman", "rmi", "-f", self.image])
            old = ""
        cmd = [
            self.env.pack,
            "build",
            self.image,
            "--path",
            str(app_dir),
            "--builder",
            self.builder,
            "--trust-builder",
            "--pull-policy",
            "never",
            "--docker-host",
            "inherit",
            "--volume",
            f"{self.env.mirror_dir}:/platform/bindings/cpython-mirror:ro",
            "--volume",
            f"{self.env.ca_binding_dir}:/platform/bindings/ca-certificates:ro",
        ]
        cmd += self.extra
        if cold:
            cmd.append("--clear-cache")
        start = time.monotonic()
        try:
            out = run(cmd, env={"PACK_VOLUME_KEY": self.env.volume_key})
        except RuntimeError as err:
            log.write_text(str(err))
            raise
        seconds = time.monotonic() - start
        log.write_text(f"$ {' '.join(cmd)}\n# {seconds:.2f}s\n{out}")
        drop_untagged(old, self.image)
        return seconds


class Ours(PackTarget):
    name = "ours"

    def __init__(self, env: Env, app: App) -> None:
        super().__init__(env, app)
        self.builder = env.builder


class Floor(PackTarget):
    name = "floor"
    serves_http = False

    def __init__(self, env: Env, app: App) -> None:
        super().__init__(env, app)
        self.builder = env.floor_builder


class SizedFloor(Floor):
    """The floor with a launch layer as large as our image's layers, kept from the previous
    image on a rebuild: with a daemon (podman here) the exporter saves the whole previous
    image and loads the new one whenever a layer is reused, so that cost grows with the
    image, whatever the buildpack does."""

    name = "floor-sized"

    def __init__(self, env: Env, app: App, ours: Ours) -> None:
        super().__init__(env, app)
        self.ours = ours
        self.bytes = 0

    def build(self, app_dir: Path, cold: bool, log: Path) -> float:
        if cold or not self.bytes:  # our layers' size: our image less the run image
            self.bytes = max(1, image_size(self.ours.image) - image_size(self.env.run_image))
        self.extra = ["--env", f"BP_FLOOR_BYTES={self.bytes}"]
        return super().build(app_dir, cold, log)


class Dockerfile(Target):
    def __init__(self, env: Env, app: App) -> None:
        self.name = app.dockerfile
        super().__init__(env, app)
        # podman keeps RUN --mount=type=cache directories under $TMPDIR/buildah-cache-<uid>:
        # a directory of our own per target, emptied for a cold build.
        self.tmpdir = env.work / "podman-tmp" / f"{self.name}-{app.name}"

    def build(self, app_dir: Path, cold: bool, log: Path) -> float:
        old = image_id(self.image)
        if cold:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            if old:
                quiet(["podman", "rmi", "-f", self.image])
                old = ""
        self.tmpdir.mkdir(parents=True, exist_ok=True)
        cmd = ["podman", "build", "-f", str(self.app.dockerfile_path), "-t", self.image]
        if cold:
            cmd.append("--no-cache")
        cmd.append(str(app_dir))
        start = time.monotonic()
        try:
            out = run(cmd, env={"TMPDIR": str(self.tmpdir)})
        except RuntimeError as err:
            log.write_text(str(err))
            raise
        seconds = time.monotonic() - start
        log.write_text(f"$ {' '.join(cmd)}\n# {seconds:.2f}s\n{out}")
        drop_untagged(old, self.image)
        return seconds

    def port_args(self, host_port: int) -> list[str]:
        return ["-p", f"127.0.0.1:{host_port}:{self.app.container_port}"]


def http_ok(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as resp:
            return bool(resp.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def first_http_200(target: Target, wait: float = 60) -> float:
    """Seconds from `podman run` to the first HTTP 200 on /."""
    port = free_port()
    start = time.monotonic()
    container = run(["podman", "run", "-d", *target.port_args(port), target.image]).strip()
    try:
        while not http_ok(f"http://127.0.0.1:{port}/"):
            if time.monotonic() - start > wait:
                logs = subprocess.run(
                    ["podman", "logs", container], capture_output=True, text=True, check=False
                )
                raise RuntimeError(f"{target.image}: no HTTP 200 in {wait}s\n{logs.stderr}")
            time.sleep(0.02)
        return time.monotonic() - start
    finally:
        quiet(["podman", "rm", "-f", "-t", "0", container])


# ------------------------------------------------------------------- buildpack in the builder
BP_DIR = "/cnb/buildpacks/pybuildpack_python"

PROBE = r"""
set -eu
bp=$(ls -d {bp_dir}/*/ | head -1)
mkdir -p /tmp/platform /tmp/layers
: >/tmp/plan.toml
for i in $(seq {n}); do
  t0=$(date +%s%N)
  CNB_PLATFORM_DIR=/tmp/platform CNB_BUILD_PLAN_PATH=/tmp/plan.toml CNB_BUILDPACK_DIR=$bp \
    "$bp/bin/detect" >/dev/null 2>&1 || true
  t1=$(date +%s%N)
  echo "detect $(( (t1 - t0) / 1000 ))"
done
for i in $(seq {n}); do
  rm -rf /tmp/layers/*
  t0=$(date +%s%N)
  CNB_PLATFORM_DIR=/tmp/platform CNB_BP_PLAN_PATH=/tmp/plan.toml CNB_LAYERS_DIR=/tmp/layers \
    CNB_BUILDPACK_DIR=$bp timeout -s KILL 5 "$bp/bin/build" 2>&1 | {{ IFS= read -r line || true;
    t1=$(date +%s%N); echo "build $(( (t1 - t0) / 1000 )) $line"; cat >/dev/null; }}
done
"""


def probe_buildpack(env: Env, n: int) -> dict[str, list[float]]:
    """bin/detect run time and bin/build time to first output line, inside the builder image
    (as the lifecycle runs them: the builder's user, its read-only buildpack directory)."""
    app = env.work / "probe-app"
    shutil.rmtree(app, ignore_errors=True)
    shutil.copytree(APPS / "flask_pip", app)
    out = run(
        [
            "podman",
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            f"{app}:/workspace:ro",
            "-w",
            "/workspace",
            "--entrypoint",
            "/bin/sh",
            env.builder,
            "-c",
            PROBE.format(bp_dir=BP_DIR, n=n),
        ]
    )
    samples: dict[str, list[float]] = {"detect": [], "build_startup": []}
    first_line = ""
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if parts[0] == "detect":
            samples["detect"].append(int(parts[1]) / 1000)
        elif parts[0] == "build":
            samples["build_startup"].append(int(parts[1]) / 1000)
            first_line = parts[2] if len(parts) > 2 else ""
    print(f"bin/build's first line: {first_line!r}", flush=True)
    # the first run of each warms the page cache: not counted
    return {k: v[1:] for k, v in samples.items()}


# ------------------------------------------------------------------------------- the rounds
def prepare_app(app: App, dest: Path) -> Path:
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(APPS / app.name, dest, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    return dest


def change_source(app_dir: Path, round_no: int) -> None:
    for name in ("app.py", "hello/views.py"):
        path = app_dir / name
        if path.is_file():
            with path.open("a") as f:
                f.write(f"\n# a source-only change (round {round_no})\n")
            return
    raise RuntimeError(f"no source file to change in {app_dir}")


def change_dependencies(app: App, app_dir: Path) -> None:
    for path in (APPS / f"{app.name}.depchange").iterdir():
        shutil.copy2(path, app_dir / path.name)


def targets_for(env: Env, app: App, names: list[str]) -> list[Target]:
    made: list[Target] = []
    ours = Ours(env, app)
    for name in names:
        if name == "ours":
            made.append(ours)
        elif name == "floor":
            made.append(Floor(env, app))
        elif name == "dockerfile":
            made.append(Dockerfile(env, app))
    return made


def sized_floor_for(env: Env, app: App, names: list[str]) -> SizedFloor | None:
    """Run after `ours` in every round (it needs our image's size)."""
    if "floor-sized" not in names or "ours" not in names:
        return None
    return SizedFloor(env, app, Ours(env, app))


Samples = dict[str, dict[str, dict[str, list[float]]]]  # app -> target -> metric -> values
IMAGE_IDS: dict[str, list[str]] = {}  # "app/target" -> image ID of each cold build


def bench(
    env: Env,
    apps: list[App],
    target_names: list[str],
    rounds: int,
    http: bool,
    after_round: Callable[[Samples, int], None] = lambda samples, r: None,
) -> Samples:
    samples: Samples = {}
    ids_of = IMAGE_IDS  # the cold builds' image IDs: clean builds of one app must be identical
    logs = env.work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for r in range(1, rounds + 1):
        for app in apps:
            targets = targets_for(env, app, target_names)
            # rotate the order each round, so no target always runs first
            shift = (r - 1) % len(targets)
            targets = targets[shift:] + targets[:shift]
            sized = sized_floor_for(env, app, target_names)
            if sized is not None:
                targets.append(sized)
            for target in targets:
                app_dir = prepare_app(app, env.work / "apps" / f"{target.name}-{app.name}")
                got = samples.setdefault(app.name, {}).setdefault(target.name, {})
                for step in STEPS:
                    if step == "source":
                        change_source(app_dir, r)
                    elif step == "deps":
                        change_dependencies(app, app_dir)
                    log = logs / f"r{r}-{app.name}-{target.name}-{step}.log"
                    seconds = target.build(app_dir, cold=step == "cold", log=log)
                    got.setdefault(step, []).append(seconds)
                    print(
                        f"round {r} {app.name:9} {target.name:5} {step:6} {seconds:6.1f}s",
                        flush=True,
                    )
                    if step == "cold":
                        got.setdefault("size_mb", []).append(image_size(target.image) / 1e6)
                        ids = ids_of.setdefault(f"{app.name}/{target.name}", [])
                        ids.append(image_id(target.image))
                if http and target.serves_http:
                    seconds = first_http_200(target)
                    got.setdefault("http", []).append(seconds)
                    print(f"round {r} {app.name:9} {target.name:5} http   {seconds:6.2f}s")
        after_round(samples, r)
    return samples


# ---------------------------------------------------------------------------------- report
def med(values: list[float]) -> float:
    return statistics.median(values)


def cell(values: list[float] | None, unit: str = "s", digits: int = 1) -> str:
    if not values:
        return "-"
    m = med(values)
    if len(values) == 1:
        return f"{m:.{digits}f} {unit}"
    return f"{m:.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def ratio(a: list[float] | None, b: list[float] | None) -> float | None:
    if not a or not b or med(b) == 0:
        return None
    return med(a) / med(b)


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


@dataclass
class Check:
    name: str
    measured: str
    limit: str
    holds: bool | None


def targets_table(samples: Samples, probe: dict[str, list[float]]) -> list[Check]:
    checks: list[Check] = []

    def add(name: str, value: float | None, limit: float, unit: str = "x") -> None:
        shown = "-" if value is None else (f"{value:.2f}x" if unit == "x" else f"{value:.0f} ms")
        bound = f"<= {limit:g}{'x' if unit == 'x' else ' ms'}"
        checks.append(Check(name, shown, bound, None if value is None else value <= limit))

    flask = samples.get("flask_uv", {})
    add(
        "cold, Flask (uv.lock): ours / uv Dockerfile",
        ratio(flask.get("ours", {}).get("cold"), flask.get("uv", {}).get("cold")),
        1.3,
    )
    for app in ("flask_uv", "flask_pip", "large"):
        got = samples.get(app, {})
        add(
            f"source-only, {BENCH_APPS[app].label}: ours / floor",
            ratio(got.get("ours", {}).get("source"), got.get("floor", {}).get("source")),
            1.2,
        )
    for app in ("flask_uv", "flask_pip", "large"):
        got = samples.get(app, {})
        if got.get("floor-sized"):
            add(
                f"(context) source-only, {BENCH_APPS[app].label}: ours / same-size floor",
                ratio(got.get("ours", {}).get("source"), got["floor-sized"].get("source")),
                1.2,
            )
    add(
        "dependency change, Flask (uv.lock): ours / uv Dockerfile",
        ratio(flask.get("ours", {}).get("deps"), flask.get("uv", {}).get("deps")),
        1.5,
    )
    if probe.get("detect"):
        add("bin/detect inside the builder", med(probe["detect"]), 30, unit="ms")
    if probe.get("build_startup"):
        add("bin/build start-up to first output", med(probe["build_startup"]), 150, unit="ms")
    return checks


def render(samples: Samples, probe: dict[str, list[float]], rounds: int) -> str:
    lines = [
        f"Machine: {machine()}; {rounds} round(s), medians (min-max).",
        "",
        "| app | step | ours | Dockerfile | floor | same-size floor | ours / Dockerfile "
        "| ours / floor | ours / same-size floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for app_name, got in samples.items():
        app = BENCH_APPS[app_name]
        ours, floor, docker = got.get("ours", {}), got.get("floor", {}), got.get(app.dockerfile, {})
        sized = got.get("floor-sized", {})
        for step in STEPS:
            lines.append(
                f"| {app.label} | {STEP_NAMES[step]} | {cell(ours.get(step))} | "
                f"{app.dockerfile}: {cell(docker.get(step))} | {cell(floor.get(step))} | "
                f"{cell(sized.get(step))} | "
                f"{fmt_ratio(ratio(ours.get(step), docker.get(step)))} | "
                f"{fmt_ratio(ratio(ours.get(step), floor.get(step)))} | "
                f"{fmt_ratio(ratio(ours.get(step), sized.get(step)))} |"
            )
        lines.append(
            f"| {app.label} | image size | {cell(ours.get('size_mb'), 'MB', 0)} | "
            f"{app.dockerfile}: {cell(docker.get('size_mb'), 'MB', 0)} | "
            f"{cell(floor.get('size_mb'), 'MB', 0)} | {cell(sized.get('size_mb'), 'MB', 0)} | "
            f"{fmt_ratio(ratio(ours.get('size_mb'), docker.get('size_mb')))} | | |"
        )
        if ours.get("http") or docker.get("http"):
            lines.append(
                f"| {app.label} | start to HTTP 200 | {cell(ours.get('http'), 's', 2)} | "
                f"{app.dockerfile}: {cell(docker.get('http'), 's', 2)} | | | "
                f"{fmt_ratio(ratio(ours.get('http'), docker.get('http')))} | | |"
            )
    if probe:
        lines += [
            "",
            f"`bin/detect` inside the builder: {cell(probe.get('detect'), 'ms', 0)}; "
            f"`bin/build` start-up to first output: {cell(probe.get('build_startup'), 'ms', 0)}",
        ]
    ours_ids = {k: v for k, v in IMAGE_IDS.items() if k.endswith("/ours") and len(v) > 1}
    if ours_ids:
        same = [k.split("/")[0] for k, v in ours_ids.items() if len(set(v)) == 1]
        differ = [k.split("/")[0] for k, v in ours_ids.items() if len(set(v)) > 1]
        lines += [
            "",
            f"Clean builds with identical image IDs (ours, every round's cold build): "
            f"{', '.join(same) or 'none'}"
            + (f"; differing: {', '.join(differ)}" if differ else ""),
        ]
    lines += ["", "| target | measured | limit | holds |", "|---|---|---|---|"]
    for check in targets_table(samples, probe):
        holds = "n/a" if check.holds is None else ("yes" if check.holds else "**no**")
        lines.append(f"| {check.name} | {check.measured} | {check.limit} | {holds} |")
    return "\n".join(lines)


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.node()}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, "
        f"{platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--apps", default=",".join(BENCH_APPS))
    parser.add_argument("--targets", default="ours,dockerfile,floor,floor-sized")
    parser.add_argument("--probe-runs", type=int, default=21)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--json", type=Path, default=Path("build/bench.json"))
    parser.add_argument("--markdown", type=Path, default=Path("build/bench.md"))
    args = parser.parse_args(argv)
    env = Env.from_environ()
    env.work.mkdir(parents=True, exist_ok=True)
    apps = [BENCH_APPS[name] for name in args.apps.split(",") if name]
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    probe = probe_buildpack(env, args.probe_runs) if args.probe_runs else {}

    def write(samples: Samples, done: int) -> None:
        """Results so far (after every round: a stopped run still leaves its numbers)."""
        table = render(samples, probe, done)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "started": started,
                    "machine": machine(),
                    "rounds": done,
                    "samples": samples,
                    "probe_ms": probe,
                    "cold_image_ids": IMAGE_IDS,
                    "targets": [c.__dict__ for c in targets_table(samples, probe)],
                },
                indent=2,
            )
        )
        args.markdown.write_text(table + "\n")

    samples = bench(env, apps, args.targets.split(","), args.rounds, not args.no_http, write)
    print("\n" + render(samples, probe, args.rounds))
    print(f"\nwrote {args.json} and {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
