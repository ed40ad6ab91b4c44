"""The `server` layer: a server installed beside the app's venv, importing the app's packages."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from pybuildpack.cnb.context import BuildContext, Target
from pybuildpack.layers import server
from pybuildpack.log import Logger
from tests.conftest import BUNDLED_PIP, PY_VERSION

# A stand-in for gunicorn: its console script imports a package from the app's venv.
SERVER_MAIN = (
    "import sys\n"
    "def main():\n"
    "    import appdep, editable_pkg\n"
    "    print('served', appdep.NAME, editable_pkg.NAME, sys.prefix)\n"
)


def fake_server_wheel(directory: Path, name: str, version: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}_impl.py": SERVER_MAIN,
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{dist}/entry_points.txt": f"[console_scripts]\n{name} = {name}_impl:main\n",
    }
    record = "".join(f"{path},,\n" for path in files) + f"{dist}/RECORD,,\n"
    with zipfile.ZipFile(directory / f"{name}-{version}-py3-none-any.whl", "w") as archive:
        for path, content in files.items():
            archive.writestr(path, content)
        archive.writestr(f"{dist}/RECORD", record)


def context(tmp_path: Path) -> BuildContext:
    return BuildContext(
        app_dir=tmp_path / "app",
        buildpack_dir=Path(__file__).resolve().parents[1],
        platform_dir=tmp_path / "platform",
        layers_dir=tmp_path / "layers",
        plan_path=tmp_path / "plan.toml",
        env={},
        platform_env={},
        bindings=(),
        target=Target(),
    )


def test_server_runs_with_the_app_venv_packages_and_is_reused(tmp_path: Path) -> None:
    python_home = Path(sys.base_prefix)
    app_venv = tmp_path / "layers" / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(app_venv)], check=True)
    site = server.site_packages(app_venv, PY_VERSION)
    (site / "appdep.py").write_text("NAME = 'appdep'\n")
    source = tmp_path / "src"
    source.mkdir()
    (source / "editable_pkg.py").write_text("NAME = 'editable'\n")
    (site / "__editable__.pth").write_text(f"{source}\n")  # as an editable install writes
    wheels = tmp_path / "wheels"
    fake_server_wheel(wheels, "gunicorn", "23.0.0")
    env = {
        "PATH": os.environ["PATH"],
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
    }
    ctx = context(tmp_path)
    out = io.StringIO()
    layer = server.contribute(
        ctx, "gunicorn", "23.0.0", python_home, PY_VERSION, BUNDLED_PIP, app_venv, env, Logger(out)
    )
    assert (
        "the buildpack provides gunicorn (BP_PYTHON_SERVER=none turns this off)" in out.getvalue()
    )
    assert sorted(p.name for p in (layer / "bin").iterdir()) == ["gunicorn"]  # no python on PATH
    result = subprocess.run(
        [str(layer / "bin" / "gunicorn")], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("served appdep editable"), result.stderr
    meta = tomllib.loads((ctx.layers_dir / "server.toml").read_text())
    assert meta["types"] == {"launch": True, "build": False, "cache": True}
    assert meta["metadata"]["server"] == "gunicorn" and meta["metadata"]["version"] == "23.0.0"

    again = io.StringIO()
    server.contribute(
        ctx,
        "gunicorn",
        "23.0.0",
        python_home,
        PY_VERSION,
        BUNDLED_PIP,
        app_venv,
        env,
        Logger(again),
    )
    assert "Reusing cached gunicorn" in again.getvalue()
    fake_server_wheel(wheels, "gunicorn", "23.0.1")
    third = io.StringIO()
    server.contribute(
        ctx,
        "gunicorn",
        "23.0.1",
        python_home,
        PY_VERSION,
        BUNDLED_PIP,
        app_venv,
        env,
        Logger(third),
    )
    assert "the server version" in third.getvalue()
