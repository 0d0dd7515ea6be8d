"""fetch_dataset on fakes in the real formats: local folders, a local HTTP mirror, and every
way a copy can be bad. Expected hashes are the fakes' own, injected with spec.override, so the
real verification path runs."""

import hashlib
import json

import pytest

import datafakes as fk
from psn.data import DATASETS, FetchError, Source, fetch_dataset, where_to_put

N_TRAIN, N_TEST = 30, 10


def leftovers(folder):
    """Temporary or partial files left in a folder."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".part")


@pytest.fixture
def mnist():
    arrays, files, hashes = fk.mnist_files(N_TRAIN, N_TEST)
    spec = DATASETS["mnist"].override(n_train=N_TRAIN, n_test=N_TEST, sha256=hashes, mirrors=[])
    return spec, files, hashes


def test_manual_dir_then_idempotent(tmp_path, mnist):
    spec, files, hashes = mnist
    manual = fk.write_files(tmp_path / "manual", files)
    logs = []
    path = fetch_dataset("mnist", tmp_path / "raw", manual_dirs=[manual], spec=spec, log=logs.append)
    assert path == tmp_path / "raw" / "mnist" / "manifest.json"
    manifest = json.loads(path.read_text())
    for name, data in files.items():
        rec = manifest["files"][name]
        assert (tmp_path / "raw" / "mnist" / name).read_bytes() == data
        assert rec["source"] == str(manual / name)
        assert rec["sha256"] == hashlib.sha256(data).hexdigest() and rec["bytes"] == len(data)
        (part,) = rec["parts"].values()
        assert part["sha256"] in hashes.values() and part["hash_published"]
    assert leftovers(tmp_path / "raw" / "mnist") == []

    logs.clear()
    (manual / "train-images-idx3-ubyte.gz").unlink()  # not needed again
    fetch_dataset("mnist", tmp_path / "raw", manual_dirs=[manual], spec=spec, log=logs.append)
    assert len(logs) == 1 and "already fetched" in logs[0]


def test_system_dir_is_used_before_network(tmp_path):
    _, files, hashes = fk.mnist_files(N_TRAIN, N_TEST)
    system = fk.write_files(tmp_path / "usr-share", files)
    spec = DATASETS["fashion_mnist"].override(
        n_train=N_TRAIN, n_test=N_TEST, sha256=hashes, mirrors=["http://127.0.0.1:9/never/"],
        system_dirs=[str(system)],
    )
    manifest = fetch_dataset("fashion_mnist", tmp_path / "raw", spec=spec, log=lambda m: None)
    recs = json.loads(manifest.read_text())["files"]
    assert {r["source"] for r in recs.values()} == {str(system / n) for n in files}


def test_first_mirror_404_second_serves(tmp_path, mnist):
    spec, files, _ = mnist
    routes = {f"/b/{n}": d for n, d in files.items()}
    logs = []
    with fk.LocalServer(routes) as srv:
        fetch_dataset("mnist", tmp_path / "raw", mirrors=[srv.url("/a/"), srv.url("/b/")],
                      spec=spec, log=logs.append, timeout=5)
        assert sum(h.startswith("/a/") for h in srv.hits) == 4
    recs = json.loads((tmp_path / "raw/mnist/manifest.json").read_text())["files"]
    assert all(r["source"].startswith(srv.url("/b/")) for r in recs.values())
    assert any("HTTP 404" in m for m in logs)
    assert any("%" in m for m in logs)  # download progress
    assert leftovers(tmp_path / "raw" / "mnist") == []


def test_wrong_content_hash_rejected_and_nothing_left(tmp_path, mnist):
    spec, files, hashes = mnist
    bad = dict(hashes, train_labels="0" * 64)
    spec = spec.override(sha256=bad)
    with fk.LocalServer({f"/m/{n}": d for n, d in files.items()}) as srv:
        with pytest.raises(FetchError) as err:
            fetch_dataset("mnist", tmp_path / "raw", mirrors=[srv.url("/m/")], spec=spec,
                          log=lambda m: None, timeout=5)
    assert "content SHA-256 mismatch" in str(err.value)
    folder = tmp_path / "raw" / "mnist"
    assert not (folder / "train-labels-idx1-ubyte.gz").exists()
    assert not (folder / "manifest.json").exists()
    assert leftovers(folder) == []


def test_interrupted_download_tries_next_mirror(tmp_path, mnist):
    spec, files, _ = mnist
    name = "train-images-idx3-ubyte.gz"
    routes = {f"/{m}/{n}": d for n, d in files.items() for m in ("cut", "ok")}
    with fk.LocalServer(routes, truncate={f"/cut/{name}"}) as srv:
        logs = []
        fetch_dataset("mnist", tmp_path / "raw", mirrors=[srv.url("/cut/"), srv.url("/ok/")],
                      spec=spec, log=logs.append, timeout=5)
    assert any("connection closed after" in m for m in logs)
    assert (tmp_path / "raw/mnist" / name).read_bytes() == files[name]
    assert leftovers(tmp_path / "raw" / "mnist") == []


def test_interrupted_download_only_mirror_is_a_clear_error(tmp_path, mnist):
    spec, files, _ = mnist
    name = "train-images-idx3-ubyte.gz"
    with fk.LocalServer({f"/cut/{name}": files[name]}, truncate={f"/cut/{name}"}) as srv:
        with pytest.raises(FetchError, match="connection closed after"):
            fetch_dataset("mnist", tmp_path / "raw", mirrors=[srv.url("/cut/")], spec=spec,
                          log=lambda m: None, timeout=5)
    folder = tmp_path / "raw" / "mnist"
    assert not (folder / name).exists() and leftovers(folder) == []


def test_truncated_local_file_is_rejected(tmp_path, mnist):
    spec, files, _ = mnist
    name = "t10k-images-idx3-ubyte.gz"
    manual = fk.write_files(tmp_path / "manual", {**files, name: files[name][: len(files[name]) // 2]})
    with pytest.raises(FetchError) as err:
        fetch_dataset("mnist", tmp_path / "raw", manual_dirs=[manual], spec=spec, log=lambda m: None)
    assert f"{name}" in str(err.value) and "gzip" in str(err.value)
    assert not (tmp_path / "raw/mnist" / name).exists()


def test_all_failed_message_lists_every_place(tmp_path, mnist):
    spec, _, _ = mnist
    with fk.LocalServer({}) as srv:
        with pytest.raises(FetchError) as err:
            fetch_dataset("mnist", tmp_path / "raw", manual_dirs=[tmp_path / "hand"],
                          mirrors=[srv.url("/x/"), srv.url("/y/")], spec=spec,
                          log=lambda m: None, timeout=5)
    msg = str(err.value)
    first = msg.splitlines()[0]
    assert first.startswith("could not obtain mnist: no verified copy of 4 of 4 raw file(s)")
    for name in fk.MNIST_NAMES.values():
        for place in (tmp_path / "raw/mnist" / name, tmp_path / "hand" / name,
                      tmp_path / "hand/mnist" / name):
            assert f"- {place}: not found" in msg
        for mirror in ("/x/", "/y/"):
            assert f"- {srv.url(mirror)}{name}: HTTP 404" in msg
    assert f"into {tmp_path / 'hand'} or {tmp_path / 'raw' / 'mnist'}" in msg
    assert set(err.value.attempts) == set(fk.MNIST_NAMES.values())


def test_content_unknown_uses_archive_hash_on_download(tmp_path):
    data, _, _ = fk.emnist_zip(n_train=47, n_test=47)
    base = DATASETS["emnist_balanced"].override(n_train=47, n_test=47)
    good = base.override(archive_sha256={"gzip.zip": hashlib.sha256(data).hexdigest()})
    wrong = base.override(archive_sha256={"gzip.zip": "f" * 64})
    with fk.LocalServer({"/e/gzip.zip": data}) as srv:
        with pytest.raises(FetchError, match="archive SHA-256 mismatch"):
            fetch_dataset("emnist_balanced", tmp_path / "raw", mirrors=[srv.url("/e/")],
                          spec=wrong, log=lambda m: None, timeout=5)
        assert leftovers(tmp_path / "raw" / "emnist_balanced") == []
        logs = []
        manifest = fetch_dataset("emnist_balanced", tmp_path / "raw", mirrors=[srv.url("/e/")],
                                 spec=good, log=logs.append, timeout=5)
    rec = json.loads(manifest.read_text())["files"]["gzip.zip"]
    assert rec["verified_by"] == "archive SHA-256 (published) and structure"
    assert not any("structure only" in m for m in logs)


def test_hand_placed_without_content_hash_says_structure_only(tmp_path):
    data, _, _ = fk.emnist_zip(n_train=47, n_test=47)
    spec = DATASETS["emnist_balanced"].override(n_train=47, n_test=47, mirrors=[])
    manual = fk.write_files(tmp_path / "hand", {"gzip.zip": data})
    logs = []
    fetch_dataset("emnist_balanced", tmp_path / "raw", manual_dirs=[manual], spec=spec, log=logs.append)
    notes = [m for m in logs if "structure only" in m]
    assert len(notes) == 1 and "no published hash" in notes[0]


def test_wrong_shape_rejected(tmp_path):
    data, _, _ = fk.emnist_zip(n_train=47, n_test=47)
    spec = DATASETS["emnist_balanced"].override(n_train=48, n_test=47, mirrors=[])
    manual = fk.write_files(tmp_path / "hand", {"gzip.zip": data})
    with pytest.raises(FetchError, match=r"shape \(47, 28, 28\), expected \(48, 28, 28\)"):
        fetch_dataset("emnist_balanced", tmp_path / "raw", manual_dirs=[manual], spec=spec,
                      log=lambda m: None)


def test_covtype_from_a_zip_member_source(tmp_path):
    import io
    import zipfile

    table = fk.covtype_table(400)
    data, digest = fk.covtype_gz(table)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("covtype.info", "about")
        zf.writestr("covtype.data.gz", data)
    spec = DATASETS["forest_cover"]
    with fk.LocalServer({"/static/covertype.zip": buf.getvalue()}) as srv:
        spec = spec.override(
            n_train=320, n_test=80, sha256={"table": digest}, mirrors=[srv.url("/none/")],
            extra_sources={"covtype.data.gz": [Source(srv.url("/static/covertype.zip"), member="covtype.data.gz")]},
        )
        manifest = fetch_dataset("forest_cover", tmp_path / "raw", spec=spec, log=lambda m: None, timeout=5)
    assert (tmp_path / "raw/forest_cover/covtype.data.gz").read_bytes() == data
    assert "member covtype.data.gz" in json.loads(manifest.read_text())["files"]["covtype.data.gz"]["source"]
    assert leftovers(tmp_path / "raw" / "forest_cover") == []


def test_registry_shape_and_sources():
    assert {n: s.input_dim for n, s in DATASETS.items()} == {
        "mnist": 784, "fashion_mnist": 784, "emnist_balanced": 784, "forest_cover": 54}
    assert DATASETS["forest_cover"].n_train + DATASETS["forest_cover"].n_test == 581_012
    for spec in DATASETS.values():
        for raw in spec.files:
            urls = [s.url for s in spec.sources(raw)]
            assert len(urls) >= 2
            assert sum(u.startswith("https://") for u in urls) >= 2
            for part in raw.parts:
                assert part.sha256 is None or len(part.sha256) == 64
    assert "/usr/share/datasets/fashion-mnist" in DATASETS["fashion_mnist"].system_dirs
    text = where_to_put("forest_cover", "data/raw")
    assert "covtype.data.gz" in text and "data/raw/forest_cover" in text


def test_changed_file_after_fetch_is_fetched_again(tmp_path, mnist):
    spec, files, _ = mnist
    manual = fk.write_files(tmp_path / "manual", files)
    fetch_dataset("mnist", tmp_path / "raw", manual_dirs=[manual], spec=spec, log=lambda m: None)
    target = tmp_path / "raw/mnist/t10k-labels-idx1-ubyte.gz"
    target.write_bytes(b"damaged")
    logs = []
    fetch_dataset("mnist", tmp_path / "raw", manual_dirs=[manual], spec=spec, log=logs.append)
    assert target.read_bytes() == files[target.name]
    assert not any("already fetched" in m for m in logs)
