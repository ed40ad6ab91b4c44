"""The app's files, each read and parsed once, with errors that name the file and line."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pybuildpack.analysis.appfiles import (
    MAX_NESTING,
    nesting_depth,
    present,
    read_app_file,
    value_error_detail,
)
from pybuildpack.errors import InvalidJson, InvalidToml, UnreadableFile

if TYPE_CHECKING:
    from pybuildpack.analysis.pysource import SourceIndex

_TOO_DEEP = f"it nests lists or tables more than {MAX_NESTING} levels deep"
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


class Project:
    def __init__(self, app_dir: Path) -> None:
        self.app_dir = app_dir
        self._texts: dict[str, str | None] = {}
        self._tomls: dict[str, dict[str, Any] | None] = {}

    def exists(self, name: str) -> bool:
        """The name is in the app and not a directory (reading it may still fail, typed)."""
        return present(self.app_dir, name)

    def is_dir(self, name: str) -> bool:
        return (self.app_dir / name).is_dir()

    def text(self, name: str) -> str | None:
        """The file's text, or None when it does not exist (read through appfiles only)."""
        if name not in self._texts:
            raw = read_app_file(self.app_dir, name)
            if raw is None:
                self._texts[name] = None
            else:
                try:
                    self._texts[name] = raw.decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    raise UnreadableFile(
                        name, f"it is not valid UTF-8 text ({exc.reason})"
                    ) from exc
        return self._texts[name]

    def toml(self, name: str) -> dict[str, Any] | None:
        if name not in self._tomls:
            text = self.text(name)
            if text is None:
                self._tomls[name] = None
            else:
                try:
                    data = tomllib.loads(text)
                except RecursionError as exc:
                    raise InvalidToml(name, None, None, _TOO_DEEP) from exc
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
                except ValueError as exc:  # e.g. an integer past int-str conversion limits
                    raise InvalidToml(name, None, None, value_error_detail(exc)) from exc
                if nesting_depth(data) > MAX_NESTING:
                    raise InvalidToml(name, None, None, _TOO_DEEP)
                self._tomls[name] = data
        return self._tomls[name]

    def json(self, name: str) -> Any:
        text = self.text(name)
        if text is None:
            return None
        try:
            data = json.loads(text)
        except RecursionError as exc:
            raise InvalidJson(name, None, _TOO_DEEP) from exc
        except json.JSONDecodeError as exc:
            raise InvalidJson(name, exc.lineno, exc.msg) from exc
        except ValueError as exc:  # e.g. an integer past int-str conversion limits
            raise InvalidJson(name, None, value_error_detail(exc)) from exc
        if nesting_depth(data) > MAX_NESTING:
            raise InvalidJson(name, None, _TOO_DEEP)
        return data

    @cached_property
    def pyproject(self) -> dict[str, Any]:
        return self.toml("pyproject.toml") or {}

    def source_tree(self, name: str) -> ast.Module | None:
        """The syntax tree of one app source; None when it is missing or does not parse."""
        from pybuildpack.analysis.pysource import MAX_BYTES, Unparsable, parse_source

        raw = read_app_file(self.app_dir, name, MAX_BYTES)
        if raw is None:
            return None
        try:
            return parse_source(raw, name)
        except Unparsable:
            return None

    @cached_property
    def sources(self) -> SourceIndex:
        """The app's Python sources, scanned once (likely places first, within a budget)."""
        from pybuildpack.analysis.pysource import SourceIndex

        return SourceIndex(self.app_dir, self.package_names())

    def package_names(self) -> tuple[str, ...]:
        """Import names the project itself names (pyproject's project or Poetry name)."""
        names: list[str] = []
        data = self.pyproject
        for table in (data.get("project"), _table(_table(data.get("tool")).get("poetry"))):
            name = _table(table).get("name")
            if isinstance(name, str) and name:
                package = re.sub(r"[-.]+", "_", name).lower()
                if re.fullmatch(r"[a-z0-9_]{1,100}", package):  # a directory name, never a path
                    names.append(package)
        return tuple(names)


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
