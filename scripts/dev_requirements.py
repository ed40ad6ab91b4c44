"""Print pybuildpack's runtime and dev requirements, one per line, from pyproject.toml."""

import sys
import tomllib
from pathlib import Path

project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
groups = sys.argv[1:] or ["dev"]
requirements = list(project["dependencies"])
for group in groups:
    if group != "runtime":
        requirements += project["optional-dependencies"][group]
print("\n".join(requirements))
