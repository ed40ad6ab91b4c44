"""How each package manager installs the app into the venv layer: one module per manager.

Every installer follows the `Installer` protocol: the commands it runs (with the env they need),
the tool it runs them with (installed by `layers/tools.py`), its download cache, the files it
installs from, and the mapping of its failures to our typed errors. The checks of those files
are analysis (analysis/manager_files.py), made before anything runs. The layers only run
what the installer describes.
"""

from __future__ import annotations

from pybuildpack.analysis.manager_files import LockFacts
from pybuildpack.analysis.package_manager import ManagerChoice, PackageManager
from pybuildpack.installers.base import Installer, InstallPaths, Step
from pybuildpack.installers.pdm import PdmInstaller
from pybuildpack.installers.pip import PipInstaller
from pybuildpack.installers.pipenv import PipenvInstaller
from pybuildpack.installers.poetry import PoetryInstaller
from pybuildpack.installers.uv import UvInstaller

__all__ = ["InstallPaths", "Installer", "Step", "for_choice"]


def for_choice(choice: ManagerChoice, facts: LockFacts) -> Installer | None:
    """The installer for the chosen manager (None: no dependency files).

    Its files were checked by the analysis (analysis/manager_files.py) before this runs.
    """
    installer: Installer
    match choice.manager:
        case PackageManager.NONE:
            return None
        case PackageManager.PIP:
            installer = PipInstaller(choice.files)
        case PackageManager.UV:
            installer = UvInstaller(choice.files)
        case PackageManager.POETRY:
            installer = PoetryInstaller(choice.files, facts.poetry_lock_version)
        case PackageManager.PIPENV:
            installer = PipenvInstaller(choice.files)
        case PackageManager.PDM:
            installer = PdmInstaller(choice.files)
    return installer
