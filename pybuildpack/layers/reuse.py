"""Reuse a restored layer, or empty it and say every reason why not."""

from __future__ import annotations

from pydantic import BaseModel

from pybuildpack.cnb.layers import Layer
from pybuildpack.cnb.reuse import reasons_to_rebuild
from pybuildpack.log import Logger


def reuse_or_reset(
    layer: Layer,
    wanted: BaseModel,
    what: str,
    log: Logger,
    labels: dict[str, str] | None = None,
) -> bool:
    """True when the restored layer is kept as it is; otherwise it is left empty."""
    restored = layer.restored_metadata()
    reasons = reasons_to_rebuild(restored, wanted, labels)
    if not reasons:
        log.detail(f"Reusing cached {what}")
        return True
    if restored is not None:
        log.detail(f"Discarding cached {what} because:")
        for reason in reasons:
            log.subdetail(f"- {reason}")
    layer.reset()
    return False
