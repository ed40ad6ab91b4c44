"""Failures are readable (issue 3 item 10): a requirement that does not exist on PyPI fails
`pack build`, and pack's output carries pybuildpack's error title."""

from __future__ import annotations

from pathlib import Path

import harness


def test_broken_requirements_fail_with_our_title(cfg, scratch: Path) -> None:
    app = harness.copy_app("broken_requirements", scratch)
    result = harness.pack_build(
        app, harness.image_name("broken_requirements"), expect_fail=True, clear_cache=True
    )
    assert result.returncode != 0
    assert "Unable to install dependencies" in result.log, harness.tail(result.log, 80)
    assert "pybuildpack-integration-no-such-package" in result.log
    assert "Traceback (most recent call last)" not in result.log, harness.tail(result.log, 80)
    harness.report(f"broken_requirements: failed as expected in {result.seconds:.1f}s")
