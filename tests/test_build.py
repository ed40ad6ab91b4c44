"""bin/build as the lifecycle runs it: layers, launch.toml, reuse and invalidation."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.conftest import (
    PY_VERSION,
    Dirs,
    offline_requirements,
    restore_like_lifecycle,
    run_build,
    write_app,
)


def layer_toml(d: Dirs, name: str) -> dict[str, object]:
    return tomllib.loads((d.layers / "pybuildpack_python" / f"{name}.toml").read_text())


def launch(d: Dirs) -> dict[str, object]:
    return tomllib.loads((d.layers / "pybuildpack_python" / "launch.toml").read_text())


def flask_like(d: Dirs) -> None:
    offline_requirements(d.app, "demo_pkg==1.0")
    write_app(d.app, {"main.py": "print('hi')\n"})


def test_build_contributes_cpython_venv_and_launch(buildpack_dir: Path, dirs: Dirs) -> None:
    flask_like(dirs)
    result = run_build(buildpack_dir, dirs)
    assert result.returncode == 0, result.stdout + result.stderr
    # launch-only: a rebuild that does not run them keeps them from the previous image
    cpython = layer_toml(dirs, "cpython")
    assert cpython["types"] == {"launch": True, "build": False, "cache": False}
    assert cpython["metadata"]["python_version"] == PY_VERSION  # type: ignore[index]
    venv = layer_toml(dirs, "venv")
    assert venv["types"] == {"launch": True, "build": False, "cache": False}
    # what a rebuild may need, each kept as one file: the CPython archive, the pip cache
    assert layer_toml(dirs, "cpython-archive")["types"] == {
        "launch": False,
        "build": False,
        "cache": True,
    }
    assert [p.name for p in (dirs.layers / "pybuildpack_python" / "pip-cache").iterdir()] == [
        "cache.tar"
    ]
    assert not (dirs.layers / "pybuildpack_python" / "pip" / "site").exists()
    site = list((dirs.layers / "pybuildpack_python" / "venv").glob("lib/python*/site-packages"))
    assert (site[0] / "demo_pkg" / "__init__.py").is_file()
    assert not list(site[0].glob("pip")), "pip must not be in the launch image"
    assert launch(dirs)["processes"] == [
        {"type": "web", "command": ["python", "main.py"], "args": [], "default": True}
    ]
    assert "Selected CPython" in result.stdout and "(from default)" in result.stdout


def test_launch_env(buildpack_dir: Path, dirs: Dirs) -> None:
    flask_like(dirs)
    assert run_build(buildpack_dir, dirs).returncode == 0
    venv = dirs.layers / "pybuildpack_python" / "venv"
    assert (venv / "env" / "PYTHONUNBUFFERED.override").read_text() == "1"
    assert (venv / "env" / "VIRTUAL_ENV.override").read_text() == str(venv)
    start = dirs.layers / "pybuildpack_python" / "start"
    assert (start / "env.launch" / "PORT.default").read_text() == "8080"
    assert (start / "env.launch" / "FORWARDED_ALLOW_IPS.default").read_text() == "*"
    assert (start / "env.launch" / "GUNICORN_CMD_ARGS.default").read_text() == "--access-logfile -"
    start_toml = layer_toml(dirs, "start")
    assert start_toml["types"] == {"launch": True, "build": False, "cache": False}


def test_sysconfig_rewritten_to_layer(buildpack_dir: Path, dirs: Dirs) -> None:
    flask_like(dirs)
    assert run_build(buildpack_dir, dirs).returncode == 0
    home = dirs.layers / "pybuildpack_python" / "cpython"
    data = next(home.glob("lib/python*/_sysconfigdata_*.py")).read_text()
    assert "/install" not in data and str(home) in data and "clang" not in data


def test_second_build_reuses_layers(buildpack_dir: Path, dirs: Dirs) -> None:
    flask_like(dirs)
    assert run_build(buildpack_dir, dirs).returncode == 0
    restore_like_lifecycle(dirs.layers)
    write_app(dirs.app, {"main.py": "print('changed source only')\n"})
    second = run_build(buildpack_dir, dirs)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"Installing CPython {PY_VERSION}" in second.stdout
    assert "Reusing cached CPython (kept in the previous image" in second.stdout
    assert "Reusing cached virtual environment (kept in the previous image" in second.stdout
    bp = dirs.layers / "pybuildpack_python"
    for layer in ("cpython", "venv"):
        # kept from the previous image: metadata, launch=true, and no files for the exporter
        assert layer_toml(dirs, layer)["types"] == {"launch": True, "build": False, "cache": False}
        assert not (bp / layer).exists(), layer


def test_start_module_in_the_venv_keeps_it_at_build(buildpack_dir: Path, dirs: Dirs) -> None:
    """The start-command check reads the venv when the module is not in the app: then the
    venv is cached (restored for the check) instead of launch-only."""
    flask_like(dirs)
    write_app(dirs.app, {"Procfile": "web: gunicorn demo_pkg:VERSION\n"})
    assert run_build(buildpack_dir, dirs).returncode == 0
    assert layer_toml(dirs, "venv")["types"] == {"launch": True, "build": True, "cache": True}


def test_requirements_change_rebuilds_only_venv(buildpack_dir: Path, dirs: Dirs) -> None:
    flask_like(dirs)
    assert run_build(buildpack_dir, dirs).returncode == 0
    restore_like_lifecycle(dirs.layers)
    offline_requirements(dirs.app, "demo_pkg==1.0", "# a comment changes the file")
    second = run_build(buildpack_dir, dirs)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Reusing cached CPython (kept in the previous image, unpacked" in second.stdout
    assert "Unpacking the installed CPython kept in the cache" in second.stdout, "no download"
    assert "Discarding cached virtual environment because:" in second.stdout
    assert "the dependency files (sha256) changed" in second.stdout
    # CPython ran for the new venv, then its files went again: the export keeps the previous
    # image's layer (same metadata) instead of re-tarring it; the venv is new
    assert layer_toml(dirs, "cpython")["types"] == {"launch": True, "build": False, "cache": False}
    assert layer_toml(dirs, "cpython")["metadata"]["python_version"] == PY_VERSION  # type: ignore[index]
    assert not (dirs.layers / "pybuildpack_python" / "cpython").exists()
    assert (dirs.layers / "pybuildpack_python" / "venv" / "pyvenv.cfg").is_file()


def test_removed_requirement_leaves_no_stale_package(buildpack_dir: Path, dirs: Dirs) -> None:
    flask_like(dirs)
    assert run_build(buildpack_dir, dirs).returncode == 0
    restore_like_lifecycle(dirs.layers)
    offline_requirements(dirs.app)  # demo_pkg dropped
    assert run_build(buildpack_dir, dirs).returncode == 0
    venv = dirs.layers / "pybuildpack_python" / "venv"
    assert not list(venv.glob("lib/python*/site-packages/demo_pkg"))


def test_python_version_change_drops_cpython_and_venv(buildpack_dir: Path, dirs: Dirs) -> None:
    flask_like(dirs)
    assert run_build(buildpack_dir, dirs).returncode == 0
    restore_like_lifecycle(dirs.layers)
    cpython_toml = dirs.layers / "pybuildpack_python" / "cpython.toml"
    cpython_toml.write_text(cpython_toml.read_text().replace(PY_VERSION, "3.10.1"))
    venv_toml = dirs.layers / "pybuildpack_python" / "venv.toml"
    venv_toml.write_text(venv_toml.read_text().replace(PY_VERSION, "3.10.1"))
    second = run_build(buildpack_dir, dirs)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Discarding cached CPython because:" in second.stdout
    assert f"the Python version changed from 3.10.1 to {PY_VERSION}" in second.stdout
    assert "Discarding cached virtual environment because:" in second.stdout


def test_every_reason_is_logged(buildpack_dir: Path, dirs: Dirs) -> None:
    flask_like(dirs)
    assert run_build(buildpack_dir, dirs).returncode == 0
    restore_like_lifecycle(dirs.layers)
    venv_toml = dirs.layers / "pybuildpack_python" / "venv.toml"
    text = venv_toml.read_text().replace(PY_VERSION, "3.10.1").replace('"amd64"', '"arm64"')
    venv_toml.write_text(text)
    second = run_build(buildpack_dir, dirs)
    assert "the Python version changed" in second.stdout
    assert "the architecture changed from arm64 to amd64" in second.stdout


def test_foreign_metadata_is_discarded(buildpack_dir: Path, dirs: Dirs) -> None:
    flask_like(dirs)
    assert run_build(buildpack_dir, dirs).returncode == 0
    restore_like_lifecycle(dirs.layers)
    (dirs.layers / "pybuildpack_python" / "venv.toml").write_text(
        '[metadata]\nsomething_else = "x"\n'
    )
    second = run_build(buildpack_dir, dirs)
    assert second.returncode == 0
    assert "written by another version of the buildpack" in second.stdout


def test_procfile_processes(buildpack_dir: Path, dirs: Dirs) -> None:
    offline_requirements(dirs.app)
    write_app(
        dirs.app,
        {
            "Procfile": "web: gunicorn app:app --workers 2\nworker: python worker.py\n",
            "app.py": "app = object()\n",
            "worker.py": "print('working')\n",
        },
    )
    assert run_build(buildpack_dir, dirs).returncode == 0
    assert launch(dirs)["processes"] == [
        {
            "type": "web",
            "command": ["gunicorn", "app:app", "--workers", "2"],
            "args": [],
            "default": True,
        },
        {"type": "worker", "command": ["python", "worker.py"], "args": [], "default": False},
    ]


def test_run_command_from_platform_env(buildpack_dir: Path, dirs: Dirs) -> None:
    offline_requirements(dirs.app)
    write_app(dirs.app, {"serve.py": "print('serving')\n"})  # checked: it exists and parses
    (dirs.platform / "env" / "RUN_COMMAND").write_text("python serve.py --port $PORT")
    assert run_build(buildpack_dir, dirs).returncode == 0
    web = launch(dirs)["processes"][0]  # type: ignore[index]
    assert web["command"] == ["pybuildpack-exec", "python", "serve.py", "--port", "$PORT"]


def test_pip_install_failure_is_reported(buildpack_dir: Path, dirs: Dirs) -> None:
    offline_requirements(dirs.app, "no-such-package-xyz==1.0")
    (dirs.app / "main.py").write_text("")
    result = run_build(buildpack_dir, dirs)
    assert result.returncode == 1
    assert "[Error: Unable to install dependencies with pip]" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (dirs.layers / "pybuildpack_python" / "venv.toml").exists()


def test_checksum_mismatch_leaves_no_layer(buildpack_dir: Path, dirs: Dirs, tmp_path: Path) -> None:
    offline_requirements(dirs.app)
    (dirs.app / "main.py").write_text("")
    bad = tmp_path / "bad-binding"
    bad.mkdir()
    src = next((dirs.platform / "bindings" / "cpython").glob("*.tar.gz"))
    (bad / src.name).write_bytes(src.read_bytes() + b"tampered")
    (bad / "type").write_text("dependency-catalog")
    catalog = (dirs.platform / "bindings" / "cpython" / "catalog.toml").read_text()
    (bad / "catalog.toml").write_text(catalog)
    (dirs.platform / "bindings" / "cpython").unlink()
    (dirs.platform / "bindings" / "cpython").symlink_to(bad)
    result = run_build(buildpack_dir, dirs)
    assert result.returncode == 1
    assert "[Error: Downloaded file does not match its checksum]" in result.stderr
    assert not (dirs.layers / "pybuildpack_python" / "cpython.toml").exists()
    assert not any((dirs.layers / "pybuildpack_python" / "cpython").iterdir())


def test_legacy_positional_arguments(buildpack_dir: Path, dirs: Dirs) -> None:
    import subprocess

    from tests.conftest import lifecycle_env

    offline_requirements(dirs.app)
    (dirs.app / "main.py").write_text("")
    layers = dirs.layers / "pybuildpack_python"
    layers.mkdir()
    result = subprocess.run(
        [str(buildpack_dir / "bin" / "build"), str(layers), str(dirs.platform), str(dirs.plan)],
        cwd=dirs.app,
        env=lifecycle_env(buildpack_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (layers / "launch.toml").is_file()


def test_exec_d_sets_uvicorn_port_from_port(buildpack_dir: Path, dirs: Dirs) -> None:
    import os
    import subprocess

    flask_like(dirs)
    assert run_build(buildpack_dir, dirs).returncode == 0
    script = dirs.layers / "pybuildpack_python" / "start" / "exec.d" / "defaults"
    assert os.access(script, os.X_OK)
    env = {"PATH": os.environ["PATH"], "PORT": "9123"}
    output = subprocess.run(
        ["/bin/sh", "-c", f'"{script}" 3>&1 1>/dev/null'],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert 'UVICORN_PORT = "9123"' in output and 'UVICORN_HOST = "0.0.0.0"' in output
    assert 'WEB_CONCURRENCY = "' in output
    set_by_user = subprocess.run(
        ["/bin/sh", "-c", f'"{script}" 3>&1 1>/dev/null'],
        env={**env, "WEB_CONCURRENCY": "3", "UVICORN_PORT": "1"},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert "WEB_CONCURRENCY" not in set_by_user and "UVICORN_PORT" not in set_by_user


def test_expander_expands_env_and_execs(buildpack_dir: Path, dirs: Dirs) -> None:
    import os
    import subprocess

    flask_like(dirs)
    assert run_build(buildpack_dir, dirs).returncode == 0
    expander = dirs.layers / "pybuildpack_python" / "start" / "bin" / "pybuildpack-exec"
    env = {"PATH": os.environ["PATH"], "PORT": "9123"}
    result = subprocess.run(
        [str(expander), "echo", "0.0.0.0:$PORT", "${PORT}", "${WORKERS:-4}", "$NOPE."],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout == "0.0.0.0:9123 9123 4 .\n"
    missing = subprocess.run(
        [str(expander), "no-such-program"], env=env, capture_output=True, text=True, timeout=30
    )
    assert missing.returncode == 1 and "cannot run no-such-program" in missing.stderr
    # leading NAME=VALUE words set variables, as `env` does (Gradio's GRADIO_SERVER_PORT=$PORT)
    assigned = subprocess.run(
        [
            str(expander),
            "GRADIO_SERVER_PORT=$PORT",
            "A=x y",
            "sh",
            "-c",
            'echo "$GRADIO_SERVER_PORT $A"',
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert assigned.stdout == "9123 x y\n", assigned.stderr


def test_flask_without_server_gets_the_provided_gunicorn_layer(
    buildpack_dir: Path, dirs: Dirs, tmp_path: Path
) -> None:
    from tests.test_server_layer import fake_server_wheel

    offline_requirements(dirs.app, "demo_pkg==1.0")
    write_app(dirs.app, {"app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    wheels = tmp_path / "server-wheels"
    fake_server_wheel(wheels, "gunicorn", "23.0.0")
    (dirs.platform / "env" / "PIP_NO_INDEX").write_text("1")
    (dirs.platform / "env" / "PIP_FIND_LINKS").write_text(str(wheels))
    result = run_build(buildpack_dir, dirs)
    assert result.returncode == 0, result.stdout + result.stderr
    web = launch(dirs)["processes"][0]  # type: ignore[index]
    assert web["command"] == ["gunicorn", "app:app"]
    assert "Installing gunicorn 23.0.0" in result.stdout
    assert "which the buildpack provides as no WSGI server is among the dependencies" in (
        result.stdout
    )
    layer = dirs.layers / "pybuildpack_python" / "server"
    assert (layer / "bin" / "gunicorn").exists()
    types = tomllib.loads((layer.parent / "server.toml").read_text())["types"]
    assert types == {"launch": True, "build": False, "cache": True}

    (dirs.platform / "env" / "BP_PYTHON_SERVER").write_text("none")
    (dirs.layers / "pybuildpack_python" / "server.toml").unlink()
    result = run_build(buildpack_dir, dirs)
    assert result.returncode == 0, result.stdout + result.stderr
    assert launch(dirs)["processes"][0]["command"] == ["python", "app.py"]  # type: ignore[index]
    assert not (dirs.layers / "pybuildpack_python" / "server.toml").exists()
