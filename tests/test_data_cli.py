"""python -m psn.data: where, and a clean error instead of a traceback."""

from psn.data.__main__ import main


def test_where_names_files_and_folder(capsys):
    assert main(["where", "fashion_mnist", "--raw-dir", "data/raw"]) == 0
    out = capsys.readouterr().out
    assert "train-images-idx3-ubyte.gz" in out and "data/raw/fashion_mnist" in out
    assert "/usr/share/datasets/fashion-mnist" in out


def test_prepare_before_fetch_exits_1(tmp_path, capsys):
    assert main(["prepare", "mnist", "--raw-dir", str(tmp_path), "--out", str(tmp_path / "m.npz")]) == 1
    assert "fetch mnist" in capsys.readouterr().err
