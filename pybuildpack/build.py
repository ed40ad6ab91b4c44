"""`bin/build`: a short linear script. All analysis first, then layers, then launch.toml."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pybuildpack import installers, messages
from pybuildpack.analysis.analyze import BuildPlan, analyze
from pybuildpack.cnb.context import BuildContext
from pybuildpack.cnb.launch import Launch, Process, write_launch
from pybuildpack.cnb.plan import PlanEntry, read_buildpack_plan
from pybuildpack.cnb.platform import merged_env
from pybuildpack.dependencies.ca import ca_env, write_bundle
from pybuildpack.dependencies.catalog import Dependency
from pybuildpack.dependencies.fetch import Fetcher
from pybuildpack.errors import InternalError
from pybuildpack.inputs import read_inputs
from pybuildpack.installers.credentials import index_env
from pybuildpack.layers import cpython, pip, server, start, tools, venv
from pybuildpack.layers import system_packages as system_layer
from pybuildpack.layers.reuse import Found
from pybuildpack.log import Deferred, Logger
from pybuildpack.steps.collectstatic import collectstatic
from pybuildpack.steps.commands import warn_missing_modules, warn_missing_programs
from pybuildpack.steps.entrypoint import check_entrypoints, needs_venv_files

# pip and compileall write hash-checked .pyc files when this is set: reproducible layers.
SOURCE_DATE_EPOCH = "315532801"


def report_plan(plan: BuildPlan, dependency: Dependency, log: Logger) -> None:
    request = plan.python_request
    log.header("Resolving CPython version")
    if request.source == "default":
        log.detail("No Python version requested: using the buildpack's default")
    else:
        where = f"{request.source}, line {request.line}" if request.line else request.source
        log.detail(f"Requested {request.raw.strip()!r} by {where}")
    log.detail(f"Selected CPython {plan.python_version} (from {request.source})")
    for other in plan.python_conflicts:
        log.warning(
            *messages.version_conflict(
                request.source,
                request.raw.strip(),
                other.source,
                other.raw.strip(),
                str(plan.python_version),
            )
        )
    eol = dependency.deprecation_date
    if eol and eol[:10] <= datetime.now(UTC).strftime("%Y-%m-%d"):
        log.warning(*messages.eol_warning(str(plan.python_version), eol[:10], request.source))
    log.header("Choosing a package manager")
    log.detail(f"{plan.manager.manager.value} (from {plan.manager.reason})")
    if plan.tool_reason:
        log.detail(f"Using {plan.tool_reason}")
    if plan.manager.ignored:
        log.warning(
            "Several package managers' files were found",
            f"Using {plan.manager.manager.value} ({', '.join(plan.manager.files)}); ignoring:\n"
            + "\n".join(f"  {name}" for name in plan.manager.ignored)
            + "\nRemove the files you do not use, or set BP_PYTHON_PACKAGE_MANAGER.",
        )


def build_env(ctx: BuildContext, python_home: Path, ca: dict[str, str]) -> dict[str, str]:
    """The env the build's tools run with (not where settings are read: pybuildpack.settings)."""
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
            "BP_PYTHON_REQUIRE_WEB_PROCESS=false: the image has no process. Add a Procfile\n"
            "with a `web:` line, or set RUN_COMMAND, to give it one.",
        )
    return launch


def report_settings(plan: BuildPlan, log: Logger) -> None:
    for name, closest in plan.settings.unknown:
        log.warning(*messages.unknown_setting(name, closest))


def needs_at_build(requirements: Sequence[PlanEntry]) -> bool:
    """Another buildpack requires our `cpython` or `site-packages` with `build = true`: then
    both layers are in the build image for the buildpacks after ours (our own requirements
    in detect say `launch` only)."""
    return any(
        entry.name in ("cpython", "site-packages") and entry.metadata.get("build") is True
        for entry in requirements
    )


