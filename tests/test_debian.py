"""Debian archives without the network: a throwaway signed archive served from file:// URIs.

Checks that a tampered InRelease, Packages index or .deb is refused, that resolution follows
dependencies (alternatives, virtual packages, cycles, what images have), that maintainer
scripts are judged, and that the unpacked tree gets its env and rewritten .pc files.
"""

from __future__ import annotations

import hashlib
import lzma
import os
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pybuildpack import debian, messages
from pybuildpack.dependencies.fetch import Fetcher
from pybuildpack.errors import (
    AmbiguousSystemPackage,
    ArchiveSignatureInvalid,
    ArchiveUnreachable,
    BuildpackError,
    MaintainerScriptsRequired,
    SystemPackageChecksumMismatch,
    UnknownSystemPackage,
    UnsafeArchive,
    UnsupportedDistro,
)
from pybuildpack.layers.system_packages import layer_env
from pybuildpack.settings import Settings

needs_tools = pytest.mark.skipif(
    not (shutil.which("gpg") and shutil.which("gpgv") and shutil.which("dpkg-deb")),
    reason="needs gpg, gpgv and dpkg-deb",
)


def make_deb(
    out: Path, name: str, files: dict[str, str], *, postinst: str = "", depends: str = ""
) -> Path:
    root = out / f"{name}-root"
    (root / "DEBIAN").mkdir(parents=True)
    control = f"Package: {name}\nVersion: 1.0\nArchitecture: amd64\nMaintainer: t <t@t>\n"
    control += f"Description: test\n{'Depends: ' + depends + chr(10) if depends else ''}"
    (root / "DEBIAN" / "control").write_text(control)
    if postinst:
        script = root / "DEBIAN" / "postinst"
        script.write_text(postinst)
        script.chmod(0o755)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if text.startswith("->"):
            path.symlink_to(text[2:])
        else:
            path.write_text(text)
    deb = out / f"{name}_1.0_amd64.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(deb)],
        check=True,
        capture_output=True,
    )
    return deb


def paragraph(name: str, deb: Path | None = None, **fields: str) -> str:
    lines = [f"Package: {name}", "Version: 1.0", "Architecture: amd64"]
    lines += [f"{key.replace('_', '-')}: {value}" for key, value in fields.items()]
    if deb is not None:
        data = deb.read_bytes()
        lines += [
            f"Filename: pool/{deb.name}",
            f"Size: {len(data)}",
            f"SHA256: {hashlib.sha256(data).hexdigest()}",
        ]
    return "\n".join(lines) + "\n"


@dataclass
class FakeArchive:
    root: Path
    keyrings: Path
    gnupghome: Path

    @property
    def uri(self) -> str:
        return f"file://{self.root}"

    def distro(self) -> debian.Distro:
        archive = debian.Archive(self.uri, "bookworm", ("main",), "test.gpg")
        return debian.Distro("debian", "12", "bookworm", "amd64", (archive,))

    def publish(self, packages: str, *, by_hash: bool = True) -> None:
        dists = self.root / "dists" / "bookworm"
        binary = dists / "main" / "binary-amd64"
        binary.mkdir(parents=True, exist_ok=True)
        xz = lzma.compress(packages.encode())
        digest = hashlib.sha256(xz).hexdigest()
        (binary / "Packages.xz").write_bytes(xz)
        (binary / "by-hash" / "SHA256").mkdir(parents=True, exist_ok=True)
        (binary / "by-hash" / "SHA256" / digest).write_bytes(xz)
        release = textwrap.dedent(
            f"""\
            Origin: Test
            Suite: oldstable
            Codename: bookworm
            Architectures: amd64
            Components: main
            Acquire-By-Hash: {"yes" if by_hash else "no"}
            SHA256:
             {digest} {len(xz)} main/binary-amd64/Packages.xz
            """
        )
        (dists / "Release").write_text(release)
        inrelease = dists / "InRelease"
        inrelease.unlink(missing_ok=True)
        subprocess.run(
            [
                "gpg",
                "--batch",
                "--yes",
                "--clearsign",
                "-o",
                str(inrelease),
                str(dists / "Release"),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "GNUPGHOME": str(self.gnupghome)},
        )


