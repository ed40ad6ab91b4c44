"""The app's files, each read and parsed once, with errors that name the file and line."""

from __future__ import annotations

import json
import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any

from pybuildpack.errors import InvalidJson, InvalidToml, UnreadableFile

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


class Project:
    def __init__(self, app_dir: Path) -> None:
        self.app_dir = app_dir
        self._texts: dict[str, str | None] = {}
        self._tomls: dict[str, dict[str, Any] | None] = {}

    def exists(self, name: str) -> bool:
        return (self.app_dir / name).is_file()

    def is_dir(self, name: str) -> bool:
        return (self.app_dir / name).is_dir()

    def text(self, name: str) -> str | None:
        """The file's text, or None when it does not exist."""
        if name not in self._texts:
            path = self.app_dir / name
            if not path.is_file():
                self._texts[name] = None
            else:
                try:
                    raw = path.read_bytes()
                    self._texts[name] = raw.decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    raise UnreadableFile(
                        name, f"it is not valid UTF-8 text ({exc.reason})"
                    ) from exc
                except OSError as exc:
                    raise UnreadableFile(name, exc.strerror or str(exc)) from exc
        return self._texts[name]

    def toml(self, name: str) -> dict[str, Any] | None:
        if name not in self._tomls:
            text = self.text(name)
            if text is None:
                self._tomls[name] = None
            else:
                try:
                    self._tomls[name] = tomllib.loads(text)
                except tomllib.TOMLDecodeError as exc:
                    message = str(exc)
                    match = _TOML_POSITION.search(message)
                    detail = _TOML_POSITION.sub("", message).strip()
                    raise InvalidToml(
                        name,
                        int(match.group(1)) if match else None,
                        int(match.group(2)) if match else None,
                        detail,
                    ) from exc
        return self._tomls[name]

    def json(self, name: str) -> Any:
        text = self.text(name)
        if text is None:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidJson(name, exc.lineno, exc.msg) from exc

    @cached_property
    def pyproject(self) -> dict[str, Any]:
        return self.toml("pyproject.toml") or {}
