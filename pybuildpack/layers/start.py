"""The `start` layer: what processes need at container start, with no shell in the image.

- `bin/pybuildpack-exec`: expands `$VAR`, `${VAR}`, `${VAR:-default}` in a command's
  arguments and execs it (the launcher expands nothing in direct processes); leading
  `NAME=VALUE` words set variables first, as `env` does (Gradio's GRADIO_SERVER_PORT=$PORT).
- `exec.d/defaults`: after PORT has its value, sets what servers read from their own
  variables unless the user set them: UVICORN_HOST/UVICORN_PORT, and WEB_CONCURRENCY
  (gunicorn and uvicorn workers) from the container's CPU and memory limits.
- `exec.d/defaults` also points TMPDIR (when it is not writable) and gunicorn's worker
  heartbeat dir (`--worker-tmp-dir`, /dev/shm when writable) at a writable place, so the
  image serves under `podman run --read-only` with only the tmpfs the user gives.
- launch env defaults: PORT=8080, FORWARDED_ALLOW_IPS=* (the platform's router is the only
  client, as on Heroku), GUNICORN_CMD_ARGS=--access-logfile - (access logs on stdout).

Both programs run with the cpython layer's interpreter (`-I`: the app's env cannot change
them). Launch-only, rebuilt every build (it is a few kilobytes).
"""

from __future__ import annotations

from pathlib import Path

from pybuildpack.analysis.start_command import EXPANDER
from pybuildpack.cnb.context import BuildContext
from pybuildpack.cnb.layers import EnvOp, EnvScope, Layer, LayerTypes

LAYER = "start"

EXPANDER_SCRIPT = """#!{python} -I
import os, re, sys
VAR = re.compile(r"\\$\\{{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}}]*))?\\}}|\\$([A-Za-z_][A-Za-z0-9_]*)")
def expand(word):
    def value(m):
        name = m.group(1) or m.group(3)
        return os.environ.get(name) or (m.group(2) or "")
    return VAR.sub(value, word)
ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
words = sys.argv[1:]
while words and ASSIGN.match(words[0]):
    name, value = ASSIGN.match(words.pop(0)).groups()
    os.environ[name] = expand(value)
if not words:
    sys.exit("usage: pybuildpack-exec [NAME=VALUE...] COMMAND [ARG...]")
argv = [expand(word) for word in words]
try:
    os.execvp(argv[0], argv)
except OSError as err:
    sys.exit(f"pybuildpack-exec: cannot run {{argv[0]}}: {{err.strerror}}")
"""

# Workers: 2 per CPU plus one (gunicorn's advice), at most one per 256 MiB of memory limit,
# at least 1 and at most 12. Limits come from cgroup v2 (cpu.max, memory.max) or v1.
DEFAULTS_EXEC_D = """#!{python} -I
import json, os

def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""

def cpus():
    quota = read("/sys/fs/cgroup/cpu.max").split()
    if len(quota) == 2 and quota[0] != "max":
        return max(1.0, int(quota[0]) / int(quota[1]))
    q, p = read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), read("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
    if q.lstrip("-").isdigit() and int(q) > 0 and p.isdigit():
        return max(1.0, int(q) / int(p))
    return float(len(os.sched_getaffinity(0)))

def memory():
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        value = read(path)
        if value.isdigit() and int(value) < 1 << 50:
            return int(value)
    return None

out = {{}}
port = os.environ.get("PORT") or "8080"
if "UVICORN_PORT" not in os.environ:
    out["UVICORN_PORT"] = port
if "UVICORN_HOST" not in os.environ:
    out["UVICORN_HOST"] = "0.0.0.0"
if not os.environ.get("WEB_CONCURRENCY"):
    workers = int(2 * cpus() + 1)
    mem = memory()
    if mem:
        workers = min(workers, mem // (256 * 1024 * 1024))
    out["WEB_CONCURRENCY"] = str(max(1, min(workers, 12)))

def writable(path):
    return bool(path) and os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)

# A read-only root (podman run --read-only): temp files go where the user gave a tmpfs.
tmp = os.environ.get("TMPDIR", "")
if not writable(tmp):
    tmp = next((d for d in ("/tmp", "/var/tmp", "/dev/shm") if writable(d)), "")
    if tmp:
        out["TMPDIR"] = tmp
gunicorn_args = os.environ.get("GUNICORN_CMD_ARGS", "")
if "--worker-tmp-dir" not in gunicorn_args:
    heartbeat = "/dev/shm" if writable("/dev/shm") else tmp
    if heartbeat:
        out["GUNICORN_CMD_ARGS"] = f"{{gunicorn_args}} --worker-tmp-dir {{heartbeat}}".strip()
with os.fdopen(3, "w") as fd:
    fd.write("".join(f"{{k}} = {{json.dumps(v)}}\\n" for k, v in out.items()))
"""


def contribute(ctx: BuildContext, python_home: Path) -> Path:
    layer = Layer(ctx.layers_dir, LAYER)
    layer.reset()
    python = python_home / "bin" / "python3"
    expander = layer.path / "bin" / EXPANDER
    expander.parent.mkdir(parents=True)
    expander.write_text(EXPANDER_SCRIPT.format(python=python), encoding="utf-8")
    expander.chmod(0o755)
    layer.add_exec_d("defaults", DEFAULTS_EXEC_D.format(python=python))
    for name, value in (
        ("PORT", "8080"),
        ("FORWARDED_ALLOW_IPS", "*"),
        ("GUNICORN_CMD_ARGS", "--access-logfile -"),
    ):
        layer.set_env(name, value, scope=EnvScope.LAUNCH, op=EnvOp.DEFAULT)
    layer.write(LayerTypes(launch=True), {})
    return layer.path
