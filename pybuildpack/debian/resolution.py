"""Resolving requested package names through Depends/Pre-Depends, as apt does.

Hand-written on purpose: apt's solver (python-apt) needs libapt and root-owned state, and no
kept pure-Python library resolves Debian relations against an index we verified ourselves;
python-debian (used for the index and the relations) parses but does not resolve.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pybuildpack.debian.index import Package, PackageIndex
from pybuildpack.errors import (
    AmbiguousSystemPackage,
    UnknownSystemPackage,
)

# --- resolution ------------------------------------------------------------------------------


def _lookup(index: PackageIndex, name: str, distro: str) -> str:
    """A real package name for `name` (itself, or the single provider of a virtual name)."""
    if name in index:
        return name
    providers = sorted(index.providers.get(name, ()))
    if len(providers) == 1:
        return providers[0]
    if len(providers) > 1:
        raise AmbiguousSystemPackage(name, providers, distro)
    raise UnknownSystemPackage(name, index.suggestions(name), distro)


def resolve(
    index: PackageIndex,
    requested: Sequence[str],
    present: Iterable[str],
    distro: str = "",
) -> list[Package]:
    """The packages to unpack for `requested`, dependencies included, in a stable order.

    A package in `present` (the target image has it) is skipped with its dependencies,
    unless it was requested by name. Cycles end at packages already chosen.
    """
    have = set(present)
    chosen: dict[str, Package] = {}
    provided: set[str] = set()

    def satisfied(name: str) -> bool:
        return name in have or name in chosen or name in provided

    def visit(name: str, forced: bool) -> None:
        if name in chosen or (not forced and name in have):
            return
        package = index.get(name)
        chosen[name] = package
        for virtual, providers in index.providers.items():
            if name in providers:
                provided.add(virtual)
        for alternatives in package.depends:
            if any(satisfied(alt) for alt in alternatives):
                continue
            pick = None
            for alt in alternatives:
                try:
                    pick = _lookup(index, alt, distro)
                    break
                except (UnknownSystemPackage, AmbiguousSystemPackage):
                    if alt == alternatives[-1]:
                        raise
            if pick is not None and not satisfied(pick):
                visit(pick, forced=False)

    for name in requested:
        visit(_lookup(index, name, distro), forced=True)
    return sorted(chosen.values(), key=lambda p: p.name)
