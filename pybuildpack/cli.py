"""Entry points: `detect` and `build` (run by the lifecycle through bin/), and `plan`.

Detect imports only what it needs: it runs for every build on a builder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pybuildpack.cnb.platform import Binding

BUILDPACK_DIR = Path(__file__).resolve().parents[1]


def catalog_dir() -> Path:
    """Where buildpack.toml is: the buildpack itself, or `share/pybuildpack` after pip install."""
    if (BUILDPACK_DIR / "buildpack.toml").is_file():
        return BUILDPACK_DIR
    return Path(sys.prefix) / "share" / "pybuildpack"


EXIT_FAIL = 100


def _report(err: Exception, debug: bool) -> int:
    from pybuildpack import messages
    from pybuildpack.errors import BuildpackError, InternalError

    if not isinstance(err, BuildpackError):
        import traceback

        where = traceback.extract_tb(err.__traceback__)[-1]
        err_detail = f"{type(err).__name__}: {err} (at {Path(where.filename).name}:{where.lineno})"
        if debug:
            traceback.print_exception(err, file=sys.stderr)
        err = InternalError(err_detail)
    from pybuildpack.redact import redact

    sys.stdout.flush()
    sys.stderr.write("\n" + redact(messages.render(err).text()))
    sys.stderr.flush()
    return 1


def _guarded(action: Callable[[], int]) -> int:
    try:
        return action()
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pybuildpack plan ... | head`: the reader left; exit quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes at exit
        return 141
    except Exception as err:  # every failure becomes a message, never a traceback
        from pybuildpack.settings import debug_enabled

        return _report(err, debug_enabled(os.environ))


# Bindings whose entries are not secret (and would mask ordinary words in the log).
PUBLIC_BINDING_TYPES = frozenset({"ca-certificates", "dependency-catalog", "dependency-mirror"})


def register_secrets(env: Mapping[str, str], bindings: Sequence[Binding]) -> None:
    """Everything the build knows to be secret, masked in every line it prints from now on."""
    from pybuildpack import redact

    redact.register_env(env)
    redact.register_files(
        str(binding.entry(entry))
        for binding in bindings
        if binding.type.lower() not in PUBLIC_BINDING_TYPES
        for entry in binding.entries
    )


def detect(args: Sequence[str]) -> int:
    from pybuildpack.detect import detect as run_detect

    return run_detect(list(args), os.environ)


def build(args: Sequence[str]) -> int:
    from pybuildpack.cnb.context import build_context
    from pybuildpack.log import Logger

    ctx = build_context(args, os.environ, cwd=Path.cwd(), buildpack_dir=BUILDPACK_DIR)
    log = Logger()
    # The title first: the rest of the buildpack (models, catalog, installers) takes a few
    # hundred milliseconds to import, and the log should not be silent meanwhile.
    log.title(f"pybuildpack {buildpack_version(ctx.buildpack_dir)}")
    from pybuildpack.build import build as run_build
    from pybuildpack.cnb.platform import merged_env
    from pybuildpack.settings import debug_enabled

    env = merged_env(ctx.env, ctx.platform_env)
    register_secrets(env, ctx.bindings)
    log.debug_enabled = debug_enabled(env)
    run_build(ctx, log)
    return 0


def buildpack_version(buildpack_dir: Path) -> str:
    """`[buildpack] version` of buildpack.toml, read without parsing the whole file: it is
    the first line of the log, and the file's catalog is 140 KB of TOML."""
    section = ""
    with (buildpack_dir / "buildpack.toml").open(encoding="utf-8") as handle:
        for line in handle:
            text = line.strip()
            if text.startswith("["):
                if section == "[buildpack]":
                    break
                section = text
            elif section == "[buildpack]" and text.startswith("version") and "=" in text:
                return text.split("=", 1)[1].strip().strip('"')
    return "(unknown version)"


def _env_pair(value: str) -> tuple[str, str]:
    import argparse

    name, sep, rest = value.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {value!r}")
    return name, rest


