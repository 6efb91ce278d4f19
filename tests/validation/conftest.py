from __future__ import annotations

from pathlib import Path

import pytest

DOCUMENTS = Path(__file__).resolve().parent / "documents"


@pytest.fixture
def documents() -> Path:
    return DOCUMENTS
