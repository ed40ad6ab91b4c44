"""Mutated manifests, locks, version files and Procfiles, analysed in-process: every outcome
is a plan or a typed error (never another exception, never a hang)."""

from __future__ import annotations

import json
import random
import signal
from pathlib import Path
from types import FrameType

import pytest

from pybuildpack.analysis.analyze import analyze
from pybuildpack.cli import catalog_dir
from pybuildpack.errors import BuildpackError, InternalError
from pybuildpack.inputs import read_inputs

SEEDS = {
    "pyproject.toml": (
        '[project]\nname = "app"\nversion = "1.0"\nrequires-python = ">=3.12"\n'
        'dependencies = ["flask>=2", "gunicorn"]\n[project.optional-dependencies]\n'
        'dev = ["pytest"]\n[project.scripts]\nweb = "app:main"\n[build-system]\n'
        'requires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n[tool.poetry]\n'
        'name = "app"\n[tool.poetry.dependencies]\npython = "^3.12"\n'
        'flask = {version = "*", extras = ["async"]}\n[tool.uv]\npackage = false\n'
    ),
    "Pipfile": (
        '[[source]]\nname = "pypi"\nurl = "https://pypi.org/simple"\nverify_ssl = true\n'
        '[packages]\nflask = "*"\n[requires]\npython_version = "3.12"\n'
    ),
    "Pipfile.lock": json.dumps(
        {
            "_meta": {
                "hash": {"sha256": "ab"},
                "pipfile-spec": 6,
                "requires": {"python_version": "3.12"},
            },
            "default": {"flask": {"version": "==3.0"}},
            "develop": {},
        }
    ),
    "uv.lock": 'version = 1\nrequires-python = ">=3.12"\n[[package]]\nname = "flask"\n',
    "poetry.lock": '[[package]]\nname = "flask"\n[metadata]\nlock-version = "2.1"\n',
    "pdm.lock": '[metadata]\ngroups = ["default"]\n[[package]]\nname = "flask"\n',
    "requirements.txt": "flask>=2\n-r extra.txt\ngunicorn[gevent]==21 ; python_version>'3'\n",
    "extra.txt": "requests\n",
    ".python-version": "3.12\n",
    "runtime.txt": "python-3.12.1\n",
    "Procfile": "web: gunicorn app:app --workers 2\nworker: python worker.py\n",
    "app.py": "from flask import Flask\napp = Flask(__name__)\n",
    "worker.py": "print(1)\n",
    "project.toml": '[com.pybuildpack.system-packages]\nlaunch = ["libpq5"]\n',
}
TOKENS = (
    '"', "'", "[", "]", "{", "}", "=", ",", "\n", "\\", "\0", "9" * 5000, "1.5", "true",
    "[[x]]", "\ufeff", "\u200b", "${HOME}", "../", "/etc/passwd", "-r ", ":", "$(", "&&",
    "^^", "||", "~", ">=", "\r", "\t", "#",
)  # fmt: skip


def mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 4)):
        op, i = rng.random(), rng.randint(0, len(text))
        if op < 0.45:
            text = text[:i] + rng.choice(TOKENS) + text[i:]
        elif op < 0.65:
            text = text[:i] + text[i + rng.randint(1, 20) :]
        elif op < 0.75:
            text = text[:i]
        elif op < 0.85:
            text = text[:i] + text[i : i + 30] * rng.randint(2, 50) + text[i + 30 :]
        else:
            j = rng.randint(0, len(text))
            a, b = min(i, j), max(i, j)
            text = text[:a] + text[b:] + text[a:b]
    return text


def _timeout(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError("the analysis did not finish within 10s")


@pytest.mark.parametrize("seed", range(4))
def test_mutated_inputs_give_a_plan_or_a_typed_error(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    inputs = read_inputs(catalog_dir(), {}, [])
    previous = signal.signal(signal.SIGALRM, _timeout)
    try:
        for iteration in range(250):
            app = tmp_path / f"app{iteration}"
            app.mkdir()
            for name in rng.sample(sorted(SEEDS), rng.randint(1, 6)):
                text = mutate(rng, SEEDS[name]) if rng.random() < 0.8 else SEEDS[name]
                (app / name).write_bytes(text.encode("utf-8"))
            signal.alarm(10)
            try:
                analyze(app, inputs.settings, inputs.catalog, "amd64")
            except BuildpackError as err:
                assert not isinstance(err, InternalError), (iteration, err)
            finally:
                signal.alarm(0)
    finally:
        signal.signal(signal.SIGALRM, previous)
