"""Shared fixtures. Tests that need the real source data use ``shared_data``,
which skips with a clear reason when ``../shared/data`` is absent (a user's
fresh clone); CI always has it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("NBX11_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ``../shared/data``; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"source data not found at {SHARED_DATA} (set NBX11_SHARED_DATA); CI has it")
    return SHARED_DATA
