"""uv's wheel from the buildpack's catalog (a verified download, no pip), and through pip when
the user has an index of their own or asks for a version the catalog does not have. The
catalog's uv entries name files of the lock (`make update-locks` writes both)."""

from __future__ import annotations

import hashlib
import io
import re
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pybuildpack.cnb.context import BuildContext, Target
from pybuildpack.cnb.platform import Binding
from pybuildpack.dependencies.catalog import (
    Catalog,
    Dependency,
    effective_catalog,
    load_buildpack_catalog,
)
from pybuildpack.dependencies.fetch import Fetcher
from pybuildpack.dependencies.mirrors import Mirror
from pybuildpack.errors import ChecksumMismatch, InternalError
from pybuildpack.layers import tools, uv_wheel
from pybuildpack.log import Logger
from pybuildpack.settings import Settings
from tests.conftest import BUNDLED_PIP, REPO
from tests.test_download import Server

CATALOG = load_buildpack_catalog(REPO / "buildpack.toml")
DEFAULT = CATALOG.default_version("uv") or ""
BINARY = b"\x7fELF fake uv binary\n"
WHEEL_TAGS = {
    "amd64": "manylinux_2_17_x86_64.manylinux2014_x86_64",
    "arm64": "manylinux_2_17_aarch64.manylinux2014_aarch64",
}


def lock_hashes(version: str) -> set[str]:
    text = (REPO / "locks" / "tools" / f"uv-{version}.txt").read_text()
    return set(re.findall(r"--hash=sha256:([0-9a-f]{64})", text))


# --- the catalog and the lock ---------------------------------------------------------------


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_the_catalog_has_the_default_uv_wheel_of_the_lock(arch: str) -> None:
    entry = CATALOG.find("uv", DEFAULT, arch)
    assert entry is not None, f"no uv {DEFAULT} for {arch} in buildpack.toml: make update-locks"
    assert entry.sha256 in lock_hashes(DEFAULT), "catalog and lock disagree: make update-locks"
    name = urlsplit(entry.uri).path.rsplit("/", 1)[-1]
    assert urlsplit(entry.uri).hostname == "files.pythonhosted.org"
    assert name.startswith(f"uv-{DEFAULT}-py3-none-{WHEEL_TAGS[arch]}") and name.endswith(".whl")
    assert entry.licenses == ["MIT OR Apache-2.0"]
    assert entry.purl == f"pkg:pypi/uv@{DEFAULT}"
    assert entry.os == "linux" and entry.name == "uv"


def test_only_the_default_uv_version_is_catalogued() -> None:
    assert {d.version for d in CATALOG.dependencies if d.id == "uv"} == {DEFAULT}
    assert sorted(d.arch for d in CATALOG.dependencies if d.id == "uv") == ["amd64", "arm64"]