def plan(args: Sequence[str]) -> int:
    import argparse
    import json

    from pybuildpack import messages
    from pybuildpack.analysis.analyze import analyze
    from pybuildpack.analysis.detect import python_files
    from pybuildpack.cnb.plan import read_buildpack_plan
    from pybuildpack.cnb.platform import read_bindings, read_platform_env
    from pybuildpack.dependencies.catalog import normalize_arch
    from pybuildpack.inputs import read_inputs

    parser = argparse.ArgumentParser(
        prog="pybuildpack plan",
        description="Say what a build of APP_DIR would do, and why. Downloads nothing.",
    )
    parser.add_argument("app_dir", metavar="APP_DIR", type=Path)
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        type=_env_pair,
        metavar="NAME=VALUE",
        help="a build-time variable, as a platform env var (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--arch", default="amd64", help="target architecture (default amd64)")
    parser.add_argument(
        "--platform",
        type=Path,
        default=None,
        help="a platform dir (its env/ files and bindings are read, as a build reads them)",
    )
    parser.add_argument(
        "--buildpack-plan",
        type=Path,
        default=None,
        metavar="PLAN_TOML",
        help="a buildpack plan, as the lifecycle gives build (other buildpacks' requirements)",
    )
    options = parser.parse_args(args)
    app_dir: Path = options.app_dir
    if not app_dir.is_dir():
        sys.stderr.write(f"pybuildpack plan: {app_dir} is not a directory\n")
        return 1
    if options.buildpack_plan and not options.buildpack_plan.is_file():
        sys.stderr.write(f"pybuildpack plan: {options.buildpack_plan} is not a file\n")
        return 1
    env = read_platform_env(options.platform) if options.platform else {}
    env.update(options.env)
    bindings = read_bindings(options.platform / "bindings") if options.platform else []
    register_secrets(env, bindings)
    inputs = read_inputs(catalog_dir(), env, bindings)
    requirements = read_buildpack_plan(options.buildpack_plan) if options.buildpack_plan else []
    result = analyze(
        app_dir, inputs.settings, inputs.catalog, normalize_arch(options.arch), requirements
    )
    detected = bool(python_files(app_dir))
    data = result.to_json()
    data["detected"] = detected
    if options.json:
        print(json.dumps(data, indent=2))
    else:
        _print_plan(data, result.python_request.line)
        for name, closest in result.settings.unknown:
            title, body = messages.unknown_setting(name, closest)
            print(f"Warning: {title}\n{body}")
        request = result.python_request
        for other in result.python_conflicts:
            title, body = messages.version_conflict(
                request.source,
                request.raw.strip(),
                other.source,
                other.raw.strip(),
                str(result.python_version),
            )
            print(f"Warning: {title}\n{body}")
        for warning in result.warnings:
            print(f"Warning: {warning}")
    return 0 if detected else EXIT_FAIL


def _print_plan(data: dict[str, object], line: int | None) -> None:
    python = data["python"]
    assert isinstance(python, dict)
    print(f"Detected: {'yes' if data['detected'] else 'no (not a Python app)'}")
    where = f"{python['source']}, line {line}" if line else python["source"]
    print(f"Python: {python['resolved']} (requested {python['requested']!r} by {where})")
    print(f"Package manager: {data['package_manager']}")
    files = data["dependency_files"]
    assert isinstance(files, list)
    print(f"Dependency files: {', '.join(files) or '(none)'}")
    print(f"Django collectstatic: {'yes' if data['collectstatic'] else 'no'}")
    system = data["system_packages"]
    assert isinstance(system, dict)
    for kind in ("launch", "build"):
        print(f"System packages ({kind}): {', '.join(system[kind]) or '(none)'}")
    print("Processes:")
    procs = data["processes"]
    assert isinstance(procs, list)
    for proc in procs:
        marker = " (default)" if proc["default"] else ""
        print(f"  {proc['type']}{marker}: {' '.join(proc['command'] + proc['args'])}")
        print(f"    because {proc['reason']}")
    if not procs:
        print("  (none)")
    server = data["server"]
    if isinstance(server, dict):
        print(f"Server provided by the buildpack: {server['name']} {server['version']}")


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "detect": detect,
    "build": build,
    "plan": plan,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        sys.stderr.write("usage: pybuildpack {detect|build|plan} ...\n")
        return 2
    command = COMMANDS[args[0]]
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 prints as \x..
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    return _guarded(lambda: command(args[1:]))
