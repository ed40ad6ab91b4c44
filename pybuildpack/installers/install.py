"""The install section of `bin/build`: the manager's tool layer, then the venv layer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pybuildpack.analysis.analyze import BuildPlan
from pybuildpack.catalog import Catalog
from pybuildpack.cnb.context import BuildContext
from pybuildpack.config import TOOL_VERSION_VARIABLES
from pybuildpack.installers.base import Installer
from pybuildpack.installers.credentials import index_env
from pybuildpack.layers import tools, venv
from pybuildpack.log import Logger


def tool_version(plan: BuildPlan, catalog: Catalog, tool: str) -> str:
    """BP_<TOOL>_VERSION, else buildpack.toml's [metadata.default-versions], else our pin."""
    return (
        plan.settings.tool_version(tool)
        or catalog.default_version(tool)
        or TOOL_VERSION_VARIABLES[tool][1]
    )


def install(
    ctx: BuildContext,
    plan: BuildPlan,
    installer: Installer | None,
    catalog: Catalog,
    python_home: Path,
    pip_site: Path,
    pip_version: str,
    env: Mapping[str, str],
    log: Logger,
) -> Path:
    """The venv layer's path, with the app's dependencies installed (or reused)."""
    install_env = {**env, **index_env(ctx.bindings)}
    python_version = str(plan.python_version)
    label = f"pip {pip_version}"
    executable: Path | None = None
    if installer is not None and installer.tool is not None:
        version = tool_version(plan, catalog, installer.tool)
        label = f"{installer.tool} {version}"
        installer.check_tool(version)
        # no pip cache for the tool: its layer is the cache (a pip-cache layer would only
        # make every rebuild restore the tool's wheels a second time)
        executable = tools.contribute(
            ctx, installer.tool, version, python_home, python_version, pip_site, install_env, log
        )
    return venv.contribute(
        ctx, plan, python_home, pip_site, installer, label, executable, install_env, log
    )
