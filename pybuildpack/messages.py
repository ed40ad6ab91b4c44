"""Every user-facing message: typed errors in, titled text out (what, where, how to fix)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from pybuildpack import errors as e

ISSUES_URL = "the pybuildpack issue tracker"
VERSION_FORMS = (
    "Use one of these forms:\n"
    "  3.14     the newest patch release of a minor version (recommended)\n"
    "  3.14.1   an exact patch release"
)


UNSAFE_REASONS = {
    "absolute-path": "has an absolute path",
    "path-escape": "would be written outside the layer (..)",
    "link-escape": "is a symbolic link pointing outside the layer",
    "hardlink-escape": "is a hard link to a file outside the layer",
    "special-file": "is a device, FIFO or other special file",
    "unreadable": "could not be read (the archive is damaged)",
}


_DISTRO_REASONS = {
    "name": "no package archive is known for this distribution",
    "version": "no package archive is known for this release",
    "architecture": "packages are only installed for amd64 and arm64",
    "keyring": "the buildpack has no keyring to verify this archive's signature",
}


@dataclass(frozen=True)
class Message:
    title: str
    body: str

    def text(self) -> str:
        return f"[Error: {self.title}]\n{self.body}".rstrip() + "\n"


def _where(path: str, line: int | None = None, column: int | None = None) -> str:
    if line is None:
        return path
    return f"{path}, line {line}" + (f", column {column}" if column else "")


def _available(versions: list[str], limit: int = 40) -> str:
    if not versions:
        return "  (none for this architecture)"
    by_minor: dict[str, list[str]] = {}
    for v in versions:
        by_minor.setdefault(".".join(v.split(".")[:2]), []).append(v)
    lines = [f"  {minor}: {', '.join(sorted(vs, key=_vkey))}" for minor, vs in by_minor.items()]
    return "\n".join(sorted(lines, key=lambda s: _vkey(s.split(":")[0].strip()))[:limit])


def _vkey(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def _source_fix(source: str) -> str:
    if source.startswith(("BP_", "PYTHON_VERSION")):
        return f"Change the {source} environment variable (pack build --env {source}=3.14)."
    if source == "default":
        return "Set BP_CPYTHON_VERSION, or add a .python-version file with e.g. 3.14."
    return f"Change the version in {source}."


def render(err: e.BuildpackError) -> Message:
    match err:
        case e.InvalidToml(path=path, line=line, column=column, detail=detail):
            return Message(
                f"Invalid TOML in {path}",
                f"{_where(path, line, column)} could not be parsed: {detail}.\n\n"
                f"Fix the syntax of {path} (you can check it with "
                f"`python -c \"import tomllib; tomllib.load(open('{path}', 'rb'))\"`).",
            )
        case e.InvalidJson(path=path, line=line, detail=detail):
            return Message(
                f"Invalid JSON in {path}",
                f"{_where(path, line)} could not be parsed: {detail}.\n\n"
                f"Regenerate {path} with the tool that writes it "
                f"(for Pipfile.lock: `pipenv lock`).",
            )
        case e.UnreadableFile(path=path, detail=detail):
            return Message(
                f"Unable to read {path}",
                f"{_line(path)} could not be read: {detail}.\n\n"
                f"Make {_line(path)} a regular file of UTF-8 text in the app.",
            )
        case e.FileOutsideApp(path=path, referenced_by=referenced_by) if referenced_by:
            return Message(
                f"{referenced_by.split(',')[0]} includes a file outside the app",
                f"{referenced_by} includes {_line(path)}, which is not inside the app\n"
                "directory (an absolute path, a path with .. or a variable). The build reads\n"
                "only the app's own files.\n\n"
                "Commit the included file into the app and include it by a relative path.",
            )
        case e.FileOutsideApp(path=path):
            return Message(
                f"{_line(path)} points outside the app",
                f"{_line(path)} is a symbolic link to a file outside the app directory; the\n"
                "build reads only the app's own files (its content was not read).\n\n"
                f"Replace the link with the file itself, or delete {_line(path)}.",
            )
        case e.NotRegularFile(path=path, kind=kind):
            return Message(
                f"{_line(path)} is not a regular file",
                f"{_line(path)} is a {kind}, not a file the build can read.\n\n"
                f"Replace {_line(path)} with a regular file, or delete it.",
            )
        case e.FileTooLarge(path=path, size=size, limit=limit):
            return Message(
                f"{_line(path)} is too large",
                f"{_line(path)} has {size:,} bytes; the build reads such files up to "
                f"{limit:,} bytes.\n\nCheck that {_line(path)} is the file you meant to "
                "commit (not a generated or binary file).",
            )
        case e.InvalidManifestField(path=path, field=fld, line=line, expected=expected):
            return Message(
                f"Invalid value in {path}",
                f"`{_line(fld)}` in {_where(path, line)} {expected}.\n\n"
                f"Fix {path}: the package manager would fail on it "
                "(see the tool's documentation of this field).",
            )
        case e.InvalidStartCommand(
            source=source, line=line, process=process, command=command, reason=reason
        ):
            why = {
                "empty": "is empty",
                "nul": "contains a NUL character",
                "quote": "has an unbalanced quote or a trailing backslash",
                "shell": "is not valid shell syntax",
                "long": "is longer than 32 KiB",
                "many": "is past the 100th process (a Procfile has at most 100)",
            }.get(reason, reason)
            return Message(
                "Invalid start command",
                f"The `{_line(process)}` process command in {_where(source, line)} {why}:\n"
                f"  {_line(command)}\n{err.detail and _indent(_line(err.detail)) + chr(10)}\n"
                "The container would fail at every start. Fix the command (each process is\n"
                "`<type>: <command>`, e.g. `web: gunicorn app:app`).",
            )
        case e.InvalidStartScript(process=process, script="-c", chosen_by=chosen_by, line=line):
            return Message(
                "The start command's Python code does not parse",
                f"The `{_line(process)}` process runs `python -c ...` (because "
                f"{_line(chosen_by)}),\nbut Python cannot parse that code (line {line}):\n"
                f"{_indent(_line(err.detail))}\n\n"
                "Fix the code in the command (Procfile, RUN_COMMAND), or move it into a file.",
            )
        case e.InvalidStartScript(
            process=process, script=script, reason=reason, chosen_by=chosen_by, line=line
        ):
            what = {
                "missing": "does not exist in the app",
                "syntax": f"cannot be parsed by Python ({_where(script, line)})",
                "outside": "is not inside the app directory",
            }.get(reason, reason)
            return Message(
                f"The start script {_line(script)} cannot run",
                f"The `{_line(process)}` process runs `python {_line(script)}` (because "
                f"{_line(chosen_by)}),\nbut {_line(script)} {what}"
                f"{':' + chr(10) + _indent(_line(err.detail)) if err.detail else '.'}\n\n"
                "Fix the file, or the command (Procfile, RUN_COMMAND).",
            )
        case e.InvalidVersionFile(path=path, line=line, content=content, reason="empty"):
            return Message(
                f"No Python version in {path}",
                f"{path} exists but does not name a Python version.\n\n"
                f"Put a version on its first line, or delete the file.\n{VERSION_FORMS}",
            )
        case e.InvalidVersionFile(path=path, line=line, content=content, reason="multiple"):
            return Message(
                f"Multiple Python versions in {path}",
                f"{path} names more than one version (the second at line {line}):\n"
                + _indent("\n".join(_line(v) for v in content.splitlines()[:2]))
                + f"\n\nKeep exactly one version in {path}.\n{VERSION_FORMS}",
            )
        case e.InvalidVersionFile(path=path, line=line, content=content):
            example = "python-3.14.1" if path == "runtime.txt" else "3.14"
            return Message(
                f"Invalid Python version in {path}",
                f"The version in {_where(path, line)} is not in a format we understand:\n"
                f"  {_visible(content)}\n\n"
                f"Write it as, for example, {example}.\n{VERSION_FORMS}",
            )
        case e.InvalidProcfile(path=path, line=line, content=content):
            return Message(
                f"Invalid line in {path}",
                f"{_where(path, line)} is not a process definition:\n  {_line(content)}\n\n"
                "Each line must be `<type>: <command>`, with a unique type made of letters,\n"
                "digits, '.', '_' or '-', for example:\n  web: gunicorn app:app",
            )
        case e.NoWebProcess(unserved=unserved, scripts=scripts, server_disabled=disabled):
            found = ""
            if unserved:
                why = "BP_PYTHON_SERVER=none" if disabled else "no server could run it"
                found += f"\nFound {unserved}, but {why}."
            if scripts:
                found += (
                    f"\nFound several scripts in pyproject.toml ({', '.join(scripts)}), none "
                    "named start, web or serve."
                )
            return Message(
                "No web process found",
                "Nothing says how this app starts. The build looked for:\n"
                "  - a Procfile `web:` line, BP_RUN_COMMAND or RUN_COMMAND\n"
                "  - Django: manage.py, with Django among the dependencies\n"
                "  - an app object in the code: Flask(), FastAPI(), Starlette(), Litestar(),\n"
                "    Quart(), Sanic(), Falcon's App(), Bottle(), or a create_app() factory\n"
                "  - a Streamlit or Gradio script (the framework among the dependencies)\n"
                "  - one [project.scripts] / [tool.poetry.scripts] entry (or one named start)\n"
                f"  - a script to run with python: {', '.join(err.script_files)}"
                f"{found}\n\n"
                "Declare the web process in a Procfile:\n"
                "  web: gunicorn myapp:app\n"
                "or set RUN_COMMAND (pack build --env RUN_COMMAND='python serve.py').\n"
                "An app without a web process can declare its processes in the Procfile\n"
                "(worker: python worker.py), or build with BP_PYTHON_REQUIRE_WEB_PROCESS=false.",
            )
        case e.InvalidRequirement(path=path, line=line, content=content, detail=detail):
            return Message(
                f"Invalid requirement in {path}",
                f"{_where(path, line)}: {_line(content)}\n{_line(detail)}\n\n"
                "Fix the line (see https://pip.pypa.io/en/stable/reference/requirements-file-format/).",
            )
        case e.InvalidPythonVersion(source=source, value=value, line=line):
            return Message(
                "Invalid Python version",
                f"The Python version requested by {_where(source, line)} could not be parsed:\n"
                f"  {_visible(value)}\n\n{_source_fix(source)}\n{VERSION_FORMS}\n"
                "Constraints such as >=3.12,<3.15 are also accepted where a tool allows them.",
            )
        case e.UnknownPythonVersion(source=source, requested=requested, available=available):
            return Message(
                "Requested Python version is not available",
                f"Python {requested} (requested by {source}) is not in the buildpack's catalog "
                f"for {err.arch}.\n\nAvailable versions:\n{_available(available)}\n\n"
                f"{_source_fix(source)}\n"
                "Operators can add CPython builds with a `dependency-catalog` binding "
                "(see the README).",
            )
        case e.InvalidConfig(name=name, value=value, expected=expected):
            return Message(
                f"Invalid value for {name}",
                f"{name} is set to {_line(value)!r}, which is not valid: expected {expected}.\n\n"
                f"Change or unset {name} (for pack: --env {name}=...).",
            )
        case e.InvalidBinding(path=path, detail=detail):
            return Message(
                "Invalid service binding",
                f"The binding at {path} could not be used: {detail}.\n\n"
                "Check the files mounted into the binding directory.",
            )
        case e.ForbiddenEnvironment(names=names):
            return Message(
                "Unsafe environment variables are set",
                "These environment variables would make the install go somewhere other than\n"
                f"the app's virtual environment: {', '.join(names)}.\n\n"
                "Unset them for the build (the buildpack manages these itself).",
            )
        case e.InvalidCatalog(path=path, detail=detail):
            return Message(
                "Invalid dependency catalog",
                f"{path} could not be used: {detail}.\n\n"
                "Fix the catalog: each [[dependencies]] entry needs id, version, uri, "
                "checksum (sha256:<hex>), arch and os.",
            )
        case e.DownloadFailed(uri=uri, detail=detail, attempts=attempts):
            return Message(
                "Unable to download a dependency",
                f"Downloading {uri} failed after {attempts} attempt(s): {detail}.\n\n"
                "Check the network from the build, or point the buildpack at a mirror with\n"
                "BP_DEPENDENCY_MIRROR, or at your own builds with a `dependency-catalog` binding.",
            )
        case e.ChecksumMismatch(uri=uri, expected=expected, actual=actual):
            return Message(
                "Downloaded file does not match its checksum",
                f"{uri}\n  expected sha256 {expected}\n  received sha256 {actual}\n\n"
                "The file was not used. If you use a mirror, it serves a different file than\n"
                "the catalog names: refresh the mirror. Otherwise try again.",
            )
        case e.UnsafeArchive(uri=uri, member=member, reason="not-cpython"):
            return Message(
                "The CPython archive is not a CPython build",
                f"{uri} unpacked without {member or 'lib/python3.X/_sysconfigdata_*.py'}.\n\n"
                "The catalog entry must point at a python-build-standalone style archive\n"
                "(install_only or install_only_stripped) with a single top directory python/.",
            )
        case e.UnsafeArchive(uri=uri, member=member, reason=reason):
            why = UNSAFE_REASONS.get(reason, reason)
            return Message(
                "Refusing to unpack an unsafe archive",
                f"{uri} contains {member!r}, which {why}.\n\n"
                "Nothing from it was installed. Check where the archive came from.",
            )
        case e.UnsupportedDistro(name=name, version=version, arch=arch, reason=reason):
            return Message(
                "System packages are not available for this distribution",
                f"The run image is {name} {version} ({arch}): {_DISTRO_REASONS[reason]}.\n\n"
                "System packages are installed from Debian 12/13 and Ubuntu 22.04/24.04\n"
                "archives (amd64, arm64), chosen from CNB_TARGET_DISTRO_NAME and\n"
                "CNB_TARGET_DISTRO_VERSION. Use such a run image, or drop the packages from\n"
                "project.toml / BP_SYSTEM_PACKAGES and use wheels that bundle their libraries.",
            )
        case e.UnknownSystemPackage(name=name, suggestions=suggestions, distro=distro):
            hint = (
                "Did you mean: " + ", ".join(suggestions) + "?"
                if suggestions
                else "Search for it on https://packages.debian.org/ or https://packages.ubuntu.com/."
            )
            return Message(
                f"Unknown system package {name}",
                f"No package named {name!r} is in the {distro} archive.\n\n{hint}\n"
                "Fix the name in project.toml [com.pybuildpack.system-packages] or "
                "BP_SYSTEM_PACKAGES.",
            )
        case e.AmbiguousSystemPackage(name=name, providers=providers, distro=distro):
            return Message(
                f"System package {name} is provided by several packages",
                f"{name!r} is a virtual package in {distro}, provided by:\n"
                + "\n".join(f"  {p}" for p in providers)
                + "\n\nName the one you want in project.toml [com.pybuildpack.system-packages].",
            )
        case e.ArchiveUnreachable(uri=uri, detail=detail):
            return Message(
                "Unable to reach the package archive",
                f"Fetching {uri} failed: {detail}.\n\n"
                "Check the build's network, or point the buildpack at a reachable archive\n"
                "mirror with BP_SYSTEM_PACKAGES_MIRROR (and BP_SYSTEM_PACKAGES_SECURITY_MIRROR).",
            )
        case e.ArchiveSignatureInvalid(uri=uri, reason="gpgv-missing"):
            return Message(
                "gpgv is missing from the build image",
                f"{uri} cannot be verified: the build image has no `gpgv` command.\n\n"
                "System packages are only installed from archives whose signature checks.\n"
                "Use a build image with gpgv: Debian 12 and Ubuntu images have it (their apt\n"
                "uses it); Debian 13's apt verifies with sqv instead, so add it there\n"
                "(apt-get install gpgv).",
            )
        case e.ArchiveSignatureInvalid(uri=uri, reason=reason, detail=detail):
            why = {
                "bad-signature": "its signature does not verify with the archive keyring",
                "wrong-suite": "it is signed for another suite",
                "not-listed": "its Release file does not list the package index",
            }.get(reason, reason)
            return Message(
                "The package archive's index is not trustworthy",
                f"{uri}: {why}.\n{_indent(detail)}\n\n"
                "Nothing was installed. If you use a mirror, it serves a modified or broken\n"
                "file: fix or change BP_SYSTEM_PACKAGES_MIRROR. Otherwise try again later.",
            )
        case e.SystemPackageChecksumMismatch(uri=uri, what=what, expected=exp, actual=act):
            thing = "package index" if what == "index" else "package"
            return Message(
                f"Downloaded {thing} does not match the signed index",
                f"{uri}\n  expected sha256 {exp}\n  received sha256 {act}\n\n"
                "The file was not used. A mirror or proxy serves a different file than the\n"
                "archive signed: refresh or change the mirror, or try again.",
            )
        case e.MaintainerScriptsRequired(package=package, version=version, script=script):
            return Message(
                f"System package {package} needs its {script} script",
                f"{package} {version} has a {script} script that does more than the buildpack\n"
                "does by itself (packages are unpacked into layers, never configured):\n"
                f"{_indent(chr(10).join(err.lines))}\n\n"
                "Use a run image that already has this package, or, if you checked that the\n"
                "script is not needed, list it in project.toml:\n"
                "  [com.pybuildpack.system-packages]\n"
                f'  allow-maintainer-scripts = ["{package}"]',
            )
        case e.CommandFailed(step=step, command=command, exit_code=code, hint=hint):
            title, body = _command_failure(step)
            shown = " ".join(shlex.quote(part) for part in command)
            return Message(
                title,
                f"The command `{shown}` failed (exit status {code}).\n\n"
                f"{body}{hint and chr(10) + hint}",
            )
        case e.LockFileOutOfDate(manager=manager, lock=lock, fix=fix):
            return Message(
                f"{lock} is out of date",
                f"{lock} does not match the dependencies the project declares, so {manager}\n"
                "refused to install from it (the build installs exactly what the lock says).\n\n"
                f"Run `{fix}` and commit the updated {lock}.",
            )
        case e.PipfileLockHashMismatch(recorded=recorded, expected=expected):
            return Message(
                "Pipfile.lock is out of date",
                f"Pipfile.lock was made from another Pipfile: its _meta.hash is {recorded[:12]}…,\n"
                f"while the Pipfile's hash is {expected[:12]}….\n\n"
                "Run `pipenv lock` and commit the updated Pipfile.lock.",
            )
        case e.IncompatibleLockFile(
            path=path, lock_version=lock_version, tool=tool, tool_version=tool_version
        ):
            running = f"{tool} {tool_version}" if tool_version else f"the {tool} of this build"
            supported = f" (it reads lock-version {err.supported})" if err.supported else ""
            return Message(
                f"{path} was written by an incompatible {tool}",
                f"{path} has lock-version {lock_version}, which {running} cannot read"
                f"{supported}.\n\n"
                f"Set {err.variable} to the {tool} version that wrote the lock file, or\n"
                f"regenerate it with `{tool.lower()} lock` using the {tool} this build runs.",
            )
        case e.UnsatisfiedToolRequirement(tool=tool, requirement=req, source=source, invalid=True):
            return Message(
                f"Invalid {tool} version requirement",
                f"{source} is {req!r}, which is not a version constraint.\n\n"
                f'Write it as a PEP 440 specifier, for example requires-poetry = ">=2.0".',
            )
        case e.UnsatisfiedToolRequirement(
            tool=tool, requirement=req, source=source, variable=variable, chosen=chosen
        ):
            if chosen:
                what = f"{variable}={chosen} does not satisfy it"
                fix = f"Set {variable} to a {tool} release that satisfies {req}, or unset it."
            else:
                what = f"none of the {tool} releases the buildpack knows satisfies it"
                fix = f"Set {variable} to a {tool} release that satisfies {req}."
            return Message(
                f"The project requires another {tool}",
                f"{source} asks for {tool} {req},\nbut {what}.\n\n{fix}",
            )
        case e.MissingProjectName(path=path, line=line):
            return Message(
                f"The [project] table in {path} has no name",
                f"{_where(path, line)}: [project] must set `name` (PEP 621); package managers\n"
                "refuse a project without one.\n\n"
                f'Add a name, for example:\n  [project]\n  name = "my-app"',
            )
        case e.EmptyPyproject(path=path, missing=missing, found=found):
            has = f" (it has only {', '.join(found)})" if found else " (it is empty)"
            return Message(
                f"{path} does not describe a project",
                f"{path} is the app's only dependency file, but it has no "
                f"{', '.join(missing[:-1])} or {missing[-1]} table{has}, so there is nothing\n"
                "to install and no package manager to install it with.\n\n"
                "Add a [project] table with the app's name and dependencies, for example:\n"
                '  [project]\n  name = "my-app"\n  version = "0"\n  dependencies = ["flask"]\n'
                "or a requirements.txt. An app with no dependencies at all can set\n"
                "BP_PYTHON_PACKAGE_MANAGER=none.",
            )
        case e.MissingManifest(lock=lock, manifest=manifest):
            return Message(
                f"{lock} without {manifest}",
                f"The app has {lock} but no {manifest}: the lock file alone cannot be\n"
                "installed.\n\n"
                f"Commit {manifest} next to {lock}.",
            )
        case e.EntrypointNotFound(
            process=process, command=command, spec=spec, missing=missing, chosen_by=chosen_by
        ):
            module, _, attr = spec.partition(":")
            what = (
                f"the module `{module}` was not found"
                if missing == "module"
                else f"the module `{module}` does not define `{attr}`"
            )
            return Message(
                "The start command's app could not be found",
                f"The `{process}` process runs `{' '.join(command)}` (because {chosen_by}),\n"
                f"but {what}.\nLooked in: {', '.join(err.looked_in)}\n\n"
                "Fix the module path in the command (Procfile, RUN_COMMAND), or the code.\n"
                "If the module is made at run time, set BP_PYTHON_ENTRYPOINT_CHECK=off.",
            )
        case e.EntrypointImportFailed(process=process, spec=spec, chosen_by=chosen_by, output=out):
            return Message(
                "The start command's app fails to import",
                f"Importing `{spec}` for the `{process}` process (because {chosen_by}) failed\n"
                f"(BP_PYTHON_ENTRYPOINT_CHECK=import):\n{_indent(out.strip()[-2000:])}\n\n"
                "Fix the error above, or set BP_PYTHON_ENTRYPOINT_CHECK to static or off\n"
                "if the app needs something at import time that the build does not have.",
            )
        case e.InternalError(detail=detail):
            return Message(
                "Internal error in pybuildpack",
                f"{detail}\n\nThis is a bug in the buildpack. Please report it on "
                f"{ISSUES_URL} with this log; building again may help meanwhile.",
            )
    return Message(type(err).__name__, repr(err))


def _command_failure(step: str) -> tuple[str, str]:
    known = {
        "pip-install": (
            "Unable to install dependencies with pip",
            "See pip's output above for the package that failed. Check that every\n"
            "requirement exists on the index and supports this Python version.",
        ),
        "pip-bootstrap": (
            "Unable to install pip",
            "The requested pip could not be installed. Check BP_PIP_VERSION and the\n"
            "network or index settings (PIP_INDEX_URL).",
        ),
        "venv": (
            "Unable to create the virtual environment",
            "See the output above.",
        ),
        "uv-sync": (
            "Unable to install dependencies with uv",
            "See uv's output above. Check that uv.lock is committed and up to date (`uv lock`)\n"
            "and that requires-python allows this Python version.",
        ),
        "poetry-lock": (
            "Unable to lock dependencies with Poetry",
            "See Poetry's output above. Run `poetry lock` and commit poetry.lock.",
        ),
        "poetry-install": (
            "Unable to install dependencies with Poetry",
            "See Poetry's output above. If the project itself cannot be installed, set\n"
            "`package-mode = false` under [tool.poetry].",
        ),
        "pipenv-install": (
            "Unable to install dependencies with pipenv",
            "See pipenv's output above. Check that Pipfile.lock is up to date (`pipenv lock`).",
        ),
        "pdm-install": (
            "Unable to install dependencies with PDM",
            "See PDM's output above. Check that pdm.lock is up to date (`pdm lock`).",
        ),
        "tool-install": (
            "Unable to install the package manager",
            "The package manager could not be installed with pip: check its BP_*_VERSION and\n"
            "the network or index settings (PIP_INDEX_URL).",
        ),
        "server-install": (
            "Unable to install the web server",
            "The server the buildpack provides (the app has none among its dependencies)\n"
            "could not be installed with pip: check the network or index settings\n"
            "(PIP_INDEX_URL), add gunicorn or uvicorn to the dependencies yourself, or set\n"
            "BP_PYTHON_SERVER=none.",
        ),
        "collectstatic": (
            "Unable to generate Django static files",
            "`python manage.py collectstatic --noinput` failed: see the error above.\n"
            "Common causes: STATIC_ROOT is not set, or settings need an env var that the\n"
            "build does not have. To skip this step set DISABLE_COLLECTSTATIC=1.",
        ),
    }
    return known.get(step, (f"Command failed during {step}", "See the output above."))


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


def _visible(text: str) -> str:
    """Show invisible characters so a user can see why '3.12 ' or '3.12\\u200b' failed."""
    shown = "".join(ch if ch.isprintable() else "\ufffd" for ch in _first(text.strip("\n")))
    return shown or "(empty)"


MAX_QUOTED = 200  # characters of app content quoted in a message


def _first(text: str) -> str:
    """One line of at most MAX_QUOTED characters: messages quote no more of the app."""
    line = text.strip().split("\n", 1)[0].split("\r", 1)[0]
    return line if len(line) <= MAX_QUOTED else line[:MAX_QUOTED] + "…"


def _line(text: str) -> str:
    """App content in a message: its first line, shortened, invisible characters shown."""
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in _first(text))


def eol_warning(version: str, eol_date: str, source: str) -> tuple[str, str]:
    minor = ".".join(version.split(".")[:2])
    return (
        f"Python {minor} has reached its end of life",
        f"Python {minor} reached its upstream end of life on {eol_date} and no longer\n"
        "receives security fixes: https://devguide.python.org/versions/\n"
        f"Upgrade to a supported version: {_source_fix(source)}",
    )


def version_conflict(
    winner: str, winner_value: str, other: str, other_value: str, version: str
) -> tuple[str, str]:
    """Two sources ask for different Pythons: say both and which one won."""
    return (
        f"{other} asks for another Python than {winner}",
        f"{winner} asks for {winner_value!r} and wins: CPython {version}.\n"
        f"{other} asks for {other_value!r}, which that version does not satisfy.\n"
        f"Make them agree, or delete the one you do not use ({winner} is read first).",
    )


def unknown_setting(name: str, closest: str | None) -> tuple[str, str]:
    """A BP_* variable that looks like one of ours but is not (a typo, most often)."""
    guess = f" Did you mean {closest}?" if closest else ""
    return (
        f"{name} is not a pybuildpack setting",
        f"{name} is set, but pybuildpack does not read it.{guess}\n"
        "The settings it reads are listed in buildpack.toml [[metadata.configurations]] and\n"
        "in the README.",
    )


def source_scan_stopped(files: int, spent: int, max_files: int, max_bytes: int) -> str:
    """A warning (title, then body): the app has more Python than one scan reads."""
    return (
        f"The source scan stopped after {files} files ({spent:,} bytes)\n"
        f"The app has more Python files than the scan reads ({max_files} files,\n"
        f"{max_bytes:,} bytes); the root, src/ and the project's package were read first.\n"
        "If the start command was not found, set it in a Procfile or RUN_COMMAND."
    )


def skipped_sources(skipped: list[str]) -> str:
    """A warning (title, then body): Python files the scan could not parse or read."""
    shown = "\n".join(skipped[:20])
    more = f"\n  ... and {len(skipped) - 20} more" if len(skipped) > 20 else ""
    return (
        f"Skipped {len(skipped)} Python file(s) that cannot be parsed\n{shown}{more}\n"
        "They were not searched for the app; Python will fail on them if they are imported."
    )


def missing_program(process: str, program: str) -> tuple[str, str]:
    return (
        f"The {process} process's program {program} was not found",
        f"`{program}` is not installed in the app's virtual environment, not in the app,\n"
        "and not on the build image's PATH: the container would fail at start.\n"
        f"Add the package that provides {program} to the dependencies, or fix the command.",
    )


def missing_module(process: str, module: str) -> tuple[str, str]:
    return (
        f"The {process} process's module {module} was not found",
        f"`python -m {module}` runs a module that is not in the app, its dependencies or\n"
        "Python's standard library: the container would fail at start.\n"
        f"Add the package that provides {module} to the dependencies, or fix the command.",
    )


def listens_on_loopback(process: str, command: str) -> str:
    """A warning (title, then body): the web server binds 127.0.0.1 inside the container."""
    return (
        f"The {process} process listens on localhost only\n"
        f"`{_line(command)}` binds the container's loopback address: nothing outside\n"
        "the container can reach it. Bind 0.0.0.0 and the PORT variable instead,\n"
        "e.g. `gunicorn app:app --bind 0.0.0.0:$PORT`."
    )


def tool_deadline(seconds: float) -> str:
    """The hint of a CommandFailed whose tool was stopped at its deadline."""
    return (
        f"It was still running after {format_duration(seconds)} and was stopped (with\n"
        "everything it started). A package whose build never ends, or a network that\n"
        "stalls, can do this: check the output above for the last step it took."
    )


def format_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} seconds"
    return f"{seconds / 60:g} minutes"