def test_update_locks_writes_the_entries_in_place() -> None:
    """The script's writer, fed the index's answer for the current catalog, changes nothing
    (the entries stay before the settings), and refuses a wheel the lock lacks."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import update_locks
    finally:
        sys.path.remove(str(REPO / "scripts"))
    text = (REPO / "buildpack.toml").read_text()
    files = [
        {
            "filename": urlsplit(d.uri).path.rsplit("/", 1)[-1],
            "url": d.uri,
            "hashes": {"sha256": d.sha256},
        }
        for d in CATALOG.dependencies
        if d.id == "uv"
    ]
    wheels = update_locks.uv_wheels(DEFAULT, files)
    assert update_locks.write_uv_entries(text, DEFAULT, wheels, lock_hashes(DEFAULT)) == text
    with pytest.raises(SystemExit, match="not in uv's lock"):
        update_locks.write_uv_entries(text, DEFAULT, wheels, set())


# --- choosing where the wheel comes from ----------------------------------------------------


def catalogued(env: dict[str, str] | None = None, catalog: Catalog = CATALOG) -> tools.Catalogued:
    return tools.Catalogued(catalog, Fetcher(), Settings.from_env(env or {}))


def test_the_default_version_comes_from_the_catalog() -> None:
    source = uv_wheel.choose(catalogued(), DEFAULT, "arm64", ())
    assert source.dependency == CATALOG.find("uv", DEFAULT, "arm64")


@pytest.mark.parametrize(
    "name",
    [
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "UV_INDEX_URL",
        "UV_DEFAULT_INDEX",
        "UV_INDEX",
        "PIP_CONFIG_FILE",
        "NETRC",
    ],
)
def test_an_index_of_the_users_own_means_pip(name: str) -> None:
    source = uv_wheel.choose(catalogued({name: "https://idx.example/simple"}), DEFAULT, "amd64", ())
    assert source.dependency is None and source.reason == f"{name} is set"


def test_a_blank_index_variable_is_not_an_index() -> None:
    assert uv_wheel.choose(catalogued({"PIP_INDEX_URL": " "}), DEFAULT, "amd64", ()).dependency


def test_credential_bindings_mean_pip(tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.mkdir()
    (netrc / "type").write_text("netrc")
    (netrc / "netrc").write_text("machine idx.example login u password p\n")
    binding = Binding(name="netrc", type="netrc", path=netrc, entries=("netrc",))
    source = uv_wheel.choose(catalogued({"PIP_INDEX_URL": "x"}), DEFAULT, "amd64", [binding])
    assert source.dependency is None
    assert source.reason == "PIP_INDEX_URL, NETRC are set"


def test_a_version_the_catalog_lacks_means_pip() -> None:
    source = uv_wheel.choose(catalogued(), "0.9.1", "amd64", ())
    assert source.dependency is None
    assert source.reason == "the buildpack's catalog has no uv 0.9.1 for amd64"


def test_an_operator_catalog_of_uv_replaces_the_buildpacks(tmp_path: Path) -> None:
    """An air-gapped operator lists their own uv wheel (file://): it is the one fetched."""
    binding = tmp_path / "catalog"
    binding.mkdir()
    (binding / "type").write_text("dependency-catalog")
    (binding / "catalog.toml").write_text(
        '[[dependencies]]\nid = "uv"\nversion = "0.13.8"\narch = "amd64"\n'
        f'uri = "uv.whl"\nchecksum = "sha256:{"a" * 64}"\n'
    )
    merged = effective_catalog(
        REPO / "buildpack.toml",
        [Binding("catalog", "dependency-catalog", binding, entries=("catalog.toml",))],
    )
    source = uv_wheel.choose(catalogued(catalog=merged), "0.13.8", "amd64", ())
    assert source.dependency is not None
    assert source.dependency.uri == (binding / "uv.whl").as_uri()
    assert uv_wheel.choose(catalogued(catalog=merged), "0.13.8", "arm64", ()).dependency is None


# --- the tool layer -------------------------------------------------------------------------


def fake_uv_wheel(directory: Path, version: str = DEFAULT, binary: bytes = BINARY) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"uv-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(
            f"uv-{version}.dist-info/METADATA",
            f"Metadata-Version: 2.1\nName: uv\nVersion: {version}\n",
        )
        archive.writestr(f"uv-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
        archive.writestr(f"uv-{version}.dist-info/RECORD", "")
        if binary:
            archive.writestr(f"uv-{version}.data/scripts/uv", binary)
    return wheel


def context(tmp_path: Path) -> BuildContext:
    return BuildContext(
        app_dir=tmp_path / "app",
        buildpack_dir=REPO,
        platform_dir=tmp_path / "platform",
        layers_dir=tmp_path / "layers",
        plan_path=tmp_path / "plan.toml",
        env={},
        platform_env={},
        bindings=(),
        target=Target(),
    )


def served_catalog(server: Server, wheel: Path, sha256: str | None = None) -> Catalog:
    server.script[f"/packages/{wheel.name}"] = [(200, wheel.read_bytes(), 0.0)]
    digest = sha256 or hashlib.sha256(wheel.read_bytes()).hexdigest()
    entry = Dependency(
        id="uv",
        version=DEFAULT,
        arch="amd64",
        uri=f"https://files.pythonhosted.org/packages/{wheel.name}",
        checksum=f"sha256:{digest}",
    )
    return Catalog(dependencies=[entry], default_versions={"uv": DEFAULT})


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def contribute(
    tmp_path: Path, source: tools.Catalogued, env: dict[str, str], version: str = DEFAULT
) -> tuple[Path, str]:
    out = io.StringIO()
    python_home = Path(sys.base_prefix)  # pip runs only on the pip path
    binary = tools.contribute(
        context(tmp_path), "uv", version, python_home, "3.12.1", BUNDLED_PIP, env,
        Logger(out), source,
    )  # fmt: skip
    return binary, out.getvalue()


def test_the_catalogs_wheel_is_fetched_through_the_mirror_and_verified(
    server: Server, tmp_path: Path
) -> None:
    """The catalog's files.pythonhosted.org URI, rewritten by BP_DEPENDENCY_MIRROR: the binary
    is the wheel's one `.data/scripts/uv` member, and no Python ran (python_home has none)."""
    catalog = served_catalog(server, fake_uv_wheel(tmp_path / "wheels"))
    fetcher = Fetcher(mirror=Mirror(default=server.url), retries=0)
    source = tools.Catalogued(catalog, fetcher, Settings.from_env({}))
    out = io.StringIO()
    binary = tools.contribute(
        context(tmp_path), "uv", DEFAULT, tmp_path / "no-python", "3.12.1", BUNDLED_PIP, {},
        Logger(out), source,
    )  # fmt: skip
    log = out.getvalue()
    assert binary.read_bytes() == BINARY and binary.stat().st_mode & 0o777 == 0o755
    assert [p.name for p in binary.parent.iterdir()] == ["uv"]
    path = f"/packages/uv-{DEFAULT}-py3-none-any.whl"
    assert server.hits == {path: 1}
    assert f"Downloading the uv {DEFAULT} wheel from the buildpack's catalog" in log
    assert f"Downloading from mirror {server.url}{path}" in log
    assert f"uv {DEFAULT} from the buildpack's catalog (sha256 verified)" in log
    assert "through pip" not in log

    # the layer is cached: the next build reuses it and downloads nothing
    out = io.StringIO()
    again = tools.contribute(
        context(tmp_path), "uv", DEFAULT, tmp_path / "no-python", "3.12.1", BUNDLED_PIP, {},
        Logger(out), source,
    )  # fmt: skip
    assert again == binary and server.hits == {path: 1}
    assert "Reusing" in out.getvalue() and "Downloading" not in out.getvalue()


def test_a_wrong_sha256_fails_with_the_verified_fetch_error(server: Server, tmp_path: Path) -> None:
    catalog = served_catalog(server, fake_uv_wheel(tmp_path / "wheels"), sha256="0" * 64)
    source = tools.Catalogued(
        catalog, Fetcher(mirror=Mirror(default=server.url), retries=0), Settings()
    )
    with pytest.raises(ChecksumMismatch) as info:
        contribute(tmp_path, source, {})
    assert info.value.expected == "0" * 64
    assert not (tmp_path / "layers" / "uv" / "bin" / "uv").exists()


def test_a_wheel_without_the_binary_is_refused(server: Server, tmp_path: Path) -> None:
    catalog = served_catalog(server, fake_uv_wheel(tmp_path / "wheels", binary=b""))
    source = tools.Catalogued(
        catalog, Fetcher(mirror=Mirror(default=server.url), retries=0), Settings()
    )
    with pytest.raises(InternalError, match=r"has no uv binary \(.data/scripts/uv\)"):
        contribute(tmp_path, source, {})


def test_an_index_of_ones_own_downloads_through_pip(server: Server, tmp_path: Path) -> None:
    """PIP_NO_INDEX + PIP_FIND_LINKS (an offline index): pip downloads the wheel from there,
    the catalog's URL is never asked for."""
    version = "0.99.1"  # no lock: pip resolves it (the lock's hashes are the real wheels')
    links = tmp_path / "links"
    fake_uv_wheel(links, version)
    entry = Dependency(
        id="uv", version=version, uri=f"{server.url}/uv.whl", checksum=f"sha256:{'0' * 64}"
    )
    env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(links)}
    source = tools.Catalogued(Catalog(dependencies=[entry]), Fetcher(), Settings.from_env(env))
    binary, log = contribute(tmp_path, source, env, version)
    assert binary.read_bytes() == BINARY
    assert f"uv {version} through pip: PIP_FIND_LINKS, PIP_NO_INDEX are set" in log
    assert f"Downloading the uv {version} wheel\n" in log
    assert server.hits == {}


def test_a_version_the_catalog_lacks_downloads_through_pip(tmp_path: Path) -> None:
    version = "0.99.2"
    links = tmp_path / "links"
    fake_uv_wheel(links, version)
    env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(links)}
    # the settings see no index (as if the offline index were a pip.conf in the image)
    binary, log = contribute(tmp_path, catalogued(), env, version)
    assert binary.read_bytes() == BINARY
    assert f"uv {version} through pip: the buildpack's catalog has no uv {version} for amd64" in log
