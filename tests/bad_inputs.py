"""The bad-input suite's table: one named fixture per bad input, made from a spec here.

A spec maps each app path to its content: text, bytes, or a special file made at test time
(a FIFO, a symbolic link out of the app, a sparse file past the size cap, ...). Every case
names the error title both `pybuildpack plan` and `bin/build` must show (see
tests/test_plan_build_agreement.py, which runs them).

Classes (the first word of each case's name): special (FIFOs, links out, devices, huge and
broken files), types (wrong-typed fields of manifests and locks), syntax (files that do not
parse, nest too deeply or hold numbers past Python's limits), version (Python version
requests), command (start commands), include (requirement includes out of the app), env
(variables that would send installs elsewhere, bad settings).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

# What a file outside the app holds: it must never reach the output.
OUTSIDE_SECRET = "OUTSIDE-SECRET-7f3a9c machine example.test login bob password hunter2-outside"


@dataclass(frozen=True)
class Link:
    """A symbolic link; `outside` targets are made relative to the outside dir."""

    target: str
    outside: bool = True


@dataclass(frozen=True)
class Fifo:
    pass


@dataclass(frozen=True)
class Sparse:
    """A file of `size` bytes that costs no disk (past the read cap)."""

    size: int = 17 * 1024 * 1024


@dataclass(frozen=True)
class Dir:
    pass


Content = str | bytes | Link | Fifo | Sparse | Dir


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, Content]
    title: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.name.split("_", 1)[0]


def materialize(app: Path, outside: Path, files: dict[str, Content]) -> None:
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret").write_text(OUTSIDE_SECRET + "\n")
    for name, content in files.items():
        path = app / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, Link):
            path.symlink_to(outside / content.target if content.outside else content.target)
        elif isinstance(content, Fifo):
            os.mkfifo(path)
        elif isinstance(content, Sparse):
            with path.open("wb") as handle:
                handle.truncate(content.size)
        elif isinstance(content, Dir):
            path.mkdir()


PYPROJECT = '[project]\nname = "app"\nversion = "1"\n'
PIPFILE = '[packages]\nflask = "*"\n'
REQS = {"requirements.txt": "flask\n"}
POETRY = '[tool.poetry]\nname = "app"\nversion = "1"\npackage-mode = false\n'

# The files the analysis reads, and what the app needs around each for it to be read.
READ_FILES: dict[str, dict[str, Content]] = {
    "requirements.txt": {},
    "pyproject.toml": {},
    "Pipfile": {},
    "Pipfile.lock": {"Pipfile": PIPFILE},
    "uv.lock": {"pyproject.toml": PYPROJECT},
    "poetry.lock": {"pyproject.toml": POETRY},
    "pdm.lock": {"pyproject.toml": PYPROJECT},
    ".python-version": REQS,
    "runtime.txt": REQS,
    "Procfile": REQS,
    "app.py": REQS,
    "main.py": REQS,
    "project.toml": REQS,
    "requirements/base.txt": {"requirements.txt": "-r requirements/base.txt\n"},
    "worker.py": {**REQS, "Procfile": "worker: python worker.py\n"},
}


def _title_for(name: str, special: str) -> str:
    start_script = name in {"app.py", "main.py", "worker.py"}
    if special == "outside" and "/" in name:  # an include: refused where it is included
        return "requirements.txt includes a file outside the app"
    if special == "outside":
        return f"The start script {name} cannot run" if start_script else f"{name} points"
    if special in {"fifo", "dir-link"}:
        return f"{name} is not a regular file"
    if special == "huge":
        return f"{name} is too large"
    return f"Unable to read {name}"


def _special_cases() -> list[Case]:
    cases = []
    for name, around in READ_FILES.items():
        slug = name.replace("/", "-").replace(".", "-").strip("-")
        specials: dict[str, Content] = {
            "outside": Link("secret"),
            "fifo": Fifo(),
            "devzero": Link("/dev/zero", outside=False),
            "huge": Sparse(),
            "dangling": Link("no-such-file", outside=False),
        }
        for special, content in specials.items():
            title = _title_for(name, "outside" if special == "devzero" else special)
            cases.append(Case(f"special_{slug}_{special}", {**around, name: content}, title))
    return cases


def _types() -> list[Case]:
    t = "Invalid value in pyproject.toml"
    pyproject = {
        "tool_a_number": ("tool = 1\n", t),
        "project_a_string": ('project = "app"\n', t),
        "project_name_a_number": ("[project]\nname = 1\n", t),
        "dependencies_a_string": ('[project]\nname = "a"\ndependencies = "flask"\n', t),
        "dependency_a_number": ('[project]\nname = "a"\ndependencies = ["flask", 3]\n', t),
        "dependency_not_pep508": ('[project]\nname = "a"\ndependencies = ["flask >>> 2"]\n', t),
        "requires_python_a_float": ('[project]\nname = "a"\nrequires-python = 3.12\n', t),
        "scripts_a_list": ('[project]\nname = "a"\nscripts = ["a"]\n', t),
        "script_target_a_number": ('[project]\nname = "a"\n[project.scripts]\nweb = 1\n', t),
        "optional_deps_a_list": ('[project]\nname = "a"\noptional-dependencies = ["x"]\n', t),
        "optional_dep_not_pep508": (
            '[project]\nname = "a"\n[project.optional-dependencies]\nx = ["a b c"]\n',
            t,
        ),
        "authors_a_string": ('[project]\nname = "a"\nauthors = "me"\n', t),
        "urls_a_list": ('[project]\nname = "a"\nurls = ["x"]\n', t),
        "dynamic_a_string": ('[project]\nname = "a"\ndynamic = "version"\n', t),
        "version_a_float": ('[project]\nname = "a"\nversion = 1.0\n', t),
        "keywords_a_string": ('[project]\nname = "a"\nkeywords = "web"\n', t),
        "entry_points_flat": ('[project]\nname = "a"\nentry-points = {x = 1}\n', t),
        "build_system_a_list": ('build-system = ["setuptools"]\n', t),
        "build_requires_a_string": ('[build-system]\nrequires = "setuptools"\n', t),
        "build_backend_a_number": ("[build-system]\nbuild-backend = 5\n", t),
        "poetry_a_string": ('[tool]\npoetry = "x"\n', t),
        "poetry_dependencies_a_list": ('[tool.poetry]\nname = "a"\ndependencies = ["x"]\n', t),
        "poetry_dependency_a_number": (
            '[tool.poetry]\nname = "a"\n[tool.poetry.dependencies]\nflask = 2\n',
            t,
        ),
        "poetry_package_mode_a_string": (
            '[tool.poetry]\nname = "a"\npackage-mode = "no"\n',
            t,
        ),
        "poetry_group_a_list": ('[tool.poetry]\nname = "a"\ngroup = ["dev"]\n', t),
        "uv_a_list": ("[tool]\nuv = []\n", t),
        "uv_package_a_string": ('[tool.uv]\npackage = "yes"\n', t),
        "dependency_groups_a_string": ('dependency-groups = "dev"\n', t),
        "python_poetry_double_caret": (
            '[tool.poetry]\nname = "a"\n[tool.poetry.dependencies]\npython = "^^3..12"\n',
            "Invalid Python version",
        ),
    }
    cases = [
        Case(f"types_pyproject_{key}", {"pyproject.toml": text}, title)
        for key, (text, title) in pyproject.items()
    ]
    tp = "Invalid value in Pipfile"
    pipfile = {
        "packages_a_list": '[pipfile]\npackages = ["flask"]\n',
        "package_a_number": "[packages]\nflask = 2\n",
        "source_a_string": 'source = "pypi"\n',
        "source_url_a_number": "[[source]]\nname = 'pypi'\nurl = 5\n",
        "source_verify_a_string": "[[source]]\nname = 'pypi'\nverify_ssl = 'yes'\n",
        "requires_a_list": 'requires = ["3.12"]\n',
        "python_version_a_float": "[requires]\npython_version = 3.12\n",
        "dev_packages_a_string": 'dev-packages = "pytest"\n',
        "scripts_a_number": "scripts = 5\n",
    }
    cases += [
        Case(f"types_pipfile_{key}", {"Pipfile": text.replace("[pipfile]\n", "")}, tp)
        for key, text in pipfile.items()
    ]
    tl = "Invalid value in Pipfile.lock"
    locks = {
        "a_list": ("[]", tl),
        "a_string": ('"lock"', tl),
        "meta_a_number": ('{"_meta": 5}', tl),
        "meta_hash_a_number": ('{"_meta": {"hash": 5}}', tl),
        "meta_sha_a_number": ('{"_meta": {"hash": {"sha256": 5}}}', tl),
        "meta_requires_a_list": ('{"_meta": {"requires": ["3.12"]}}', tl),
        "meta_spec_a_string": ('{"_meta": {"pipfile-spec": "6"}}', tl),
        "default_a_list": ('{"default": ["flask"]}', tl),
        "default_entry_a_string": ('{"default": {"flask": "==3.0"}}', tl),
    }
    cases += [
        Case(f"types_pipfile_lock_{key}", {"Pipfile": PIPFILE, "Pipfile.lock": text}, title)
        for key, (text, title) in locks.items()
    ]
    tu = "Invalid value in uv.lock"
    uv = {
        "version_a_string": 'version = "one"\n',
        "package_a_string": 'version = 1\npackage = "flask"\n',
        "package_entry_a_number": "version = 1\npackage = [5]\n",
        "package_name_a_number": "version = 1\n[[package]]\nname = 5\n",
        "package_without_name": 'version = 1\n[[package]]\nversion = "1"\n',
        "requires_python_a_float": "version = 1\nrequires-python = 3.12\n",
    }
    cases += [
        Case(f"types_uv_lock_{key}", {"pyproject.toml": PYPROJECT, "uv.lock": text}, tu)
        for key, text in uv.items()
    ]
    tpo = "Invalid value in poetry.lock"
    poetry = {
        "metadata_a_number": "metadata = 1\n",
        "lock_version_a_float": "[metadata]\nlock-version = 2.1\n",
        "package_a_table": '[package]\nname = "x"\n',
        "content_hash_a_list": '[metadata]\ncontent-hash = ["x"]\n',
    }
    cases += [
        Case(f"types_poetry_lock_{key}", {"pyproject.toml": POETRY, "poetry.lock": text}, tpo)
        for key, text in poetry.items()
    ]
    tpd = "Invalid value in pdm.lock"
    pdm = {
        "metadata_a_list": "metadata = [1]\n",
        "package_entry_a_string": 'package = ["x"]\n',
        "package_name_a_bool": "[[package]]\nname = true\n",
    }
    cases += [
        Case(f"types_pdm_lock_{key}", {"pyproject.toml": PYPROJECT, "pdm.lock": text}, tpd)
        for key, text in pdm.items()
    ]
    return cases


def _deep_toml(depth: int) -> str:
    return "x = " + "[" * depth + "]" * depth + "\n"


def _deep_json(depth: int) -> str:
    return '{"_meta": ' + "[" * depth + "]" * depth + "}"


BIG_INT = "9" * 5000


def _syntax() -> list[Case]:
    cases = []
    for name, around in (
        ("pyproject.toml", {}),
        ("Pipfile", {}),
        ("uv.lock", {"pyproject.toml": PYPROJECT}),
        ("poetry.lock", {"pyproject.toml": POETRY}),
        ("pdm.lock", {"pyproject.toml": PYPROJECT}),
    ):
        slug = name.replace(".", "_")
        title = f"Invalid TOML in {name}"
        cases += [
            Case(f"syntax_{slug}_broken", {**around, name: "[x\n"}, title),
            Case(f"syntax_{slug}_deep_nesting", {**around, name: _deep_toml(3000)}, title),
            Case(f"syntax_{slug}_nesting_past_64", {**around, name: _deep_toml(100)}, title),
            Case(f"syntax_{slug}_huge_integer", {**around, name: f"x = {BIG_INT}\n"}, title),
            Case(f"syntax_{slug}_not_utf8", {**around, name: b"x = '\xff\xfe'\n"}, "Unable"),
            Case(f"syntax_{slug}_nul_byte", {**around, name: "x = 1\0\n"}, title),
        ]
    lock = {"Pipfile": PIPFILE}
    tj = "Invalid JSON in Pipfile.lock"
    cases += [
        Case("syntax_pipfile_lock_broken", {**lock, "Pipfile.lock": "{"}, tj),
        Case("syntax_pipfile_lock_deep_nesting", {**lock, "Pipfile.lock": _deep_json(100000)}, tj),
        Case("syntax_pipfile_lock_nesting_past_64", {**lock, "Pipfile.lock": _deep_json(80)}, tj),
        Case(
            "syntax_pipfile_lock_huge_integer", {**lock, "Pipfile.lock": f'{{"x": {BIG_INT}}}'}, tj
        ),
        Case("syntax_pipfile_lock_not_utf8", {**lock, "Pipfile.lock": b'{"x": "\xff"}'}, "Unable"),
        Case("syntax_requirements_not_utf8", {"requirements.txt": b"fl\xffask\n"}, "Unable"),
        Case("syntax_procfile_not_utf8", {**REQS, "Procfile": b"web: gunicorn \xff\n"}, "Unable"),
        Case("syntax_python_version_not_utf8", {**REQS, ".python-version": b"3.1\xff\n"}, "Unable"),
    ]
    return cases


def _version() -> list[Case]:
    pv, ip = "Invalid Python version in .python-version", "Invalid Python version"
    return [
        Case("version_file_5000_digits", {**REQS, ".python-version": BIG_INT + "\n"}, pv),
        Case("version_file_minor_5000_digits", {**REQS, ".python-version": f"3.{BIG_INT}"}, pv),
        Case("version_file_words", {**REQS, ".python-version": "latest please\n"}, pv),
        Case("version_file_zero_width", {**REQS, ".python-version": "3.12\u200b\n"}, pv),
        Case("version_file_10mb_line", {**REQS, ".python-version": "3" * 10_000_000}, pv),
        Case(
            "version_runtime_txt_5000_digits",
            {**REQS, "runtime.txt": f"python-{BIG_INT}.1\n"},
            "Invalid Python version in runtime.txt",
        ),
        Case("version_env_5000_digits", REQS, ip, {"BP_CPYTHON_VERSION": BIG_INT}),
        Case("version_env_constraint_5000", REQS, ip, {"PYTHON_VERSION": f">={BIG_INT}"}),
        Case("version_env_caret_garbage", REQS, ip, {"BP_CPYTHON_VERSION": "^^3..12"}),
        Case("version_env_tilde_garbage", REQS, ip, {"BP_CPYTHON_VERSION": "~x"}),
        Case(
            "version_pyproject_5000_digits",
            {"pyproject.toml": f'[project]\nname = "a"\nrequires-python = ">={BIG_INT}"\n'},
            ip,
        ),
        Case(
            "version_poetry_caret_empty",
            {
                "pyproject.toml": '[tool.poetry]\nname = "a"\n'
                '[tool.poetry.dependencies]\npython = "^"\n'
            },
            ip,
        ),
        Case(
            "version_uv_lock_garbage",
            {"pyproject.toml": PYPROJECT, "uv.lock": 'version = 1\nrequires-python = ">>3"\n'},
            ip,
        ),
        Case(
            "version_pipfile_lock_garbage",
            {
                "Pipfile": PIPFILE,
                "Pipfile.lock": json.dumps({"_meta": {"requires": {"python_version": "3.x"}}}),
            },
            ip,
        ),
    ]


def _command() -> list[Case]:
    bad = "Invalid start command"
    script = "The start script"
    procfile = {
        "unbalanced_double_quote": 'web: gunicorn "app:app\n',
        "unbalanced_single_quote": "web: gunicorn 'app:app\n",
        "trailing_backslash": "web: gunicorn app:app \\\n",
        "nul_byte": "web: gunicorn app\0:app\n",
        "empty_quotes": "web: ''\n",
        "shell_syntax_error": "web: gunicorn app:app && (\n",
        "shell_unclosed_subshell": "web: $(gunicorn app:app\n",
        "worker_unbalanced_quote": 'web: gunicorn app:app\nworker: celery "-A x\n',
    }
    cases = [
        Case(f"command_procfile_{key}", {**REQS, "Procfile": text}, bad)
        for key, text in procfile.items()
    ]
    cases += [
        Case(
            "command_procfile_not_a_process", {**REQS, "Procfile": "gunicorn app\n"}, "Invalid line"
        ),
        Case(
            "command_procfile_duplicate_type",
            {**REQS, "Procfile": "web: a\nweb: b\n"},
            "Invalid line",
        ),
        Case(
            "command_procfile_5mb_command",
            {**REQS, "Procfile": "web: gunicorn " + "a" * 5_000_000 + "\n"},
            bad,
        ),
        Case(
            "command_procfile_100000_processes",
            {**REQS, "Procfile": "".join(f"p{i}: sleep {i} && true\n" for i in range(100_000))},
            bad,
        ),
        Case(
            "command_procfile_python_c_unparsable",
            {**REQS, "Procfile": "web: python -c 'import (' \n"},
            "The start command's Python code does not parse",
        ),
        Case(
            "command_run_command_python_c_unparsable",
            REQS,
            "The start command's Python code does not parse",
            {"RUN_COMMAND": "python3 -c 'def f(:'"},
        ),
        Case("command_run_command_unbalanced", REQS, bad, {"RUN_COMMAND": 'gunicorn "app:app'}),
        Case("command_run_command_nul", REQS, bad, {"RUN_COMMAND": "gunicorn app\0:app"}),
        Case("command_bp_run_command_quotes", REQS, bad, {"BP_RUN_COMMAND": "''"}),
        Case(
            "command_procfile_python_missing_script",
            {**REQS, "Procfile": "web: python missing.py\n"},
            script,
        ),
        Case(
            "command_procfile_python_unparsable",
            {**REQS, "Procfile": "web: python bad.py\n", "bad.py": "def (:\n"},
            script,
        ),
        Case(
            "command_procfile_python3_options_unparsable",
            {**REQS, "Procfile": "web: python3 -u -W ignore bad.py\n", "bad.py": "x = (\n"},
            script,
        ),
        Case(
            "command_procfile_python_workspace_missing",
            {**REQS, "Procfile": "web: python /workspace/nope.py\n"},
            script,
        ),
        Case("command_auto_app_py_unparsable", {**REQS, "app.py": "print('hi'\n"}, script),
        Case("command_auto_main_py_unparsable", {**REQS, "main.py": "if True\n"}, script),
        Case("command_auto_app_py_nul_bytes", {**REQS, "app.py": "x = 1\0\n"}, script),
        Case(
            "command_auto_app_py_200000_terms",
            {**REQS, "app.py": "x = " + "+".join(["1"] * 200_000) + "\n"},
            script,
        ),
        Case(
            "command_auto_app_py_deep_parens",
            {**REQS, "app.py": "x = " + "(" * 5000 + ")" * 5000 + "\n"},
            script,
        ),
        Case(
            "command_auto_app_py_huge_int_literal",
            {**REQS, "app.py": f"x = {'9' * 5000}\n"},
            script,
        ),
        Case(
            "command_procfile_python_script_links_out",
            {**REQS, "Procfile": "web: python run.py\n", "run.py": Link("secret")},
            script,
        ),
    ]
    return cases


def _include() -> list[Case]:
    title = "requirements.txt includes a file outside the app"
    lines = {
        "absolute": "-r /etc/passwd\n",
        "parent_dir": "-r ../outside/secret\n",
        "variable": "-r ${HOME}/requirements.txt\n",
        "constraint_absolute": "-c /etc/hostname\n",
        "long_option_equals": "--requirement=/etc/passwd\n",
        "dotdot_inside_path": "-r sub/../../outside/secret\n",
        "home_tilde": "-r ~/requirements.txt\n",
        "binding_netrc": "-r /platform/bindings/netrc/netrc\n",
    }
    cases = [
        Case(f"include_{key}", {"requirements.txt": "flask\n" + line}, title)
        for key, line in lines.items()
    ]
    cases.append(
        Case(
            "include_link_out_of_the_app",
            {"requirements.txt": "-r more.txt\n", "more.txt": Link("secret")},
            "requirements.txt includes a file outside the app",
        )
    )
    cases.append(
        Case(
            "include_nested_file_escapes",
            {"requirements.txt": "-r a/base.txt\n", "a/base.txt": "-r ../../x.txt\n"},
            "a/base.txt includes a file outside the app",
        )
    )
    return cases


FORBIDDEN_SAMPLE = (
    "PIP_TARGET",
    "PIP_USER",
    "PIP_CACHE_DIR",
    "PYTHONHOME",
    "PYTHONINSPECT",
    "PYTHONPLATLIBDIR",
    "PYTHONNOUSERSITE",
    "VIRTUAL_ENV",
    "UV_PROJECT",
    "UV_PROJECT_ENVIRONMENT",
    "UV_PYTHON",
    "UV_SYSTEM_PYTHON",
    "POETRY_VIRTUALENVS_IN_PROJECT",
    "POETRY_HOME",
    "PIPENV_VENV_IN_PROJECT",
)


def _env() -> list[Case]:
    cases = [
        Case(f"env_forbidden_{name.lower()}", REQS, "Unsafe environment variables", {name: "1"})
        for name in FORBIDDEN_SAMPLE
    ]
    cases += [
        Case(
            "env_package_manager_unknown",
            REQS,
            "Invalid value",
            {"BP_PYTHON_PACKAGE_MANAGER": "conda"},
        ),
        Case(
            "env_entrypoint_check_unknown",
            REQS,
            "Invalid value",
            {"BP_PYTHON_ENTRYPOINT_CHECK": "maybe"},
        ),
        Case(
            "env_mirror_not_https",
            REQS,
            "Invalid value",
            {"BP_DEPENDENCY_MIRROR": "ftp://m.test/x"},
        ),
        Case("env_pip_version_garbage", REQS, "Invalid value", {"BP_PIP_VERSION": "latest"}),
    ]
    return cases


CASES: list[Case] = (
    _special_cases() + _types() + _syntax() + _version() + _command() + _include() + _env()
)
