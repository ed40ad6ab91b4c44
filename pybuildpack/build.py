"""`bin/build`: a short linear script. All analysis first, then layers, then launch.toml."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from pybuildpack import django, installers, messages
from pybuildpack.analysis.analyze import BuildPlan, analyze
from pybuildpack.analysis.project import Project
from pybuildpack.catalog import (
    Catalog,
    Dependency,
    load_buildpack_catalog,
    operator_catalogs,
    with_overrides,
)
from pybuildpack.cnb.context import BuildContext
from pybuildpack.cnb.launch import Launch, Process, write_launch
from pybuildpack.cnb.platform import bindings_root, merged_env
from pybuildpack.config import check_forbidden
from pybuildpack.download import Mirror
from pybuildpack.entrypoint import check_entrypoints
from pybuildpack.errors import InternalError
from pybuildpack.installers.install import install
from pybuildpack.layers import cpython, pip, start
from pybuildpack.layers import system_packages as system_layer
from pybuildpack.log import Logger
from pybuildpack.trust import ca_bundle, ca_env

FALLBACK_PIP_VERSION = "26.3"  # when buildpack.toml has no default-versions.pip
# pip and compileall write hash-checked .pyc files when this is set: reproducible layers.
SOURCE_DATE_EPOCH = "315532801"


def buildpack_version(buildpack_dir: Path) -> str:
    import tomllib

    with (buildpack_dir / "buildpack.toml").open("rb") as handle:
        return str(tomllib.load(handle)["buildpack"]["version"])


def effective_catalog(buildpack_dir: Path, root: Path) -> Catalog:
    """The buildpack's catalog, with operator-supplied entries from bindings taking over."""
    return with_overrides(
        load_buildpack_catalog(buildpack_dir / "buildpack.toml"), operator_catalogs(root)
    )


def report_plan(plan: BuildPlan, dependency: Dependency, log: Logger) -> None:
    request = plan.python_request
    log.header("Resolving CPython version")
    if request.source == "default":
        log.detail("No Python version requested: using the buildpack's default")
    else:
        where = f"{request.source}, line {request.line}" if request.line else request.source
        log.detail(f"Requested {request.raw.strip()!r} by {where}")
    log.detail(f"Selected CPython {plan.python_version} (from {request.source})")
    eol = dependency.deprecation_date
    if eol and eol[:10] <= datetime.now(UTC).strftime("%Y-%m-%d"):
        log.warning(*messages.eol_warning(str(plan.python_version), eol[:10], request.source))
    log.header("Choosing a package manager")
    log.detail(f"{plan.manager.manager.value} (from {plan.manager.reason})")
    if plan.manager.ignored:
        log.warning(
            "Several package managers' files were found",
            f"Using {plan.manager.manager.value} ({', '.join(plan.manager.files)}); ignoring:\n"
            + "\n".join(f"  {name}" for name in plan.manager.ignored)
            + "\nRemove the files you do not use, or set BP_PYTHON_PACKAGE_MANAGER.",
        )


def build_env(ctx: BuildContext, python_home: Path, ca: dict[str, str]) -> dict[str, str]:
    env = merged_env(ctx.env, ctx.platform_env)
    env.update(ca)
    env["PATH"] = f"{python_home / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
    env["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    env["PYTHONUNBUFFERED"] = "1"
    # Python run at build (pip, collectstatic, checks) must not write bytecode into reused
    # layers: an import-time .pyc would change a layer the log calls reused. pip still
    # compiles what it installs (hash-checked, thanks to SOURCE_DATE_EPOCH).
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    return env


def processes(plan: BuildPlan, log: Logger) -> Launch:
    log.header("Assigning launch processes")
    launch = Launch()
    for proc in plan.processes:
        launch.processes.append(Process(proc.type, proc.command, proc.args, proc.default))
        marker = " (default)" if proc.default else ""
        log.detail(f"{proc.type}{marker}: {' '.join(proc.command)}")
        log.subdetail(f"because {proc.reason}")
    for warning in plan.warnings:
        title, _, body = warning.partition("\n")
        log.warning(title, body)
    if not plan.processes:
        log.warning(
            "No start command found",
            "Add a Procfile with a `web:` line, an app.py or main.py, or set RUN_COMMAND.",
        )
    return launch


def build(ctx: BuildContext, log: Logger) -> None:
    check_forbidden(ctx.platform_env)
    env = merged_env(ctx.env, ctx.platform_env)
    root = bindings_root(ctx.platform_dir, ctx.env)
    log.title(f"pybuildpack {buildpack_version(ctx.buildpack_dir)}")

    catalog = effective_catalog(ctx.buildpack_dir, root)
    plan = analyze(ctx.app_dir, env, catalog, ctx.target.arch)
    dependency = catalog.find("cpython", str(plan.python_version), ctx.target.arch)
    if dependency is None:  # analyze resolved from this very catalog
        raise InternalError(f"cpython {plan.python_version} vanished from the catalog")
    report_plan(plan, dependency, log)
    installer = installers.for_choice(plan.manager, Project(ctx.app_dir))  # checks its files
    mirror = Mirror.from_env(env, root)
    ca = ca_env(ca_bundle(ctx.bindings))
    if ca:
        os.environ.update(ca)  # our own downloads, too
        log.detail("Using certificates from the ca-certificates binding for HTTPS")

    python_home = cpython.contribute(ctx, dependency, mirror, log)
    tool_env = build_env(ctx, python_home, ca)
    # after CPython, before pip: source builds compile against the -dev packages
    tool_env = system_layer.contribute(ctx, plan.system_packages, mirror, tool_env, log)
    pip_version = (
        plan.settings.pip_version or catalog.default_version("pip") or FALLBACK_PIP_VERSION
    )
    pip_site = pip.contribute(ctx, python_home, dependency.version, pip_version, tool_env, log)
    venv_path = install(
        ctx, plan, installer, catalog, python_home, pip_site, pip_version, tool_env, log
    )
    start.contribute(ctx, python_home)
    app_env = {**tool_env, "PATH": f"{venv_path / 'bin'}:{tool_env['PATH']}"}
    check_entrypoints(plan, ctx.app_dir, venv_path, app_env, log)
    if plan.collectstatic:
        django.collectstatic(ctx.app_dir, venv_path, app_env, log)
    write_launch(ctx.layers_dir, processes(plan, log))
