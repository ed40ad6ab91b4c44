"""Private-index credentials from service bindings, for the install commands only.

- type `netrc`: an entry `netrc` (or `.netrc`) in netrc format; NETRC points at it, which pip,
  pipenv and Poetry (requests) and uv read for the index hosts it names.
- type `pip-config`: an entry `pip.conf`; PIP_CONFIG_FILE points at it (pip and pipenv read it,
  e.g. `[global] index-url = https://user:token@host/simple`).

Bindings are mounted at build only: these paths are never in a layer, its env, or the log.
"""

from __future__ import annotations

from collections.abc import Sequence

from pybuildpack.cnb.platform import Binding, bindings_of_type
from pybuildpack.errors import InvalidBinding

NETRC_TYPE = "netrc"
PIP_CONFIG_TYPE = "pip-config"


def index_env(bindings: Sequence[Binding]) -> dict[str, str]:
    env: dict[str, str] = {}
    for binding in bindings_of_type(list(bindings), NETRC_TYPE):
        entry = next((e for e in ("netrc", ".netrc") if e in binding.entries), None)
        if entry is None:
            raise InvalidBinding(str(binding.path), "a netrc binding needs an entry named netrc")
        env["NETRC"] = str(binding.entry(entry))
    for binding in bindings_of_type(list(bindings), PIP_CONFIG_TYPE):
        if "pip.conf" not in binding.entries:
            raise InvalidBinding(
                str(binding.path), "a pip-config binding needs an entry named pip.conf"
            )
        env["PIP_CONFIG_FILE"] = str(binding.entry("pip.conf"))
    return env
