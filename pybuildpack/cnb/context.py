"""What the lifecycle hands `bin/detect` and `bin/build`: env vars, or legacy positional args."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pybuildpack.cnb.platform import Binding, bindings_root, read_bindings, read_platform_env


@dataclass(frozen=True)
class Target:
    os: str = "linux"
    arch: str = "amd64"
    arch_variant: str = ""
    distro_name: str = ""
    distro_version: str = ""

    @property
    def distro(self) -> str:
        """`debian 12`: compiled layers are keyed on it (C extensions link its libraries)."""
        return f"{self.distro_name} {self.distro_version}".strip()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Target:
        return cls(
            os=env.get("CNB_TARGET_OS") or "linux",
            arch=env.get("CNB_TARGET_ARCH") or "amd64",
            arch_variant=env.get("CNB_TARGET_ARCH_VARIANT", ""),
            distro_name=env.get("CNB_TARGET_DISTRO_NAME", ""),
            distro_version=env.get("CNB_TARGET_DISTRO_VERSION", ""),
        )


@dataclass(frozen=True)
class DetectContext:
    app_dir: Path
    buildpack_dir: Path
    platform_dir: Path
    build_plan_path: Path
    env: Mapping[str, str]  # the process env (already includes platform env under lifecycle)
    platform_env: Mapping[str, str]
    bindings: tuple[Binding, ...]
    target: Target


@dataclass(frozen=True)
class BuildContext:
    app_dir: Path
    buildpack_dir: Path
    platform_dir: Path
    layers_dir: Path
    plan_path: Path
    env: Mapping[str, str]
    platform_env: Mapping[str, str]
    bindings: tuple[Binding, ...]
    target: Target


def _arg(args: Sequence[str], index: int) -> str:
    return args[index] if len(args) > index else ""


def _platform(platform_dir: Path, env: Mapping[str, str]) -> tuple[dict[str, str], list[Binding]]:
    return read_platform_env(platform_dir), read_bindings(bindings_root(platform_dir, env))


def detect_context(
    args: Sequence[str], env: Mapping[str, str], *, cwd: Path, buildpack_dir: Path
) -> DetectContext:
    """Buildpack API 0.10: `CNB_PLATFORM_DIR`, `CNB_BUILD_PLAN_PATH`; else `$1`, `$2`."""
    platform_dir = Path(env.get("CNB_PLATFORM_DIR") or _arg(args, 0) or "/platform")
    plan = Path(env.get("CNB_BUILD_PLAN_PATH") or _arg(args, 1) or "plan.toml")
    platform_env, bindings = _platform(platform_dir, env)
    return DetectContext(
        app_dir=cwd,
        buildpack_dir=Path(env.get("CNB_BUILDPACK_DIR") or buildpack_dir),
        platform_dir=platform_dir,
        build_plan_path=plan,
        env=env,
        platform_env=platform_env,
        bindings=tuple(bindings),
        target=Target.from_env(env),
    )


def build_context(
    args: Sequence[str], env: Mapping[str, str], *, cwd: Path, buildpack_dir: Path
) -> BuildContext:
    """Buildpack API 0.10: CNB_LAYERS_DIR, CNB_PLATFORM_DIR, CNB_BP_PLAN_PATH; else $1..$3."""
    layers = Path(env.get("CNB_LAYERS_DIR") or _arg(args, 0) or "/layers")
    platform_dir = Path(env.get("CNB_PLATFORM_DIR") or _arg(args, 1) or "/platform")
    plan = Path(env.get("CNB_BP_PLAN_PATH") or _arg(args, 2) or "plan.toml")
    platform_env, bindings = _platform(platform_dir, env)
    return BuildContext(
        app_dir=cwd,
        buildpack_dir=Path(env.get("CNB_BUILDPACK_DIR") or buildpack_dir),
        platform_dir=platform_dir,
        layers_dir=layers,
        plan_path=plan,
        env=env,
        platform_env=platform_env,
        bindings=tuple(bindings),
        target=Target.from_env(env),
    )
