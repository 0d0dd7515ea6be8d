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


def _overlay(base: dict, over: dict) -> dict:
    """Snakemake's overlay of a --configfile: nested dicts merged, anything else replaced."""
    out = dict(base)
    for key, value in over.items():
        out[key] = _overlay(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@pytest.fixture(scope="session")
def preset(paper_config_raw):
    """preset(name): presets/<name> merged over config.yaml, as --configfile merges it."""
    def load(name: str) -> dict:
        with open(REPO / "presets" / name) as fh:
            return _overlay(paper_config_raw, yaml.safe_load(fh))
    return load
