"""The CPython catalog: buildpack.toml metadata, operator catalogs, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from pybuildpack.cnb.platform import read_bindings
from pybuildpack.dependencies.catalog import (
    Catalog,
    Dependency,
    load_buildpack_catalog,
    load_catalog_file,
    normalize_arch,
    operator_catalogs,
    with_overrides,
)
from pybuildpack.errors import InvalidCatalog

REPO = Path(__file__).resolve().parent.parent
SHA = "a" * 64
SHA2 = "b" * 64


def dep(version: str, arch: str = "amd64", dep_id: str = "cpython", sha: str = SHA) -> Dependency:
    return Dependency(
        id=dep_id,
        version=version,
        arch=arch,
        uri=f"https://x.test/{version}",
        checksum=f"sha256:{sha}",
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


ENTRY = """
[[dependencies]]
id = "cpython"
version = "{version}"
arch = "{arch}"
uri = "{uri}"
checksum = "sha256:{sha}"
"""


def catalog_text(*entries: tuple[str, str, str], default: str | None = None) -> str:
    text = f'[default-versions]\ncpython = "{default}"\n' if default else ""
    for version, arch, uri in entries:
        text += ENTRY.format(version=version, arch=arch, uri=uri, sha=SHA)
    return text


def test_real_buildpack_toml_catalog() -> None:
    catalog = load_buildpack_catalog(REPO / "buildpack.toml")
    assert catalog.default_version("cpython") == "3.14"
    for arch in ("amd64", "arm64"):
        versions = catalog.versions("cpython", arch)
        minors = {(v.major, v.minor) for v in versions}
        assert {(3, m) for m in range(10, 16)} <= minors
        assert all(not v.is_prerelease for v in versions)
    d = catalog.find("cpython", "3.12.8", "x86_64")
    assert d is not None and d.arch == "amd64"
    assert d.uri.startswith("https://github.com/astral-sh/python-build-standalone/releases/")
    assert "install_only" in d.uri and len(d.sha256) == 64
    assert d.source_release and d.deprecation_date == "2028-10-31T00:00:00Z"
    assert d.purl and d.sha256 in d.purl and d.cpe and d.licenses == ["PSF-2.0"]


def test_dependency_sha256_property_and_normalization() -> None:
    d = Dependency(
        id="cpython",
        version="3.12.1",
        arch="aarch64",
        uri="https://x/y",
        checksum="SHA256:" + "A" * 64,
    )
    assert d.sha256 == "a" * 64
    assert d.checksum == "sha256:" + "a" * 64
    assert d.arch == "arm64"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("x86_64", "amd64"),
        ("AMD64", "amd64"),
        ("aarch64", "arm64"),
        ("arm64", "arm64"),
        ("s390x", "s390x"),
    ],
)
def test_normalize_arch(raw: str, expected: str) -> None:
    assert normalize_arch(raw) == expected


def test_versions_sorted_and_find() -> None:
    catalog = Catalog(
        dependencies=[dep("3.12.10"), dep("3.12.9"), dep("3.13.0"), dep("3.12.2", "arm64")]
    )
    assert catalog.versions("cpython", "amd64") == [
        Version("3.12.9"),
        Version("3.12.10"),
        Version("3.13.0"),
    ]
    assert catalog.versions("cpython", "aarch64") == [Version("3.12.2")]
    assert catalog.versions("pypy", "amd64") == []
    assert catalog.find("cpython", "3.12.10", "amd64") is not None
    assert catalog.find("cpython", "3.12.10", "arm64") is None
    assert catalog.find("cpython", "3.13", "amd64") is not None  # 3.13 == 3.13.0
    assert catalog.find("cpython", "not-a-version", "amd64") is None
    assert catalog.default_version("cpython") is None


def test_operator_catalog_relative_and_absolute_uris(tmp_path: Path) -> None:
    path = write(
        tmp_path / "b" / "catalog.toml",
        catalog_text(
            ("3.12.1", "x86_64", "builds/py.tar.gz"),
            ("3.12.1", "arm64", "https://mirror.test/py.tar.gz"),
            ("3.11.7", "amd64", "/srv/py.tar.gz"),
            default="3.12",
        ),
    )
    catalog = load_catalog_file(path)
    assert catalog.default_version("cpython") == "3.12"
    local = catalog.find("cpython", "3.12.1", "amd64")
    assert local is not None
    assert local.uri == (tmp_path / "b" / "builds" / "py.tar.gz").as_uri()
    remote = catalog.find("cpython", "3.12.1", "arm64")
    assert remote is not None and remote.uri == "https://mirror.test/py.tar.gz"
    absolute = catalog.find("cpython", "3.11.7", "amd64")
    assert absolute is not None and absolute.uri == "file:///srv/py.tar.gz"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            '[[dependencies]]\nid = "cpython"\nversion = "3.12.1"\nuri = "x"\n'
            'checksum = "sha256:abc"\n',
            "checksum",
        ),
        (catalog_text(("3.12.1", "sparc", "x")), "arch"),
        (catalog_text(("3.12.x", "amd64", "x")), "version"),
        ('[[dependencies]]\nid = "cpython"\nversion = "3.12.1"\nuri = "x"\n', "checksum: required"),
        (catalog_text(("3.12.1", "amd64", "ftp://host/x")), "uri"),
        (catalog_text(("3.12.1", "amd64", "x")) + 'colour = "red"\n', "colour: unknown field"),
        ('[default-versions]\ncpython = "three"\n', "default-versions.cpython"),
        ("dependencies = 3\n", "array"),
        ("[somewhere]\nx = 1\n", "unknown top-level"),
        ("[[dependencies]\n", "invalid TOML"),
    ],
)
def test_bad_operator_catalogs(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path / "catalog.toml", text)
    with pytest.raises(InvalidCatalog) as info:
        load_catalog_file(path)
    assert info.value.path == str(path)
    assert needle in info.value.detail


def test_bad_entry_detail_names_index_and_entry(tmp_path: Path) -> None:
    text = catalog_text(("3.12.1", "amd64", "x"), ("3.12.2", "amd64", "x")).replace(
        f"sha256:{SHA}", "sha256:nothex", 2
    )
    text = text.replace("sha256:nothex", f"sha256:{SHA}", 1)
    path = write(tmp_path / "catalog.toml", text)
    with pytest.raises(InvalidCatalog) as info:
        load_catalog_file(path)
    assert info.value.detail.startswith("dependencies[1] (cpython 3.12.2 amd64).checksum:")


def test_missing_and_bad_buildpack_toml(tmp_path: Path) -> None:
    with pytest.raises(InvalidCatalog) as info:
        load_buildpack_catalog(tmp_path / "buildpack.toml")
    assert "not found" in info.value.detail
    path = write(
        tmp_path / "buildpack.toml",
        '[[metadata.dependencies]]\nid = "cpython"\nversion = "3.12.1"\nuri = "x"\n'
        'checksum = "sha256:00"\n',
    )
    with pytest.raises(InvalidCatalog) as info:
        load_buildpack_catalog(path)
    assert info.value.detail.startswith("metadata.dependencies[0] (cpython 3.12.1).checksum")


def test_overrides_replace_builtin_entries_of_the_same_id() -> None:
    builtin = Catalog(
        dependencies=[dep("3.12.8"), dep("3.13.1"), dep("1.0", dep_id="tool")],
        default_versions={"cpython": "3.13", "tool": "1.0"},
    )
    operator = Catalog(dependencies=[dep("3.12.1", sha=SHA2)], default_versions={"cpython": "3.12"})
    merged = with_overrides(builtin, [operator])
    assert merged.versions("cpython", "amd64") == [Version("3.12.1")]
    assert merged.versions("tool", "amd64") == [Version("1.0")]
    assert merged.default_version("cpython") == "3.12"
    assert merged.default_version("tool") == "1.0"
    # builtin untouched
    assert len(builtin.versions("cpython", "amd64")) == 2


def test_overrides_without_operators_and_multiple_operators() -> None:
    builtin = Catalog(dependencies=[dep("3.12.8")], default_versions={"cpython": "3.12"})
    assert with_overrides(builtin, []).versions("cpython", "amd64") == [Version("3.12.8")]
    a = Catalog(dependencies=[dep("3.11.1")])
    b = Catalog(dependencies=[dep("3.11.2")], default_versions={"cpython": "3.11"})
    merged = with_overrides(builtin, [a, b])
    assert merged.versions("cpython", "amd64") == [Version("3.11.1"), Version("3.11.2")]
    assert merged.default_version("cpython") == "3.11"


def test_operator_catalogs_from_bindings(tmp_path: Path) -> None:
    root = tmp_path / "bindings"
    write(root / "b-cat" / "type", "dependency-catalog\n")
    write(root / "b-cat" / "catalog.toml", catalog_text(("3.12.1", "amd64", "py.tgz")))
    write(root / "a-other" / "type", "ca-certificates")
    write(root / "a-other" / "catalog.toml", "not toml [")
    write(root / "c-cat" / "type", "  Dependency-Catalog ")
    write(root / "c-cat" / "catalog.toml", catalog_text(("3.11.2", "amd64", "py.tgz")))
    catalogs = operator_catalogs(read_bindings(root))
    assert [c.dependencies[0].version for c in catalogs] == ["3.12.1", "3.11.2"]
    assert catalogs[0].dependencies[0].uri == (root / "b-cat" / "py.tgz").as_uri()
    assert operator_catalogs(read_bindings(tmp_path / "nothing")) == []


def test_catalog_binding_without_catalog_file(tmp_path: Path) -> None:
    write(tmp_path / "cat" / "type", "dependency-catalog")
    with pytest.raises(InvalidCatalog) as info:
        operator_catalogs(read_bindings(tmp_path))
    assert "catalog.toml" in info.value.detail
