"""Layer reuse: restored metadata compared field by field with what this build needs.

Every reason is reported, not just the first, so a log never blames the wrong change.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def reasons_to_rebuild(
    restored: dict[str, Any] | None, wanted: M, labels: dict[str, str] | None = None
) -> list[str]:
    """Empty when the restored layer can be reused as it is."""
    if restored is None:
        return ["there is no cached layer"]
    try:
        old = type(wanted).model_validate(restored)
    except ValidationError:
        return ["the cached layer was written by another version of the buildpack"]
    names = labels or {}
    reasons = []
    for field in type(wanted).model_fields:
        before, after = getattr(old, field), getattr(wanted, field)
        if before != after:
            label = names.get(field, field.replace("_", " "))
            reasons.append(f"{label} changed from {before} to {after}")
    return reasons
