"""Fixtures for bridge tests: a running FakeMinecraft (real RCON on a loopback port)."""

import pytest
from fake_minecraft import FakeMinecraft  # tests/bridge is on sys.path (pytest's rootdir-less import mode)


@pytest.fixture
def fake_minecraft():
    """A started FakeMinecraft, password "pw", stopped after the test."""
    with FakeMinecraft() as server:
        yield server
