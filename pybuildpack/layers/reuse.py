"""Reuse a restored layer, or empty it and say every reason why not."""

from __future__ import annotations

from enum import Enum

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


class Found(Enum):
    """What a launch layer's reuse check found."""

    RESTORED = "restored"  # content restored from the cache, metadata as wanted
    IN_IMAGE = "in-image"  # metadata as wanted; the content is in the previous image only
    NOTHING = "nothing"  # to be made: the layer is empty (reasons logged)


def find_launch_layer(
    layer: Layer,
    wanted: BaseModel,
    what: str,
    log: Logger,
    labels: dict[str, str] | None = None,
) -> Found:
    """A launch layer may come back restored (it was cached) or as metadata only (it was
    launch-only: kept in the previous image). NOTHING leaves it empty, reasons logged."""
    restored = layer.restored_metadata()
    if restored is None:
        previous = layer.previous_metadata()
        if previous is not None and not reasons_to_rebuild(previous, wanted, labels):
            return Found.IN_IMAGE
        restored = previous
    reasons = reasons_to_rebuild(restored, wanted, labels)
    if not reasons:
        log.detail(f"Reusing cached {what}")
        return Found.RESTORED
    if restored is not None:
        log.detail(f"Discarding cached {what} because:")
        for reason in reasons:
            log.subdetail(f"- {reason}")
    layer.reset()
    return Found.NOTHING
