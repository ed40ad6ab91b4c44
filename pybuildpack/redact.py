"""Secrets kept out of every line the build prints: linear time on any line.

What the build knows to be secret: the contents of service binding entries (netrc,
pip.conf, tokens), the values of credential-like variables (`*PASSWORD*`, `*TOKEN*`, ...),
netrc `password` fields, and the password of any `scheme://user:pass@host` URL. Each line
is checked with `in` (substring search) for the known secrets and scanned once for URLs,
so a tool printing a 10 MB line costs milliseconds, not hours.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

MASK = "***"
MIN_SECRET = 4  # shorter values would mask ordinary words
MAX_SECRET_FILE = 1024 * 1024
_CREDENTIAL_NAME = re.compile(
    r"PASSWORD|PASSWD|TOKEN|SECRET|CREDENTIAL|API_?KEY|ACCESS_KEY|PRIVATE_KEY|AUTH", re.IGNORECASE
)
_NETRC_PASSWORD = re.compile(r"(?:^|\s)(?:password|passwd|login|account)\s+(\S+)")
_USERINFO_END = re.compile(r"[/@\s]")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_USERINFO_LIMIT = 2048

_known: set[str] = set()


# Values of credential-like settings that are words, not secrets (masking them would garble
# ordinary log lines).
_NOT_SECRET = frozenset({"true", "false", "none", "null", "yes", "no", "basic", "bearer", "token"})


def register(values: Iterable[str]) -> None:
    """Add secrets (each value, each of its lines, netrc passwords) for the whole process."""
    for value in values:
        for secret in _secrets_of(value):
            if secret.lower() not in _NOT_SECRET:
                _known.add(secret)


def _secrets_of(value: str) -> set[str]:
    found = set()
    for line in [value, *value.splitlines()]:
        line = line.strip()
        if len(line) >= MIN_SECRET:
            found.add(line)
        for match in _NETRC_PASSWORD.finditer(line):
            if len(match.group(1)) >= MIN_SECRET:
                found.add(match.group(1))
        found.update(p for p in url_passwords(line) if len(p) >= MIN_SECRET)
        if "=" in line:  # key = value (pip.conf, .env style)
            rhs = line.split("=", 1)[1].strip()
            if len(rhs) >= MIN_SECRET and _CREDENTIAL_NAME.search(line.split("=", 1)[0]):
                found.add(rhs)
    return found


def register_env(env: Mapping[str, str]) -> None:
    """Credential-like variables' values, URL passwords, and the file NETRC names."""
    values = []
    for name, value in env.items():
        if _CREDENTIAL_NAME.search(name):
            values.append(value)
        for password in url_passwords(value):
            values.append(password)
    netrc = env.get("NETRC")
    if netrc:
        values += _file_text(netrc)
    register(values)


def register_files(paths: Iterable[str]) -> None:
    values: list[str] = []
    for path in paths:
        values += _file_text(path)
    register(values)


def _file_text(path: str) -> list[str]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return []
    try:
        import stat

        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return []
        return [os.read(fd, MAX_SECRET_FILE).decode("utf-8", "replace")]
    except OSError:
        return []
    finally:
        os.close(fd)


def url_passwords(text: str) -> list[str]:
    found = []
    for start, end in _userinfo_spans(text):
        _user, sep, password = text[start:end].partition(":")
        if sep and password:
            found.append(password)
    return found


def _userinfo_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each `user:pass` between `scheme://` and `@`; one pass, bounded."""
    spans: list[tuple[int, int]] = []
    if "@" not in text or "://" not in text:
        return spans
    index = text.find("://")
    while index != -1:
        if index > 0 and text[index - 1] in _SCHEME_CHARS:
            start = index + 3
            end_match = _USERINFO_END.search(text, start, start + _USERINFO_LIMIT)
            if end_match is not None and text[end_match.start()] == "@":
                spans.append((start, end_match.start()))
        index = text.find("://", index + 3)
    return spans


def redact(text: str) -> str:
    """`text` with every known secret and every URL password replaced by ***."""
    for secret in sorted(_known, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    spans = _userinfo_spans(text)
    if not spans:
        return text
    out = []
    last = 0
    for start, end in spans:
        user, sep, password = text[start:end].partition(":")
        if not sep or not password:
            continue
        out.append(text[last:start])
        out.append(f"{user}:{MASK}")
        last = end
    out.append(text[last:])
    return "".join(out)
