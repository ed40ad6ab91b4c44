"""Downloading dependencies (verified by sha256), dependency mirrors, and safe extraction.

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

import base64
import contextlib
import hashlib
import os
import shutil
import ssl
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import unquote, urlsplit, urlunsplit

from pybuildpack.catalog import Dependency
from pybuildpack.errors import (
    ChecksumMismatch,
    DownloadFailed,
    InvalidBinding,
    InvalidConfig,
    UnsafeArchive,
)
from pybuildpack.log import Logger

MIRROR_ENV = "BP_DEPENDENCY_MIRROR"
MIRROR_BINDING_TYPE = "dependency-mirror"
PLACEHOLDER = "{originalHost}"
USER_AGENT = "pybuildpack"
_CHUNK = 1024 * 1024
_MIRROR_SCHEMES = ("https", "http", "file")


# --- mirrors ------------------------------------------------------------------------------


def hostname_from_env_suffix(suffix: str) -> str:
    """`DOWNLOAD_BELL__SW_COM` -> `download.bell-sw.com` (`__` is `-`, `_` is `.`)."""
    return suffix.replace("__", "\0").replace("_", ".").replace("\0", "-").lower()


def _check_mirror(name: str, value: str) -> str:
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
    def from_env(cls, env: Mapping[str, str], bindings_root: Path | None = None) -> Mirror:
        """Mirrors from BP_DEPENDENCY_MIRROR* variables and a `dependency-mirror` binding."""
        default: str | None = None
        hosts: dict[str, str] = {}
        if bindings_root is not None:
            binding_default, binding_hosts = _mirror_binding(bindings_root)
            default = binding_default
            hosts.update(binding_hosts)
        for key in sorted(env):
            value = env[key]
            if not value.strip():
                continue
            if key == MIRROR_ENV:
                default = _check_mirror(key, value)
            elif key.startswith(MIRROR_ENV + "_") and len(key) > len(MIRROR_ENV) + 1:
                host = hostname_from_env_suffix(key[len(MIRROR_ENV) + 1 :])
                hosts[host] = _check_mirror(key, value)
        return cls(default=default, hosts=hosts)

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


def _mirror_binding(bindings_root: Path) -> tuple[str | None, dict[str, str]]:
    if not bindings_root.is_dir():
        return None, {}
    found: list[Path] = []
    for binding in sorted(p for p in bindings_root.iterdir() if p.is_dir()):
        try:
            kind = (binding / "type").read_text(encoding="utf-8").strip().lower()
        except (OSError, UnicodeDecodeError):
            continue
        if kind == MIRROR_BINDING_TYPE:
            found.append(binding)
    if not found:
        return None, {}
    if len(found) > 1:
        raise InvalidBinding(
            path=str(bindings_root),
            detail="more than one binding of type dependency-mirror: "
            + ", ".join(p.name for p in found),
        )
    binding = found[0]
    default: str | None = None
    hosts: dict[str, str] = {}
    for entry in sorted(binding.iterdir()):
        if entry.name == "type" or entry.name.startswith(".") or not entry.is_file():
            continue  # `..data` and friends of Kubernetes-projected volumes
        try:
            value = entry.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidBinding(path=str(entry), detail=f"cannot read: {exc}") from None
        if not value:
            continue
        value = _check_mirror(str(entry), value)
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


# --- fetching -----------------------------------------------------------------------------


class _Retryable(Exception):
    """A failure worth another attempt (connection error, timeout, 5xx, short read)."""


def ssl_context() -> ssl.SSLContext:
    """The default context, with SSL_CERT_FILE / SSL_CERT_DIR loaded explicitly when set.

    OpenSSL reads these variables itself for the default verify paths, but only from the
    process environment at the time the context is made; loading them explicitly makes
    the bundle count even if the default paths are compiled differently.
    """
    cafile = os.environ.get("SSL_CERT_FILE") or None
    capath = os.environ.get("SSL_CERT_DIR") or None
    context = ssl.create_default_context()
    if cafile or capath:
        with contextlib.suppress(OSError, ssl.SSLError):
            context.load_verify_locations(cafile=cafile, capath=capath)
    return context


def _file_path(uri: str) -> Path | None:
    if uri.startswith("/"):
        return Path(uri)
    parts = urlsplit(uri)
    if parts.scheme.lower() == "file":
        return Path(unquote(parts.path))
    return None


def _target_name(dep: Dependency) -> str:
    local = _file_path(dep.uri)
    name = local.name if local is not None else unquote(urlsplit(dep.uri).path).rsplit("/", 1)[-1]
    name = name.replace(os.sep, "_").lstrip(".")
    return name or f"{dep.id}-{dep.version}-{dep.arch}-{dep.sha256[:12]}"


def fetch(
    dep: Dependency,
    dest_dir: Path,
    *,
    mirror: Mirror | None = None,
    timeout: float = 30,
    retries: int = 3,
    log: Logger | None = None,
    backoff: float = 1.0,
) -> Path:
    """Download `dep` into `dest_dir` and return the file, verified against its sha256.

    http(s) is retried `retries` times (so `retries + 1` attempts) with exponential
    backoff on connection errors, timeouts, short reads and 5xx/429 answers; never on other
    4xx. `file://` URIs and absolute paths are copied. The file is written to a temporary
    name while it is hashed and renamed into place only after the checksum matched; a bad
    download is deleted and ChecksumMismatch raised.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    source = mirror.rewrite(dep.uri) if mirror else dep.uri
    if log is not None:
        if source != dep.uri:
            log.detail(f"Downloading from mirror {redact(source)}")
            log.debug(f"original URI {dep.uri}")
        else:
            log.detail(f"Downloading {redact(source)}")
    target = dest_dir / _target_name(dep)
    started = time.monotonic()
    fd, tmp_name = tempfile.mkstemp(prefix=".download-", dir=dest_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            local = _file_path(source)
            if local is not None:
                actual = _copy_local(local, out, source)
            else:
                actual = _download_http(source, out, timeout, retries, backoff, log)
        if actual != dep.sha256:
            raise ChecksumMismatch(uri=redact(source), expected=dep.sha256, actual=actual)
        tmp.chmod(0o644)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if log is not None:
        size = target.stat().st_size
        log.debug(
            f"{target.name}: {size} bytes in {time.monotonic() - started:.1f}s, "
            f"sha256 {actual} verified"
        )
    return target


def _copy_local(path: Path, out: IO[bytes], uri: str) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as src:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except FileNotFoundError:
        raise DownloadFailed(uri=redact(uri), detail=f"file not found: {path}") from None
    except IsADirectoryError:
        raise DownloadFailed(uri=redact(uri), detail=f"is a directory: {path}") from None
    except OSError as exc:
        raise DownloadFailed(uri=redact(uri), detail=f"cannot read {path}: {exc}") from None
    return digest.hexdigest()


def _request(uri: str) -> urllib.request.Request:
    parts = urlsplit(uri)
    headers = {"User-Agent": USER_AGENT}
    if parts.username is not None or parts.password is not None:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        uri = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    return urllib.request.Request(uri, headers=headers)


def _download_http(
    uri: str,
    out: IO[bytes],
    timeout: float,
    retries: int,
    backoff: float,
    log: Logger | None,
) -> str:
    scheme = urlsplit(uri).scheme.lower()
    if scheme not in ("http", "https"):
        raise DownloadFailed(uri=redact(uri), detail=f"unsupported URI scheme {scheme!r}")
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ssl_context()))
    attempts = max(0, retries) + 1
    last = ""
    for attempt in range(1, attempts + 1):
        out.seek(0)
        out.truncate()
        try:
            return _attempt(opener, uri, out, timeout)
        except _Retryable as exc:
            last = str(exc)
            if attempt < attempts:
                delay = backoff * (2 ** (attempt - 1))
                if log is not None:
                    log.detail(f"Download failed ({last}); retrying in {delay:.0f}s")
                time.sleep(delay)
        except DownloadFailed as exc:
            exc.attempts = attempt
            raise
    raise DownloadFailed(uri=redact(uri), detail=last, attempts=attempts)


