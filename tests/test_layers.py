"""The package's rooms import downwards only: data and masks know nothing of models, the
engine nothing of analysis, analysis nothing of rendering or the workflow."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "psn"
# a room may import rooms of a lower rank (same rank: only itself)
RANK = {"provenance": 0, "schemas": 0, "names": 0, "data": 1, "masks": 1, "model": 2, "training": 3,
        "analysis": 4, "render": 5, "config": 6, "workflow": 7, "bench": 8, "__init__": 9,
        "__main__": 9}


def _room(parts: tuple[str, ...]) -> str:
    return parts[0].removesuffix(".py")


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "psn":
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == "psn")


MODULES = sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_rooms_import_downwards(path):
    room = _room(path.relative_to(SRC).parts)
    assert room in RANK, f"new room {room!r}: give it a rank in this test"
    for module in _imports(path):
        parts = module.split(".")
        target = parts[1] if len(parts) > 1 else "__init__"
        if target == room:
            continue
        assert RANK[target] < RANK[room], f"{path.relative_to(SRC)} ({room}) imports {module} ({target})"
