"""Typed errors: the data of every failure a user can see.

These classes hold facts only (paths, lines, values). All wording lives in
`pybuildpack.messages`, which turns each of them into a titled message with
what happened, where, and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class BuildpackError(Exception):
    """Base class of every error that is reported to the user (never a traceback)."""

    def __str__(self) -> str:  # facts, for debugging; users see messages.render()
        return repr(self)


# --- reading the app's files -------------------------------------------------------------


@dataclass
class InvalidToml(BuildpackError):
    path: str
    line: int | None
    column: int | None
    detail: str


@dataclass
class InvalidJson(BuildpackError):
    path: str
    line: int | None
    detail: str


@dataclass
class UnreadableFile(BuildpackError):
    path: str
    detail: str


@dataclass
class FileOutsideApp(BuildpackError):
    """A file the build reads resolves outside the app dir (a symbolic link or a -r path)."""

    path: str
    referenced_by: str = ""  # e.g. "requirements.txt, line 3" for a -r/-c include


@dataclass
class NotRegularFile(BuildpackError):
    """A file the build reads is a FIFO, device, socket or directory."""

    path: str
    kind: str


@dataclass
class FileTooLarge(BuildpackError):
    path: str
    size: int
    limit: int


@dataclass
class InvalidManifestField(BuildpackError):
    """A field of pyproject.toml, Pipfile or a lock file has the wrong type or form."""

    path: str
    field: str  # dotted, e.g. "project.dependencies[2]"
    line: int | None
    expected: str


@dataclass
class InvalidStartCommand(BuildpackError):
    """A process command the launcher could not run: unbalanced quote, NUL, empty."""

    source: str  # "Procfile" or the variable's name
    line: int | None
    process: str
    command: str
    reason: str  # "empty" | "nul" | "quote" | "shell"
    detail: str = ""


@dataclass
class InvalidStartScript(BuildpackError):
    """`python X.py` for a file that is missing or does not parse."""

    process: str
    script: str
    reason: str  # "missing" | "syntax" | "outside"
    chosen_by: str
    line: int | None = None
    detail: str = ""


@dataclass
class InvalidVersionFile(BuildpackError):
    """A .python-version or runtime.txt whose content is not a version."""

    path: str
    line: int | None
    content: str
    reason: str = "format"  # "format" | "empty" | "multiple"


@dataclass
class InvalidProcfile(BuildpackError):
    path: str
    line: int
    content: str


@dataclass
class NoWebProcess(BuildpackError):
    """Nothing says how the app starts: no Procfile, RUN_COMMAND, app object or script."""

    unserved: str | None = None  # an app object found that no server could run
    scripts: list[str] = field(default_factory=list)  # several project scripts, none chosen
    server_disabled: bool = False  # BP_PYTHON_SERVER=none
    script_files: list[str] = field(default_factory=list)  # the files run as `python FILE`


@dataclass
class InvalidRequirement(BuildpackError):
    path: str
    line: int
    content: str
    detail: str


# --- Python versions -------------------------------------------------------------------


@dataclass
class InvalidPythonVersion(BuildpackError):
    """The requested version or constraint cannot be parsed."""

    source: str  # variable or file name
    value: str
    line: int | None = None


@dataclass
class UnknownPythonVersion(BuildpackError):
    """The request is well-formed but the catalog has no matching build."""

    source: str
    requested: str
    available: list[str] = field(default_factory=list)
    arch: str = "amd64"


# --- configuration and platform ------------------------------------------------------------


@dataclass
class InvalidConfig(BuildpackError):
    """A BP_* (or seed-named) environment variable has a value we cannot use."""

    name: str
    value: str
    expected: str


@dataclass
class InvalidBinding(BuildpackError):
    path: str
    detail: str


@dataclass
class ForbiddenEnvironment(BuildpackError):
    """Env vars set by the user that would break the install (PIP_TARGET, PYTHONHOME...)."""

    names: list[str]


# --- dependencies (catalog, downloads, archives) ----------------------------------------------


@dataclass
class InvalidCatalog(BuildpackError):
    path: str
    detail: str


@dataclass
class DownloadFailed(BuildpackError):
    uri: str
    detail: str
    attempts: int = 1


@dataclass
class ChecksumMismatch(BuildpackError):
    uri: str
    expected: str
    actual: str


@dataclass
class UnsafeArchive(BuildpackError):
    uri: str
    member: str
    reason: str


# --- package managers' files ------------------------------------------------------------------


@dataclass
class LockFileOutOfDate(BuildpackError):
    """The lock file no longer matches the project's dependencies (the tool said so)."""

    manager: str  # as users spell it: "uv", "Poetry", "pipenv", "PDM"
    lock: str
    fix: str  # the command that updates the lock


