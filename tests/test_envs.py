"""The conda environment for clusters pins exactly what pyproject.toml pins."""

import tomllib

import yaml


def _pins(requirements):
    out = {}
    for req in requirements:
        name, _, version = req.partition("==")
        assert version, f"{req!r} is not pinned with =="
        out[name.strip().lower()] = version.strip()
    return out


def test_conda_env_matches_pyproject(repo):
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((repo / "envs" / "psn.yaml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert _pins(pip_section) == _pins(project["dependencies"])
    assert "python=3.11" in env["dependencies"]


def test_torch_is_pinned_to_the_cpu_wheel_on_disk(repo):
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    assert _pins(project["dependencies"])["torch"] == "2.13.0"
