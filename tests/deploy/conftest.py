"""Skip the deploy checks cleanly only when a tool truly is not installed."""

from __future__ import annotations

import pytest

from .rendering import INSTALL_HINT, tool


@pytest.fixture(scope="session")
def helm_binary() -> str:
    binary = tool("helm")
    if binary is None:
        pytest.skip(f"helm not installed: {INSTALL_HINT}")
    return binary


@pytest.fixture(scope="session")
def promtool_binary() -> str:
    binary = tool("promtool")
    if binary is None:
        pytest.skip(f"promtool not installed: {INSTALL_HINT}")
    return binary