@dataclass
class PipfileLockHashMismatch(BuildpackError):
    """Pipfile.lock's _meta.hash is not the hash of the Pipfile next to it."""

    recorded: str
    expected: str


@dataclass
class IncompatibleLockFile(BuildpackError):
    """A lock file format the tool we run cannot read (e.g. poetry.lock from a newer Poetry)."""

    path: str
    lock_version: str
    tool: str
    tool_version: str
    supported: str  # lock versions the tool reads, e.g. "1.x, 2.x"
    variable: str  # the BP_*_VERSION that picks another tool version


@dataclass
class UnsatisfiedToolRequirement(BuildpackError):
    """The project requires a tool version (`requires-poetry`) that the build cannot use."""

    tool: str  # as users spell it: "Poetry"
    requirement: str  # as written, e.g. ">=2.6"
    source: str  # e.g. "pyproject.toml [tool.poetry] requires-poetry"
    variable: str  # the BP_*_VERSION that picks the tool's version
    chosen: str | None = None  # the version the user set (None: none known satisfies it)
    invalid: bool = False  # the requirement is not a version specifier


@dataclass
class MissingProjectName(BuildpackError):
    """A pyproject.toml `[project]` table without `name`."""

    path: str
    line: int | None = None


@dataclass
class EmptyPyproject(BuildpackError):
    """A pyproject.toml with none of the tables that say what to install, and no other
    dependency file: nothing would be installed and nothing said so."""

    path: str
    missing: list[str]  # the tables looked for
    found: list[str]  # the top-level tables it has (e.g. tool.ruff)


@dataclass
class MissingManifest(BuildpackError):
    """A lock file without the file it locks (uv.lock without pyproject.toml...)."""

    lock: str
    manifest: str


# --- running tools ----------------------------------------------------------------------------


@dataclass
class CommandFailed(BuildpackError):
    """A tool the build runs (pip, python -m venv, collectstatic...) exited non-zero."""

    step: str  # e.g. "pip-install", "venv", "collectstatic", "pip-upgrade"
    command: list[str]
    exit_code: int
    hint: str = ""
    output: str = ""  # captured output, when the caller asked for capture


@dataclass
class EntrypointNotFound(BuildpackError):
    """A process's `module:attr` does not resolve in the built app (checked at build)."""

    process: str
    command: list[str]
    spec: str
    missing: str  # "module" or "attribute"
    chosen_by: str
    looked_in: list[str]


@dataclass
class EntrypointImportFailed(BuildpackError):
    process: str
    spec: str
    chosen_by: str
    output: str


@dataclass
class InternalError(BuildpackError):
    """A bug in pybuildpack: reported with how to file it, never as a bare traceback."""

    detail: str


# --- system packages (.deb) ----------------------------------------------------------------------


@dataclass
class UnsupportedDistro(BuildpackError):
    """The target's distribution has no archive (or keyring) we know."""

    name: str
    version: str
    arch: str
    reason: str  # "name" | "version" | "architecture" | "keyring"


@dataclass
class UnknownSystemPackage(BuildpackError):
    name: str
    suggestions: list[str]
    distro: str


@dataclass
class AmbiguousSystemPackage(BuildpackError):
    """A virtual package that several real packages provide."""

    name: str
    providers: list[str]
    distro: str


@dataclass
class ArchiveUnreachable(BuildpackError):
    uri: str
    detail: str


@dataclass
class ArchiveSignatureInvalid(BuildpackError):
    uri: str
    reason: str  # "bad-signature" | "gpgv-missing" | "wrong-suite" | "not-listed"
    detail: str


@dataclass
class SystemPackageChecksumMismatch(BuildpackError):
    uri: str
    what: str  # "index" | "package"
    expected: str
    actual: str


@dataclass
class MaintainerScriptsRequired(BuildpackError):
    """A package whose preinst/postinst/config does work that the buildpack cannot do."""

    package: str
    version: str
    script: str
    lines: list[str]
