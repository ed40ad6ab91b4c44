"""pytest wiring for the end-to-end suite (`make integration`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "arm64: builds for linux/arm64 under emulation (make integration ARM64=0 skips)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def cfg() -> harness.Config:
    try:
        return harness.config()
    except LookupError as err:
        pytest.skip(str(err))


@pytest.fixture(scope="session")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("apps")


class Builds:
    """Cold builds of the fixture apps, made once per session and shared by the tests."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.results: dict[str, harness.BuildResult] = {}
        self.failures: dict[str, str] = {}

    def get(self, name: str) -> harness.BuildResult:
        if name in self.failures:
            pytest.fail(
                f"the build of {name} failed earlier in this session:\n{self.failures[name]}"
            )
        if name not in self.results:
            app = harness.copy_app(name, self.scratch)
            try:
                result = harness.pack_build(app, harness.image_name(name), clear_cache=True)
            except AssertionError as err:
                self.failures[name] = str(err)
                raise
            meta = harness.image_metadata(result.image)
            harness.report(
                f"{name}: cold build {result.seconds:.1f}s, image {harness.mb(meta.size)}"
            )
            self.results[name] = result
        return self.results[name]

    def rebuild_source_only(self, name: str) -> harness.BuildResult:
        """Change the app's main source file (only) and build again with the cache."""
        app = self.scratch / name
        for candidate in ("app.py", "main.py", "web.py", "manage.py"):
            if (app / candidate).is_file():
                with (app / candidate).open("a") as f:
                    f.write("\n# a source-only change\n")
                break
        else:
            raise AssertionError(f"no main source file in {app}")
        return harness.pack_build(app, harness.image_name(name))


@pytest.fixture(scope="session")
def builds(cfg: harness.Config, scratch: Path) -> Iterator[Builds]:
    yield Builds(scratch)
