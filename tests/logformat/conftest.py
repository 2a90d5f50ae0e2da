from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "paper-reading-log-2024.md"


@pytest.fixture(scope="session")
def sample_bytes():
    return SAMPLE.read_bytes()