def build(ctx: BuildContext, log: Logger) -> None:
    inputs = read_inputs(ctx.buildpack_dir, merged_env(ctx.env, ctx.platform_env), ctx.bindings)
    catalog = inputs.catalog
    requirements = read_buildpack_plan(ctx.plan_path)  # what other buildpacks asked of us
    plan = analyze(ctx.app_dir, inputs.settings, catalog, ctx.target.arch, requirements)
    report_settings(plan, log)
    dependency = catalog.find("cpython", str(plan.python_version), ctx.target.arch)
    if dependency is None:  # analyze resolved from this very catalog
        raise InternalError(f"cpython {plan.python_version} vanished from the catalog")
    report_plan(plan, dependency, log)
    installer = installers.for_choice(plan.manager, plan.lock)
    bundle = write_bundle(inputs.certificates)
    ca = ca_env(bundle)
    if ca:
        log.detail("Using certificates from the ca-certificates binding for HTTPS")
    fetcher = Fetcher(mirror=inputs.mirror, ca_file=bundle)

    # What this build runs, decided before any layer: a rebuild that reuses the venv and runs no
    # Python (a source-only change) restores neither CPython nor the venv nor any tool.
    python_version = str(plan.python_version)
    label = f"pip {plan.pip_version}"
    if installer is not None and installer.tool is not None and plan.tool_version:
        label = f"{installer.tool} {plan.tool_version}"
    # a later buildpack that runs our Python or the app's venv at build (an APM agent...)
    shared_at_build = needs_at_build(requirements)
    python_every_build = (
        plan.collectstatic or plan.settings.entrypoint_check == "import" or shared_at_build
    )
    venv_every_build = python_every_build or needs_venv_files(plan, ctx.app_dir)
    wanted_venv = venv.wanted_metadata(ctx, plan, label)
    venv_log = Deferred(debug=log.debug_enabled)  # printed under "Installing dependencies"
    found_venv = venv.find(ctx, wanted_venv, venv_log)
    new_venv = found_venv is Found.NOTHING or (found_venv is Found.IN_IMAGE and venv_every_build)
    if found_venv is Found.IN_IMAGE and new_venv:
        venv_log.detail("The virtual environment is in the previous image only, and this")
        venv_log.subdetail("build needs its files (collectstatic, import check, or a start")
        venv_log.subdetail("module in it): made anew")

    server_new = plan.server is not None and not server.installed(
        ctx, plan.server.name, plan.server.version, python_version, venv.path(ctx)
    )
    cpython_in_image = cpython.in_previous_image(ctx, dependency)
    python_home = cpython.contribute(
        ctx,
        dependency,
        fetcher,
        log,
        run_now=new_venv or python_every_build or server_new,
        every_build=python_every_build,
    )
    tool_env = build_env(ctx, python_home, ca)
    # after CPython, before pip: source builds compile against the -dev packages
    tool_env = system_layer.contribute(
        ctx, plan.system_packages, plan.settings, fetcher, tool_env, log
    )
    cache = venv.download_cache(ctx, plan, installer)
    uses_tool = installer is not None and installer.tool is not None and plan.tool_version
    if new_venv:
        install_env = {**tool_env, **index_env(ctx.bindings)}
        # pip only downloads uv's wheel: CPython's bundled pip does that (no pinned pip to get)
        pip_wheel = (
            pip.bundled_pip_wheel(python_home)
            if installer is not None and installer.tool == "uv"
            else pip.wheel(ctx, python_home, plan.pip_version, install_env, log)
        )
        executable = None
        if uses_tool:
            assert installer is not None and installer.tool is not None and plan.tool_version
            executable = tools.contribute(
                ctx,
                installer.tool,
                plan.tool_version,
                python_home,
                python_version,
                pip_wheel,
                install_env,
                log,
                tools.Catalogued(catalog, fetcher, plan.settings),
            )
        log.header("Installing dependencies")
        venv_log.replay(log)
        venv_path = venv.contribute(
            ctx,
            wanted_venv,
            python_home,
            pip_wheel,
            installer,
            label,
            executable,
            cache,
            venv_every_build,
            install_env,
            log,
        )
    else:
        if installer is None or installer.tool != "uv":
            pip.keep(ctx, plan.pip_version)
        if uses_tool:
            assert installer is not None and installer.tool is not None and plan.tool_version
            tools.keep(ctx, installer.tool, plan.tool_version, python_version)
        cache.keep()
        log.header("Installing dependencies")
        venv_log.replay(log)
        venv_path = venv.keep(ctx, wanted_venv, found_venv, venv_every_build, log)
    if plan.server is not None:
        server.contribute(
            ctx,
            plan.server.name,
            plan.server.version,
            python_home,
            python_version,
            pip.wheel(ctx, python_home, plan.pip_version, tool_env, log) if server_new else None,
            venv_path,
            tool_env,
            log,
        )
    start.contribute(ctx, python_home)
    app_env = {**tool_env, "PATH": f"{venv_path / 'bin'}:{tool_env['PATH']}"}
    check_entrypoints(plan, ctx.app_dir, venv_path, app_env, log)
    if new_venv:  # checked when the venv is made (a kept venv has no files in this build)
        warn_missing_programs(plan, ctx.app_dir, venv_path, app_env, log)
        warn_missing_modules(plan, ctx.app_dir, venv_path, python_home, log)
    if plan.collectstatic:
        collectstatic(ctx.app_dir, venv_path, app_env, log)
    if cpython_in_image and not python_every_build:
        cpython.release(ctx, dependency, log)
    write_launch(ctx.layers_dir, processes(plan, log))