def _attempt(
    opener: urllib.request.OpenerDirector, uri: str, out: IO[bytes], timeout: float
) -> str:
    digest = hashlib.sha256()
    try:
        with opener.open(_request(uri), timeout=timeout) as response:
            expected_length = response.headers.get("Content-Length")
            received = 0
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
                received += len(chunk)
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code in (408, 429):
            raise _Retryable(f"HTTP {exc.code} {exc.reason}") from None
        raise DownloadFailed(uri=redact(uri), detail=f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise DownloadFailed(
                uri=redact(uri), detail=f"TLS certificate verification failed: {reason}"
            ) from None
        if isinstance(reason, TimeoutError):
            raise _Retryable(f"timed out after {timeout:g}s") from None
        raise _Retryable(f"connection failed: {reason}") from None
    except TimeoutError:
        raise _Retryable(f"timed out after {timeout:g}s") from None
    except (ConnectionError, HTTPException, OSError) as exc:
        raise _Retryable(f"connection failed: {exc}") from None
    if (
        expected_length is not None
        and expected_length.isdigit()
        and received != int(expected_length)
    ):
        raise _Retryable(f"short read: {received} of {expected_length} bytes")
    out.flush()
    return digest.hexdigest()


# --- extraction -----------------------------------------------------------------------------


def _is_within(root: Path, path: str) -> bool:
    real = os.path.realpath(path)
    base = os.path.realpath(root)
    return real == base or real.startswith(base + os.sep)


def _strip(name: str, strip_components: int) -> str | None:
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if len(parts) <= strip_components:
        return None
    return "/".join(parts[strip_components:])


def _check_name(name: str, uri: str) -> None:
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchive(uri=uri, member=name, reason="absolute-path")
    if ".." in PurePosixPath(name).parts or ".." in name.split("/"):
        raise UnsafeArchive(uri=uri, member=name, reason="path-escape")


def extract_tar(archive: Path, dest: Path, *, strip_components: int = 1, uri: str = "") -> None:
    """Extract a .tar(.gz|.xz|.bz2) into `dest`, refusing anything that could escape it.

    UnsafeArchive `reason`s: "absolute-path", "path-escape" (`..`), "link-escape" (a symlink
    whose target resolves outside dest), "hardlink-escape", "special-file" (device, fifo),
    "unreadable" (not a tar archive / corrupt). Members are extracted into a temporary
    directory next to `dest` and moved into place only when all of them passed, so a
    failure leaves nothing in `dest`. If `dest` exists and is not empty, the archive's
    top-level entries replace same-named entries in it.
    """
    uri = uri or str(archive)
    dest = Path(os.path.abspath(dest))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-extract-", dir=dest.parent))
    try:
        _extract_into(archive, tmp, strip_components, uri)
        _verify_tree(tmp, uri)
        _move_into(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _extract_into(archive: Path, tmp: Path, strip_components: int, uri: str) -> None:
    try:
        tf = tarfile.open(archive, mode="r:*")  # noqa: SIM115 - closed by the `with` below
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise UnsafeArchive(uri=uri, member="", reason="unreadable") from exc
    with tf:
        try:
            members = tf.getmembers()
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise UnsafeArchive(uri=uri, member="", reason="unreadable") from exc
        plan: list[tarfile.TarInfo] = []
        for member in members:
            _check_name(member.name, uri)
            if member.ischr() or member.isblk() or member.isfifo() or member.isdev():
                raise UnsafeArchive(uri=uri, member=member.name, reason="special-file")
            if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
                raise UnsafeArchive(uri=uri, member=member.name, reason="special-file")
            new_name = _strip(member.name, strip_components)
            if new_name is None:
                continue
            if member.issym():
                target = member.linkname
                if target.startswith("/"):
                    raise UnsafeArchive(uri=uri, member=member.name, reason="link-escape")
                joined = os.path.normpath(os.path.join(os.path.dirname(new_name), target))
                if joined == ".." or joined.startswith("../"):
                    raise UnsafeArchive(uri=uri, member=member.name, reason="link-escape")
                info = member.replace(name=new_name, deep=False)
            elif member.islnk():
                try:
                    _check_name(member.linkname, uri)
                except UnsafeArchive:
                    raise UnsafeArchive(
                        uri=uri, member=member.name, reason="hardlink-escape"
                    ) from None
                link_target = _strip(member.linkname, strip_components)
                if link_target is None:
                    raise UnsafeArchive(uri=uri, member=member.name, reason="hardlink-escape")
                info = member.replace(name=new_name, linkname=link_target, deep=False)
            else:
                info = member.replace(name=new_name, deep=False)
            plan.append(info)

        for info in plan:
            # Resolve through symlinks already extracted: nothing may land outside tmp.
            where = os.path.join(tmp, info.name)
            if not _is_within(tmp, os.path.dirname(where)) or (
                not info.issym() and not _is_within(tmp, where)
            ):
                raise UnsafeArchive(uri=uri, member=info.name, reason="path-escape")
            if info.issym() and not _is_within(
                tmp, os.path.join(os.path.dirname(where), info.linkname)
            ):
                raise UnsafeArchive(uri=uri, member=info.name, reason="link-escape")
            if info.islnk() and not _is_within(tmp, os.path.join(tmp, info.linkname)):
                raise UnsafeArchive(uri=uri, member=info.name, reason="hardlink-escape")
            try:
                tf.extract(info, tmp, set_attrs=True, filter="data")
            except tarfile.LinkOutsideDestinationError as exc:
                reason = "hardlink-escape" if info.islnk() else "link-escape"
                raise UnsafeArchive(uri=uri, member=info.name, reason=reason) from exc
            except tarfile.SpecialFileError as exc:
                raise UnsafeArchive(uri=uri, member=info.name, reason="special-file") from exc
            except tarfile.AbsolutePathError as exc:
                raise UnsafeArchive(uri=uri, member=info.name, reason="absolute-path") from exc
            except tarfile.FilterError as exc:
                raise UnsafeArchive(uri=uri, member=info.name, reason="path-escape") from exc
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise UnsafeArchive(uri=uri, member=info.name, reason="unreadable") from exc


def _verify_tree(tmp: Path, uri: str) -> None:
    """After extraction every symlink must still resolve inside the tree."""
    for root, dirs, files in os.walk(tmp):
        for name in dirs + files:
            path = os.path.join(root, name)
            if os.path.islink(path) and not _is_within(tmp, path):
                raise UnsafeArchive(
                    uri=uri, member=os.path.relpath(path, tmp), reason="link-escape"
                )


def _move_into(tmp: Path, dest: Path) -> None:
    if dest.is_dir() and not dest.is_symlink() and not any(dest.iterdir()):
        dest.rmdir()
    if not dest.exists() and not dest.is_symlink():
        tmp.replace(dest)
        dest.chmod(0o755)
        return
    for entry in sorted(tmp.iterdir()):
        target = dest / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        entry.replace(target)
    tmp.rmdir()
