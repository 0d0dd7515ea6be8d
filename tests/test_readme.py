"""The README's examples run, print what the README says they print, and its commands are
the ones the tests and CI run."""

import contextlib
import io
import re

import pytest

BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def _blocks(repo, lang):
    return [code for kind, code in BLOCK.findall((repo / "README.md").read_text()) if kind == lang]


def _expected_prints(code):
    """'print(x)   # 248 13 0.81' -> the comment is what the line prints."""
    return [line.split("#", 1)[1].strip() for line in code.splitlines()
            if line.startswith("print(") and "#" in line]


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_python_examples_print_what_they_say(repo, index):
    code = _blocks(repo, "python")[index]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"README python block {index}", "exec"), {})
    assert out.getvalue().splitlines() == _expected_prints(code)


def test_readme_names_the_two_commands_ci_runs(repo):
    bash = "\n".join(_blocks(repo, "bash"))
    assert "bash scripts/setup.sh && .venv/bin/snakemake --cores all --configfile presets/quick.yaml" in bash
    assert "bash scripts/setup.sh && .venv/bin/python -m pytest -q" in bash
    ci = (repo / ".ci" / "run").read_text()
    assert "bash scripts/setup.sh" in ci and ".venv/bin/python -m pytest -q" in ci


def test_readme_presets_and_paths_exist(repo):
    text = (repo / "README.md").read_text()
    for preset in re.findall(r"presets/[\w.]+\.yaml", text):
        assert (repo / preset).is_file(), preset
    for path in re.findall(r"`((?:profiles|envs|src/psn/schemas)/[\w./]+)`", text):
        assert (repo / path).exists(), path
