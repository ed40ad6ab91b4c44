"""One verified, retrying download for every dependency (CPython, tools, .debs, indexes).

`Fetcher` holds what every download shares: the mirrors, the CA bundle (from a
`ca-certificates` binding; handed to the TLS context, never put into os.environ) and the retry
policy. http(s) is retried on connection errors, timeouts, short reads and 5xx/408/429 answers;
never on other 4xx. Downloads honour `https_proxy`/`no_proxy` (urllib's defaults).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import ssl
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit, urlunsplit

from pybuildpack.dependencies.catalog import Dependency
from pybuildpack.dependencies.mirrors import Mirror, redact
from pybuildpack.errors import ChecksumMismatch, DownloadFailed
from pybuildpack.log import Logger

USER_AGENT = "pybuildpack"
_CHUNK = 1024 * 1024
# Bounds on every http(s) download, over all its attempts: a server that trickles a byte
# every few seconds never trips the per-read timeout, so the rate and the total are checked.
DEADLINE = 900.0  # seconds for the whole download, retries included
MIN_RATE = 8 * 1024  # bytes per second, averaged over RATE_WINDOW
RATE_WINDOW = 30.0  # seconds


@dataclass(frozen=True)
class Limits:
    deadline: float = DEADLINE
    min_rate: float = MIN_RATE
    rate_window: float = RATE_WINDOW


# --- fetching -----------------------------------------------------------------------------


class _Retryable(Exception):
    """A failure worth another attempt (connection error, timeout, 5xx, short read)."""


def ssl_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """The default context, plus the certificates of `ca_file` (a binding's bundle)."""
    context = ssl.create_default_context()
    if ca_file is not None:
        with contextlib.suppress(OSError, ssl.SSLError):
            context.load_verify_locations(cafile=str(ca_file))
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
    ca_file: Path | None = None,
    limits: Limits | None = None,
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
                actual = _download_http(
                    source, out, timeout, retries, backoff, log, ca_file, limits or Limits()
                )
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
    ca_file: Path | None = None,
    limits: Limits | None = None,
) -> str:
    limits = limits or Limits()
    ends = time.monotonic() + limits.deadline
    scheme = urlsplit(uri).scheme.lower()
    if scheme not in ("http", "https"):
        raise DownloadFailed(uri=redact(uri), detail=f"unsupported URI scheme {scheme!r}")
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ssl_context(ca_file)))
    attempts = max(0, retries) + 1
    last = ""
    for attempt in range(1, attempts + 1):
        out.seek(0)
        out.truncate()
        try:
            return _attempt(opener, uri, out, timeout, limits, ends)
        except _Retryable as exc:
            last = str(exc)
            delay = backoff * (2 ** (attempt - 1))
            if time.monotonic() + delay >= ends:
                raise DownloadFailed(
                    uri=redact(uri),
                    detail=f"{last}; gave up after {limits.deadline:g}s in all",
                    attempts=attempt,
                ) from None
            if attempt < attempts:
                if log is not None:
                    log.detail(f"Download failed ({last}); retrying in {delay:.0f}s")
                time.sleep(delay)
        except DownloadFailed as exc:
            exc.attempts = attempt
            raise
    raise DownloadFailed(uri=redact(uri), detail=last, attempts=attempts)


def _attempt(
    opener: urllib.request.OpenerDirector,
    uri: str,
    out: IO[bytes],
    timeout: float,
    limits: Limits | None = None,
    ends: float | None = None,
) -> str:
    limits = limits or Limits()
    started = time.monotonic()
    ends = ends if ends is not None else started + limits.deadline
    digest = hashlib.sha256()
    try:
        with opener.open(_request(uri), timeout=max(0.1, min(timeout, ends - started))) as response:
            expected_length = response.headers.get("Content-Length")
            received = 0
            window_start, window_bytes = started, 0
            # read1: whatever has arrived (read(n) would wait for n bytes from a trickle)
            while chunk := response.read1(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
                received += len(chunk)
                window_bytes += len(chunk)
                now = time.monotonic()
                if now >= ends:
                    raise _Retryable(f"not finished within {limits.deadline:g}s")
                if now - window_start >= limits.rate_window:
                    rate = window_bytes / (now - window_start)
                    if rate < limits.min_rate:
                        raise _Retryable(
                            f"slower than {limits.min_rate / 1024:g} KiB/s "
                            f"({rate:.0f} bytes/s over {now - window_start:.0f}s)"
                        )
                    window_start, window_bytes = now, 0
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


def read_unchecked(
    uri: str,
    *,
    ca_file: Path | None = None,
    timeout: float = 30,
    retries: int = 3,
    limits: Limits | None = None,
) -> bytes:
    """The body at `uri`, for files whose integrity is checked otherwise (a signed InRelease):
    the same retrying download as `fetch`, without a checksum to compare."""
    local = _file_path(uri)
    if local is not None:
        try:
            return local.read_bytes()
        except OSError as exc:
            raise DownloadFailed(uri=redact(uri), detail=str(exc)) from None
    with tempfile.TemporaryFile() as out:
        _download_http(uri, out, timeout, retries, 1.0, None, ca_file, limits)
        out.seek(0)
        return out.read()


@dataclass(frozen=True)
class Fetcher:
    """Every download of a build: through the mirrors, trusting the CA bundle, verified."""

    mirror: Mirror = field(default_factory=Mirror)
    ca_file: Path | None = None
    timeout: float = 30
    retries: int = 3
    limits: Limits = field(default_factory=Limits)

    def fetch(self, dep: Dependency, dest_dir: Path, log: Logger | None = None) -> Path:
        """`dep` downloaded into `dest_dir`, checked against its sha256."""
        return fetch(
            dep,
            dest_dir,
            mirror=self.mirror,
            timeout=self.timeout,
            retries=self.retries,
            log=log,
            ca_file=self.ca_file,
            limits=self.limits,
        )

    def read(self, uri: str) -> bytes:
        """An unchecked body through the mirrors (its caller verifies it, e.g. a signature)."""
        return read_unchecked(
            self.mirror.rewrite(uri),
            ca_file=self.ca_file,
            timeout=self.timeout,
            retries=self.retries,
            limits=self.limits,
        )