@pytest.fixture(scope="module")
def signing_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A throwaway key (GNUPGHOME) and its public keyring file."""
    if not (shutil.which("gpg") and shutil.which("gpgv")):
        pytest.skip("needs gpg and gpgv")
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(
        ["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "Test Archive <t@t>", "ed25519"],
        check=True,
        capture_output=True,
        env=env,
    )
    keyrings = tmp_path_factory.mktemp("keyrings")
    public = subprocess.run(
        ["gpg", "--batch", "--export"], check=True, capture_output=True, env=env
    ).stdout
    (keyrings / "test.gpg").write_bytes(public)
    yield home, keyrings
    subprocess.run(["gpgconf", "--kill", "all"], env=env, check=False, capture_output=True)


@pytest.fixture
def archive(
    tmp_path: Path, signing_home: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> FakeArchive:
    home, keyrings = signing_home
    monkeypatch.setattr("pybuildpack.debian.index.KEYRINGS", keyrings)
    monkeypatch.setattr("pybuildpack.debian.distro.KEYRINGS", keyrings)
    return FakeArchive(tmp_path / "archive", keyrings, home)


# --- verification ------------------------------------------------------------------------------


@needs_tools
def test_signed_archive_installs_and_tampered_deb_is_refused(
    archive: FakeArchive, tmp_path: Path
) -> None:
    pool = archive.root / "pool"
    pool.mkdir(parents=True)
    deb = make_deb(pool, "libfoo1", {"usr/lib/x86_64-linux-gnu/libfoo.so.1": "ELF"})
    archive.publish(paragraph("libfoo1", deb))
    index, sources = debian.load_index(archive.distro(), Fetcher(), tmp_path / "cache")
    assert [s.uri.rsplit("/", 2)[-2] for s in sources] == ["SHA256"]  # fetched by hash
    [package] = debian.resolve(index, ["libfoo1"], set())
    [got] = debian.download([package], tmp_path / "dl", Fetcher())
    debian.unpack(got, tmp_path / "layer")
    assert (tmp_path / "layer/usr/lib/x86_64-linux-gnu/libfoo.so.1").read_text() == "ELF"

    deb.write_bytes(deb.read_bytes() + b"tampered")
    with pytest.raises(SystemPackageChecksumMismatch) as info:
        debian.download([package], tmp_path / "dl2", Fetcher())
    assert info.value.what == "package"
    assert not list((tmp_path / "dl2").glob("*.deb"))
    assert "does not match the signed index" in messages.render(info.value).title


@needs_tools
def test_tampered_packages_index_is_refused(archive: FakeArchive, tmp_path: Path) -> None:
    archive.publish(paragraph("libfoo1", Filename="pool/x.deb", SHA256="0" * 64), by_hash=False)
    binary = archive.root / "dists/bookworm/main/binary-amd64/Packages.xz"
    binary.write_bytes(lzma.compress(b"Package: evil\nVersion: 9\n"))
    with pytest.raises(SystemPackageChecksumMismatch) as info:
        debian.load_index(archive.distro(), Fetcher(), tmp_path / "cache")
    assert info.value.what == "index"


@needs_tools
def test_tampered_or_unsigned_inrelease_is_refused(archive: FakeArchive, tmp_path: Path) -> None:
    archive.publish(paragraph("libfoo1", Filename="pool/x.deb", SHA256="0" * 64))
    inrelease = archive.root / "dists/bookworm/InRelease"
    inrelease.write_text(inrelease.read_text().replace("Codename: bookworm", "Codename: bookwork"))
    with pytest.raises(ArchiveSignatureInvalid) as info:
        debian.load_index(archive.distro(), Fetcher(), tmp_path / "cache")
    assert info.value.reason == "bad-signature"
    inrelease.write_text((archive.root / "dists/bookworm/Release").read_text())
    with pytest.raises(ArchiveSignatureInvalid):
        debian.load_index(archive.distro(), Fetcher(), tmp_path / "cache")


@needs_tools
def test_text_outside_the_signature_is_ignored(archive: FakeArchive) -> None:
    archive.publish(paragraph("libfoo1", Filename="pool/x.deb", SHA256="0" * 64))
    signed = (archive.root / "dists/bookworm/InRelease").read_bytes()
    text = debian.verify_inrelease(
        signed + b"\nAcquire-By-Hash: no\n", archive.keyrings / "test.gpg", "x"
    )
    assert b"Acquire-By-Hash: yes" in text and b"Acquire-By-Hash: no" not in text


def test_unreachable_archive(tmp_path: Path) -> None:
    archive = debian.Archive(f"file://{tmp_path}/nowhere", "bookworm", ("main",), "x.gpg")
    distro = debian.Distro("debian", "12", "bookworm", "amd64", (archive,))
    with pytest.raises(ArchiveUnreachable):
        debian.load_index(distro, Fetcher(), tmp_path / "cache")


def test_missing_gpgv_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pybuildpack.debian.index.GPGV", "gpgv-not-installed-here")
    with pytest.raises(ArchiveSignatureInvalid) as info:
        debian.verify_inrelease(b"x", Path("/nonexistent"), "http://a/InRelease")
    assert info.value.reason == "gpgv-missing"
    assert "gpgv is missing" in messages.render(info.value).title
    assert "apt-get install gpgv" in messages.render(info.value).body


# --- distributions -------------------------------------------------------------------------


def test_debian_12_archives_and_mirror() -> None:
    distro = debian.distro_for("debian", "12", "amd64")
    assert [(a.uri, a.suite) for a in distro.archives] == [
        ("http://deb.debian.org/debian", "bookworm"),
        ("http://deb.debian.org/debian", "bookworm-updates"),
        ("http://deb.debian.org/debian-security", "bookworm-security"),
    ]
    settings = Settings.from_env({"BP_SYSTEM_PACKAGES_MIRROR": "http://m.example/debian/"})
    mirrored = debian.distro_for("debian", "12.7", "arm64", settings.system_packages_mirror)
    assert mirrored.archives[0].uri == "http://m.example/debian"
    assert mirrored.multiarch == "aarch64-linux-gnu"


@pytest.mark.parametrize(
    ("version", "arch", "codename", "host"),
    [
        ("24.04", "amd64", "noble", "archive.ubuntu.com"),
        ("22.04", "arm64", "jammy", "ports.ubuntu.com"),
    ],
)
def test_ubuntu_archives_and_keyring(version: str, arch: str, codename: str, host: str) -> None:
    distro = debian.distro_for("ubuntu", version, arch)
    assert distro.archives[0].suite == codename and host in distro.archives[0].uri
    assert (debian.KEYRINGS / distro.archives[0].keyring).is_file()


@pytest.mark.parametrize(
    ("name", "version", "arch", "reason"),
    [
        ("alpine", "3.20", "amd64", "name"),
        ("debian", "9", "amd64", "version"),
        ("debian", "12", "s390x", "architecture"),
        ("ubuntu", "18.04", "amd64", "version"),
    ],
)
def test_unsupported_distros(name: str, version: str, arch: str, reason: str) -> None:
    with pytest.raises(UnsupportedDistro) as info:
        debian.distro_for(name, version, arch)
    assert info.value.reason == reason
    assert messages.render(info.value).body


# --- resolution ----------------------------------------------------------------------------


def index_of(*paragraphs: str) -> debian.PackageIndex:
    index = debian.PackageIndex()
    index.add("\n".join(paragraphs).encode(), "http://archive")
    return index


INDEX = index_of(
    paragraph("libc6", Priority="required"),
    paragraph("libpq5", Depends="libc6 (>= 2.33), libssl3 (>= 3), libldap-2.5-0"),
    paragraph("libpq-dev", Depends="libpq5 (= 1.0), libssl-dev"),
    paragraph("libssl3", Depends="libc6"),
    paragraph("libssl-dev", Depends="libssl3"),
    paragraph("libldap-2.5-0", Depends="libsasl2-2 | libsasl-alt, libldap-common"),
    paragraph("libsasl2-2", Depends="libldap-2.5-0"),  # a cycle
    paragraph("libldap-common"),
    paragraph("mailx-impl", Provides="mail-reader"),
    paragraph("needs-reader", Depends="missing-thing | mail-reader"),
    paragraph("editor-a", Provides="editor"),
    paragraph("editor-b", Provides="editor"),
    paragraph("libgcc-s1", Essential="yes", Depends="libc6"),
)


def names(packages: list[debian.Package]) -> list[str]:
    return [p.name for p in packages]


def test_dependencies_followed_with_cycles() -> None:
    got = debian.resolve(INDEX, ["libpq5"], INDEX.base_closure())
    assert names(got) == ["libldap-2.5-0", "libldap-common", "libpq5", "libsasl2-2", "libssl3"]
    assert INDEX.base_closure() == {"libc6", "libgcc-s1"}


def test_present_packages_skipped_but_never_requested_ones() -> None:
    got = debian.resolve(INDEX, ["libpq-dev", "libssl3"], {"libssl3", "libpq5", "libc6"})
    assert names(got) == ["libpq-dev", "libssl-dev", "libssl3"]


def test_virtual_packages_and_alternatives() -> None:
    assert names(debian.resolve(INDEX, ["needs-reader"], set())) == ["mailx-impl", "needs-reader"]
    assert names(debian.resolve(INDEX, ["mail-reader"], set())) == ["mailx-impl"]
    with pytest.raises(AmbiguousSystemPackage) as info:
        debian.resolve(INDEX, ["editor"], set(), "debian 12")
    assert info.value.providers == ["editor-a", "editor-b"]


def test_unknown_package_has_suggestions() -> None:
    with pytest.raises(UnknownSystemPackage) as info:
        debian.resolve(INDEX, ["libpq-devel"], set(), "debian 12")
    assert "libpq-dev" in info.value.suggestions
    assert "Did you mean: libpq-dev" in messages.render(info.value).body


def test_highest_version_wins() -> None:
    index = index_of(
        paragraph("a"), "Package: a\nVersion: 1.0+deb12u1\n", "Package: a\nVersion: 0.9\n"
    )
    assert index.get("a").version == "1.0+deb12u1"


def test_installed_packages_from_dpkg_status(tmp_path: Path) -> None:
    status = tmp_path / "status"
    status.write_text(
        "Package: gcc\nStatus: install ok installed\nProvides: c-compiler\n\n"
        "Package: gone\nStatus: deinstall ok config-files\n"
    )
    assert debian.installed_packages(status) == {"gcc", "c-compiler"}
    assert debian.installed_packages(tmp_path / "missing") == frozenset()


# --- .deb contents -------------------------------------------------------------------------


def pkg(name: str) -> debian.Package:
    return debian.Package(name, "1.0", f"pool/{name}.deb", "0" * 64, 1, "http://a", ())


@needs_tools
def test_maintainer_scripts(tmp_path: Path) -> None:
    boring = "#!/bin/sh\nset -e\n# Automatically added by dh\nldconfig\nexit 0\n"
    ok = make_deb(tmp_path, "libok", {}, postinst=boring)
    debian.check_scripts(debian.DebFile(pkg("libok"), ok), frozenset())
    real = "#!/bin/sh\nset -e\nadduser --system foo\nmkdir -p /var/lib/foo\n"
    bad = make_deb(tmp_path, "foo-daemon", {}, postinst=real)
    with pytest.raises(MaintainerScriptsRequired) as info:
        debian.check_scripts(debian.DebFile(pkg("foo-daemon"), bad), frozenset())
    assert info.value.script == "postinst"
    assert info.value.lines == ["adduser --system foo", "mkdir -p /var/lib/foo"]
    assert 'allow-maintainer-scripts = ["foo-daemon"]' in messages.render(info.value).body
    debian.check_scripts(debian.DebFile(pkg("foo-daemon"), bad), frozenset({"foo-daemon"}))


@needs_tools
def test_unpack_makes_absolute_links_relative_and_drops_docs(tmp_path: Path) -> None:
    deb = make_deb(
        tmp_path,
        "libbar-dev",
        {
            "usr/lib/x86_64-linux-gnu/libbar.so.2": "ELF",
            "usr/lib/x86_64-linux-gnu/libbar.so": "->/usr/lib/x86_64-linux-gnu/libbar.so.2",
            "usr/share/doc/libbar-dev/copyright": "MIT",
            "usr/share/doc/libbar-dev/changelog.gz": "x",
            "usr/share/man/man3/bar.3.gz": "x",
        },
    )
    layer = tmp_path / "layer"
    debian.unpack(debian.DebFile(pkg("libbar-dev"), deb), layer)
    link = layer / "usr/lib/x86_64-linux-gnu/libbar.so"
    assert os.readlink(link) == "libbar.so.2" and link.read_text() == "ELF"
    assert (layer / "usr/share/doc/libbar-dev/copyright").is_file()
    assert not (layer / "usr/share/doc/libbar-dev/changelog.gz").exists()
    assert not (layer / "usr/share/man").exists()


@needs_tools
def test_unpack_refuses_links_out_of_the_layer(tmp_path: Path) -> None:
    deb = make_deb(tmp_path, "evil", {"usr/lib/x": "->../../../../etc/passwd"})
    with pytest.raises(UnsafeArchive):
        debian.unpack(debian.DebFile(pkg("evil"), deb), tmp_path / "layer")


def test_pc_file_rewritten_into_the_layer(tmp_path: Path) -> None:
    pc = tmp_path / "usr/lib/x86_64-linux-gnu/pkgconfig/libpq.pc"
    pc.parent.mkdir(parents=True)
    pc.write_text(
        "prefix=/usr\nlibdir=${prefix}/lib/x86_64-linux-gnu\nsharedir=/usr/share/x\n\n"
        "Name: libpq\nCflags: -I${prefix}/include -I/usr/include/extra\nLibs: -L/usr/lib -lpq\n"
    )
    assert debian.rewrite_pc_file(pc, tmp_path)
    text = pc.read_text()
    assert f"prefix={tmp_path}/usr\n" in text
    assert f"sharedir={tmp_path}/usr/share/x" in text
    assert f"-I{tmp_path}/usr/include/extra" in text and f"-L{tmp_path}/usr/lib " in text
    assert "libdir=${prefix}/lib/x86_64-linux-gnu" in text
    assert not debian.rewrite_pc_file(pc, tmp_path)  # idempotent


def test_layer_env_directories(tmp_path: Path) -> None:
    for rel in (
        "usr/lib/x86_64-linux-gnu/pkgconfig",
        "usr/include/postgresql/internal",
        "usr/bin",
    ):
        (tmp_path / rel).mkdir(parents=True)
    (tmp_path / "usr/include/postgresql/libpq-fe.h").write_text("")
    build = layer_env(tmp_path, "x86_64-linux-gnu", build=True)
    assert build["LD_LIBRARY_PATH"] == [
        f"{tmp_path}/usr/lib/x86_64-linux-gnu",
        f"{tmp_path}/usr/lib",
    ]
    assert build["LIBRARY_PATH"] == build["LD_LIBRARY_PATH"]
    assert build["CPATH"] == [f"{tmp_path}/usr/include", f"{tmp_path}/usr/include/postgresql"]
    assert build["PKG_CONFIG_PATH"] == [f"{tmp_path}/usr/lib/x86_64-linux-gnu/pkgconfig"]
    assert build["PATH"] == [f"{tmp_path}/usr/bin"]
    launch = layer_env(tmp_path, "x86_64-linux-gnu", build=False)
    assert set(launch) == {"LD_LIBRARY_PATH", "PATH"}


@pytest.mark.parametrize(
    "err",
    [
        UnsupportedDistro("alpine", "3.20", "amd64", "name"),
        UnknownSystemPackage("libpq", ["libpq5"], "debian 12"),
        AmbiguousSystemPackage("editor", ["a", "b"], "debian 12"),
        ArchiveUnreachable("http://deb.debian.org/debian/dists/bookworm/InRelease", "timed out"),
        ArchiveSignatureInvalid("http://x/InRelease", "bad-signature", "gpgv: BAD signature"),
        ArchiveSignatureInvalid("http://x/InRelease", "gpgv-missing", ""),
        SystemPackageChecksumMismatch("http://x/a.deb", "package", "0" * 64, "1" * 64),
        SystemPackageChecksumMismatch("http://x/Packages.xz", "index", "0" * 64, "1" * 64),
        MaintainerScriptsRequired("foo", "1.0", "postinst", ["adduser foo"]),
    ],
    ids=lambda err: type(err).__name__,
)
def test_every_error_has_its_own_message(err: Exception) -> None:
    assert isinstance(err, BuildpackError)
    message = messages.render(err)
    assert message.title != type(err).__name__ and message.body
    assert "Traceback" not in message.text()
