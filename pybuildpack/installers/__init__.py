"""How each package manager installs the app into the venv layer: one module per manager.

Every installer follows the `Installer` protocol: the commands it runs (with the env they need),
the tool it runs them with (installed by `layers/tools.py`), its download cache, the files it
installs from, the checks of those files made before anything runs, and the mapping of its
failures to our typed errors. The layers only run what the installer describes.
"""

from __future__ import annotations

from pybuildpack.analysis.package_manager import ManagerChoice, PackageManager
from pybuildpack.analysis.project import Project
from pybuildpack.installers.base import Installer, InstallPaths, Step
from pybuildpack.installers.pdm import PdmInstaller
from pybuildpack.installers.pip import PipInstaller
from pybuildpack.installers.pipenv import PipenvInstaller
from pybuildpack.installers.poetry import PoetryInstaller
from pybuildpack.installers.uv import UvInstaller

__all__ = ["InstallPaths", "Installer", "Step", "for_choice"]


def for_choice(choice: ManagerChoice, project: Project) -> Installer | None:
    """The installer for the chosen manager (None: no dependency files), its files checked."""
    installer: Installer
    match choice.manager:
        case PackageManager.NONE:
            return None
        case PackageManager.PIP:
            installer = PipInstaller(choice.files)
        case PackageManager.UV:
            installer = UvInstaller(choice.files)
        case PackageManager.POETRY:
            installer = PoetryInstaller(choice.files)
        case PackageManager.PIPENV:
            installer = PipenvInstaller(choice.files)
        case PackageManager.PDM:
            installer = PdmInstaller(choice.files)
    installer.check(project)
    return installer
