from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def paper_config_raw() -> dict:
    with open(REPO / "config.yaml") as fh:
        return yaml.safe_load(fh)
