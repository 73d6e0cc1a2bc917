"""Shared helpers for the normaliser tests."""

from __future__ import annotations

import pytest

from broadcast.normalise import normalise_line


@pytest.fixture
def say():
    """``say(text)`` → the spoken line, lower-cased (case is not what these tests check)."""

    def _say(text: str) -> str:
        return normalise_line(text).lower()

    return _say
