"""Dependency mirrors: where to download dependencies from instead of their original host.

Dependency mirrors (Paketo's rules, as in libpak and packit)
-------------------------------------------------------------
A mirror rewrites the http(s) URI of a catalog entry before it is downloaded; the sha256 of
the catalog entry is still checked, so a mirror cannot change what is installed.

* `BP_DEPENDENCY_MIRROR=<mirror>` is the default mirror: every http(s) dependency is taken
  from it.
* `BP_DEPENDENCY_MIRROR_<HOSTNAME>=<mirror>` applies only to dependencies whose original URI
  has that hostname. In the variable name, a dot of the hostname is written `_` and a dash
  `__` (double underscore); case does not matter: `BP_DEPENDENCY_MIRROR_GITHUB_COM` is for
  `github.com`, `BP_DEPENDENCY_MIRROR_DOWNLOAD_BELL__SW_COM` for `download.bell-sw.com`.
* A binding of type `dependency-mirror` does the same with files: `default` holds the
  default mirror, and a file named after a hostname (`github.com`) holds that host's mirror.
  At most one such binding may exist.
* Precedence: a hostname mirror beats the default mirror; for the same key an environment
  variable beats the binding.
* Rewriting keeps the original path (and query): with `https://mirror.example.org/deps`,
  `https://github.com/astral-sh/x.tar.gz` becomes
  `https://mirror.example.org/deps/astral-sh/x.tar.gz`. The placeholder `{originalHost}` in
  the mirror is replaced by the original hostname:
  `https://mirror.example.org/{originalHost}` gives
  `https://mirror.example.org/github.com/astral-sh/x.tar.gz`.
* A mirror is an `https://` or `file://` URI (as in Paketo) or, as our extension for local
  networks and tests, `http://`. `https://user:password@host/...` sends basic auth; the
  credentials never appear in the log. A `file://` mirror maps the path under a directory:
  `file:///srv/mirror/{originalHost}` reads `/srv/mirror/github.com/astral-sh/x.tar.gz`
  (percent escapes such as `%2B` are decoded to the file name's `+`).
* `file://` catalog entries (an operator's own builds) are never rewritten.

Downloads honour `https_proxy`/`no_proxy` (urllib's defaults) and `SSL_CERT_FILE` /
`SSL_CERT_DIR` (a CA bundle for TLS-intercepting proxies, e.g. from a `ca-certificates`
binding).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from pybuildpack.cnb.platform import Binding, bindings_of_type
from pybuildpack.errors import InvalidBinding, InvalidConfig

DEPENDENCY_MIRROR = "BP_DEPENDENCY_MIRROR"
MIRROR_BINDING_TYPE = "dependency-mirror"
PLACEHOLDER = "{originalHost}"
_MIRROR_SCHEMES = ("https", "http", "file")


# --- mirrors ------------------------------------------------------------------------------


def hostname_from_env_suffix(suffix: str) -> str:
    """`DOWNLOAD_BELL__SW_COM` -> `download.bell-sw.com` (`__` is `-`, `_` is `.`)."""
    return suffix.replace("__", "\0").replace("_", ".").replace("\0", "-").lower()


def check_mirror(name: str, value: str) -> str:
    value = value.strip()
    scheme = urlsplit(value).scheme.lower()
    if scheme not in _MIRROR_SCHEMES:
        raise InvalidConfig(
            name=name,
            value=redact(value),
            expected="an https:// or file:// URI (optionally with {originalHost})",
        )
    return value


@dataclass(frozen=True)
class Mirror:
    """Where to download dependencies from instead of their original host."""

    default: str | None = None
    hosts: Mapping[str, str] = field(default_factory=dict)  # lowercase hostname -> mirror

    @classmethod
    def from_settings(
        cls,
        default: str | None,
        hosts: Sequence[tuple[str, str]],
        bindings: Sequence[Binding] = (),
    ) -> Mirror:
        """Mirrors from the BP_DEPENDENCY_MIRROR* settings over a `dependency-mirror` binding.

        The settings' values were checked when they were read (pybuildpack.settings).
        """
        binding_default, binding_hosts = _mirror_binding(bindings)
        return cls(default=default or binding_default, hosts={**binding_hosts, **dict(hosts)})

    def __bool__(self) -> bool:
        return bool(self.default or self.hosts)

    def mirror_for(self, uri: str) -> str | None:
        parts = urlsplit(uri)
        if parts.scheme.lower() not in ("http", "https"):
            return None
        host = (parts.hostname or "").lower()
        return self.hosts.get(host, self.default)

    def rewrite(self, uri: str) -> str:
        """The URI to download `uri` from (unchanged when no mirror applies)."""
        mirror = self.mirror_for(uri)
        if mirror is None:
            return uri
        original = urlsplit(uri)
        host = (original.hostname or "").lower()
        base = urlsplit(mirror.replace(PLACEHOLDER, host))
        path = base.path.rstrip("/") + (original.path if original.path.startswith("/") else "/")
        return urlunsplit((base.scheme, base.netloc, path, original.query, ""))


def _mirror_binding(bindings: Sequence[Binding]) -> tuple[str | None, dict[str, str]]:
    found = bindings_of_type(list(bindings), MIRROR_BINDING_TYPE)
    if not found:
        return None, {}
    if len(found) > 1:
        raise InvalidBinding(
            path=str(found[0].path.parent),
            detail="more than one binding of type dependency-mirror: "
            + ", ".join(b.name for b in found),
        )
    binding = found[0]
    default: str | None = None
    hosts: dict[str, str] = {}
    for name in binding.entries:
        entry = binding.entry(name)
        if name.startswith(".") or not entry.is_file():
            continue  # `..data` and friends of Kubernetes-projected volumes
        try:
            value = entry.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidBinding(path=str(entry), detail=f"cannot read: {exc}") from None
        if not value:
            continue
        value = check_mirror(str(entry), value)
        if entry.name == "default":
            default = value
        else:
            hosts[entry.name.lower()] = value
    return default, hosts


def redact(uri: str) -> str:
    """The URI without a password (for logs and messages)."""
    parts = urlsplit(uri)
    if parts.password is None and parts.username is None:
        return uri
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    netloc = f"{parts.username or ''}:***@{netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
