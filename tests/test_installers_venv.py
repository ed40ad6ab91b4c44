"""The venv layer with a package manager (offline): metadata names the tool and its version,
the venv is reused while lock, Python and tool are unchanged, remade otherwise, and a tool's
out-of-date-lock output becomes our error. A stand-in "tool" (a Python script) is run."""

from __future__ import annotations

import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
from packaging.version import Version

from pybuildpack.analysis.analyze import analyze
from pybuildpack.cnb.context import BuildContext, Target
from pybuildpack.cnb.platform import Binding
from pybuildpack.errors import CommandFailed, InvalidBinding, LockFileOutOfDate
from pybuildpack.installers import InstallPaths, Step
from pybuildpack.installers.credentials import index_env
from pybuildpack.installers.uv import UvInstaller
from pybuildpack.layers import venv
from pybuildpack.layers.reuse import Found
from pybuildpack.log import Logger
from pybuildpack.settings import Settings

PY = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"


class Catalog:
    def versions(self, dep_id: str, arch: str) -> list[Version]:
        return [Version(PY)]

    def default_version(self, dep_id: str) -> str | None:
        return PY


class FakeUv(UvInstaller):
    """uv's checks and error mapping, but the "tool" is a script that records its env."""

    def __init__(self, files: tuple[str, ...], script: Path) -> None:
        super().__init__(files)
        self.script = script
        self.runs = 0

    def steps(self, paths: InstallPaths, tool_version: str) -> list[Step]:
        self.runs += 1
        real = super().steps(paths, tool_version)[0]
        return [Step([sys.executable, str(self.script)], real.env, "uv-sync", "fake uv sync")]


def setup(tmp_path: Path, script: str) -> tuple[BuildContext, FakeUv]:
    app = tmp_path / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text('[project]\nname = "a"\nversion = "1"\n')
    (app / "uv.lock").write_text("version = 1\n")
    (app / "main.py").write_text("")
    tool = tmp_path / "fake_uv.py"
    tool.write_text(script)
    ctx = BuildContext(
        app_dir=app,
        buildpack_dir=tmp_path,
        platform_dir=tmp_path / "platform",
        layers_dir=tmp_path / "layers",
        plan_path=tmp_path / "plan.toml",
        env={},
        platform_env={},
        bindings=(),
        target=Target(),
    )
    return ctx, FakeUv(("pyproject.toml", "uv.lock"), tool)


RECORD = """import os, pathlib
venv = pathlib.Path(os.environ["UV_PROJECT_ENVIRONMENT"])
(venv / "installed").write_text(os.environ["UV_CACHE_DIR"])
"""


def contribute(ctx: BuildContext, installer: FakeUv, label: str = "uv 0.13.8") -> Path:
    """As bin/build does it, for a build that needs the venv's files (every_build)."""
    plan = analyze(ctx.app_dir, Settings.from_env({}), Catalog(), "amd64")
    home = Path(sys.base_prefix)
    wanted = venv.wanted_metadata(ctx, plan, label)
    found = venv.find(ctx, wanted, Logger())
    if found is not Found.NOTHING:
        return venv.keep(ctx, wanted, found, True, Logger())
    cache = venv.download_cache(ctx, plan, installer)
    return venv.contribute(
        ctx, wanted, home, None, installer, label, Path("uv"), cache, True, {}, Logger()
    )


def forget_types(ctx: BuildContext) -> None:
    """What the lifecycle restores: metadata only."""
    toml = ctx.layers_dir / "venv.toml"
    data = tomllib.loads(toml.read_text())
    toml.write_text(
        f'[metadata]\ninstaller = "{data["metadata"]["installer"]}"\n'
        + "".join(f'{k} = "{v}"\n' for k, v in data["metadata"].items() if k != "installer")
    )


def test_metadata_names_the_tool_and_reuse(tmp_path: Path) -> None:
    ctx, installer = setup(tmp_path, RECORD)
    path = contribute(ctx, installer)
    # uv ran with its cache unpacked from the cache-only layer, which keeps it as one file
    assert (path / "installed").read_text().startswith(tempfile.gettempdir())
    assert [p.name for p in (ctx.layers_dir / "uv-cache").iterdir()] == ["cache.tar"]
    meta = tomllib.loads((ctx.layers_dir / "venv.toml").read_text())
    assert meta["metadata"]["installer"] == "uv 0.13.8"
    assert meta["types"] == {"launch": True, "build": True, "cache": True}
    cache = tomllib.loads((ctx.layers_dir / "uv-cache.toml").read_text())
    assert cache["types"] == {"launch": False, "build": False, "cache": True}

    forget_types(ctx)
    contribute(ctx, installer)
    assert installer.runs == 1, "unchanged lock, Python and tool: reused untouched"

    contribute(ctx, installer, "uv 0.14.0")
    assert installer.runs == 2, "a new tool version remakes the venv"

    (ctx.app_dir / "uv.lock").write_text("version = 1\n# changed\n")
    contribute(ctx, installer, "uv 0.14.0")
    assert installer.runs == 3, "a changed lock remakes the venv"


def test_out_of_date_output_becomes_our_error(tmp_path: Path) -> None:
    ctx, installer = setup(
        tmp_path,
        "import sys\nprint('error: The lockfile at `uv.lock` needs to be updated, but "
        "`--locked` was provided.')\nsys.exit(1)\n",
    )
    with pytest.raises(LockFileOutOfDate) as err:
        contribute(ctx, installer)
    assert err.value.fix == "uv lock"
    assert isinstance(err.value.__cause__, CommandFailed)
    assert not (ctx.layers_dir / "venv.toml").exists(), "a failed install is never exported"


def test_credentials_are_redacted_in_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx, installer = setup(
        tmp_path, "print('Looking in indexes: https://bob:hunter2@idx.example/simple')\n"
    )
    contribute(ctx, installer)
    out = capsys.readouterr().out
    assert "hunter2" not in out and "https://bob:***@idx.example/simple" in out


def test_index_bindings(tmp_path: Path) -> None:
    netrc = tmp_path / "n"
    netrc.mkdir()
    conf = tmp_path / "p"
    conf.mkdir()
    bindings = (
        Binding("n", "netrc", netrc, entries=("netrc",)),
        Binding("p", "pip-config", conf, entries=("pip.conf",)),
    )
    assert index_env(bindings) == {
        "NETRC": str(netrc / "netrc"),
        "PIP_CONFIG_FILE": str(conf / "pip.conf"),
    }
    with pytest.raises(InvalidBinding):
        index_env((Binding("n", "netrc", netrc, entries=("other",)),))


def test_tool_version_precedence(tmp_path: Path) -> None:
    class Defaults(Catalog):
        def default_version(self, dep_id: str) -> str | None:
            return {"uv": "0.13.8", "pip": "26.3", "cpython": PY}.get(dep_id)

    (tmp_path / "uv.lock").write_text("")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "a"\n')
    (tmp_path / "main.py").write_text("")
    plan = analyze(tmp_path, Settings.from_env({}), Defaults(), "amd64")
    assert plan.tool_version == "0.13.8"  # buildpack.toml (or an operator's catalog)
    assert plan.pip_version == "26.3"
    plan = analyze(tmp_path, Settings.from_env({"BP_UV_VERSION": "0.12.0"}), Defaults(), "amd64")
    assert plan.tool_version == "0.12.0"  # the user's
