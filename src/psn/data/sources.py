"""The dataset registry: what each data set is, which raw files make it, where they live, and
the hashes that say a copy is the real one.

Hashes are of the DECODED content (the decompressed IDX or CSV bytes), because the same data
circulates recompressed (Debian's Fashion-MNIST .gz files differ from Zalando's, byte for
byte, yet decompress to the same IDX files). Where no hash of the decoded content is
published, the archive's published hash is kept instead: it is checked on network downloads
only (every mirror serves the same archive bytes), and a hand-placed copy is verified by its
structure (magic numbers, shapes, label range). No hash here was made up; each says where it
came from.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Mapping, Sequence

# Formats a raw file can have (readers in psn.data.formats).
IDX_GZ = "idx.gz"  # one gzipped IDX file
ZIP_IDX_GZ = "zip/idx.gz"  # a zip of gzipped IDX files (EMNIST's gzip.zip)
CSV_GZ = "csv.gz"  # gzipped comma-separated integers (UCI covtype.data.gz)

# Roles of the decoded arrays; prepare.py turns them into x_train/y_train/x_test/y_test.
TRAIN_IMAGES, TRAIN_LABELS = "train_images", "train_labels"
TEST_IMAGES, TEST_LABELS = "test_images", "test_labels"
TABLE = "table"  # features and class in one table, split by psn.data.prepare


@dataclass(frozen=True)
class Part:
    """One decoded array inside a raw file."""

    role: str
    split: str  # "train", "test" or "all": which count gives the first dimension
    item_shape: tuple[int, ...]  # shape of one row: (28, 28) images, () labels, (55,) table
    sha256: str | None  # SHA-256 of the decompressed bytes; None = no published value
    member: str | None = None  # path inside a zip raw file; None = the raw file itself


@dataclass(frozen=True)
class Source:
    """One network location of a raw file."""

    url: str
    member: str | None = None  # the raw file is this member of the zip served at `url`
    sha256: str | None = None  # published hash of the bytes served (archive bytes)
    md5: str | None = None


@dataclass(frozen=True)
class RawFile:
    """A file as distributed, stored under its original name in ``raw_dir/<dataset>/``."""

    name: str
    format: str
    parts: tuple[Part, ...]
    # Published hash of the file's own bytes as the original distributor serves it; checked
    # on downloads from the `mirrors` (identical archive bytes on every mirror).
    archive_sha256: str | None = None
    archive_md5: str | None = None
    extra_sources: tuple[Source, ...] = ()  # locations not of the form mirror + name

    @property
    def content_known(self) -> bool:
        return all(p.sha256 is not None for p in self.parts)


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    input_dim: int  # features per example after flattening; config validation caps S_max by it
    n_classes: int
    n_train: int
    n_test: int
    files: tuple[RawFile, ...]
    mirrors: tuple[str, ...]  # URL prefixes, tried in turn; the raw file's name is appended
    manual_hint: str  # where a user gets the files by hand
    system_dirs: tuple[str, ...] = ()  # folders an OS package installs the raw files into
    transposed: bool = False  # images stored column-major (EMNIST): transpose to put upright
    homepage: str = ""

    def sources(self, raw: RawFile) -> tuple[Source, ...]:
        """Every network location of `raw`, in the order they are tried."""
        own = tuple(
            Source(base + raw.name, sha256=raw.archive_sha256, md5=raw.archive_md5)
            for base in self.mirrors
        )
        return own + raw.extra_sources

    def n_rows(self, split: str) -> int:
        return {"train": self.n_train, "test": self.n_test}.get(split, self.n_train + self.n_test)

    def part_shape(self, part: Part) -> tuple[int, ...]:
        return (self.n_rows(part.split), *part.item_shape)

    def override(
        self,
        *,
        n_train: int | None = None,
        n_test: int | None = None,
        sha256: Mapping[str, str | None] | None = None,
        archive_sha256: Mapping[str, str | None] | None = None,
        mirrors: Sequence[str] | None = None,
        extra_sources: Mapping[str, Sequence[Source]] | None = None,
        system_dirs: Sequence[str] | None = None,
    ) -> DatasetSpec:
        """A copy with other counts, hashes (`sha256` by part role, `archive_sha256` by file
        name) or places. Tests use it to run the real verification on small fakes; with
        `mirrors` given, the registry's extra sources are dropped unless `extra_sources`
        names new ones."""
        sha256 = dict(sha256 or {})
        archive = dict(archive_sha256 or {})
        files = []
        for raw in self.files:
            parts = tuple(
                dataclasses.replace(p, sha256=sha256[p.role]) if p.role in sha256 else p
                for p in raw.parts
            )
            changes: dict = {"parts": parts}
            if raw.name in archive:
                changes.update(archive_sha256=archive[raw.name], archive_md5=None)
            if mirrors is not None or extra_sources is not None:
                changes["extra_sources"] = tuple((extra_sources or {}).get(raw.name, ()))
            files.append(dataclasses.replace(raw, **changes))
        return dataclasses.replace(
            self,
            files=tuple(files),
            n_train=self.n_train if n_train is None else n_train,
            n_test=self.n_test if n_test is None else n_test,
            mirrors=self.mirrors if mirrors is None else tuple(mirrors),
            system_dirs=self.system_dirs if system_dirs is None else tuple(system_dirs),
        )


def _idx_files(
    prefix: str, train: str, test: str, sha256: Mapping[str, str | None], archive: Mapping
) -> tuple[RawFile, ...]:
    """The four MNIST-layout files: {train,test} x {images-idx3, labels-idx1}, gzipped."""
    layout = [
        (TRAIN_IMAGES, "train", f"{prefix}{train}-images-idx3-ubyte", (28, 28)),
        (TRAIN_LABELS, "train", f"{prefix}{train}-labels-idx1-ubyte", ()),
        (TEST_IMAGES, "test", f"{prefix}{test}-images-idx3-ubyte", (28, 28)),
        (TEST_LABELS, "test", f"{prefix}{test}-labels-idx1-ubyte", ()),
    ]
    return tuple(
        RawFile(
            name=stem + ".gz",
            format=IDX_GZ,
            parts=(Part(role, split, shape, sha256[role]),),
            archive_sha256=archive.get(role, (None, None))[0],
            archive_md5=archive.get(role, (None, None))[1],
        )
        for role, split, stem, shape in layout
    )


# MNIST. Decoded-content SHA-256s: published in several independent public repositories
# (e.g. download scripts that check the cvdf archive and then its decompressed file), all
# agreeing. Archive SHA-256s: the same files pinned by many projects (TensorFlow's nix
# package, guild.ai's mnist package); MD5s: torchvision's datasets/mnist.py.
MNIST = DatasetSpec(
    name="mnist",
    input_dim=784,
    n_classes=10,
    n_train=60_000,
    n_test=10_000,
    files=_idx_files(
        "",
        "train",
        "t10k",
        sha256={
            TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        },
        archive={
            TRAIN_IMAGES: (
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            ),
            TRAIN_LABELS: (
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                "d53e105ee54ea40749a09fcbcd1e9432",
            ),
            TEST_IMAGES: (
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                "9fb629c4189551a2d022fa330f9573f3",
            ),
            TEST_LABELS: (
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                "ec29112dd5afa0611ce80d1b7f02629c",
            ),
        },
    ),
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",  # PyTorch's mirror
        "https://storage.googleapis.com/cvdf-datasets/mnist/",  # TensorFlow's mirror
        "https://yann.lecun.com/exdb/mnist/",  # the original; often refuses robots now
    ),
    manual_hint="the four *-ubyte.gz files from https://yann.lecun.com/exdb/mnist/ "
    "(or any MNIST mirror)",
    homepage="https://yann.lecun.com/exdb/mnist/",
)

# Fashion-MNIST. Decoded-content SHA-256s: computed here from Debian's dataset-fashion-mnist
# files (/usr/share/datasets/fashion-mnist), and the same values are published by other
# projects for Zalando's own archives. Archive MD5s: Zalando's README / torchvision; they do
# NOT match Debian's recompressed .gz files, which is why only decoded content is compared
# when it is known.
FASHION_MNIST = DatasetSpec(
    name="fashion_mnist",
    input_dim=784,
    n_classes=10,
    n_train=60_000,
    n_test=10_000,
    files=_idx_files(
        "",
        "train",
        "t10k",
        sha256={
            TRAIN_IMAGES: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            TRAIN_LABELS: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            TEST_IMAGES: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            TEST_LABELS: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        },
        archive={
            TRAIN_IMAGES: (None, "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            TRAIN_LABELS: (None, "25c81989df183df01b3e8a0aad5dffbe"),
            TEST_IMAGES: (None, "bef4ecab320f06d8554ea6380940ec79"),
            TEST_LABELS: (None, "bb300cfdad3c16e7a12a480ee83cd310"),
        },
    ),
    mirrors=(
        # Zalando's bucket over HTTPS (its REST endpoint; the website endpoint is HTTP only).
        "https://fashion-mnist.s3.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        # The address Zalando documents; plain HTTP, acceptable because content is hash-checked.
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
    system_dirs=("/usr/share/datasets/fashion-mnist",),  # Debian: dataset-fashion-mnist
    manual_hint="the four *-ubyte.gz files from https://github.com/zalandoresearch/fashion-mnist "
    "(data/fashion/), or `apt install dataset-fashion-mnist` on Debian/Ubuntu",
    homepage="https://github.com/zalandoresearch/fashion-mnist",
)

# EMNIST Balanced (47 classes), read from NIST's gzip.zip without extracting it. No SHA-256 of
# the decompressed balanced files is published that we could find: content hashes are unknown
# (None). The zip's MD5 is torchvision's (datasets/mnist.py, class EMNIST); it is checked on
# downloads, and a hand-placed gzip.zip is verified by structure.
_EMNIST_MEMBER = "gzip/emnist-balanced-{}-ubyte.gz"
EMNIST_BALANCED = DatasetSpec(
    name="emnist_balanced",
    input_dim=784,
    n_classes=47,
    n_train=112_800,
    n_test=18_800,
    files=(
        RawFile(
            name="gzip.zip",
            format=ZIP_IDX_GZ,
            parts=(
                Part(TRAIN_IMAGES, "train", (28, 28), None, _EMNIST_MEMBER.format("train-images-idx3")),
                Part(TRAIN_LABELS, "train", (), None, _EMNIST_MEMBER.format("train-labels-idx1")),
                Part(TEST_IMAGES, "test", (28, 28), None, _EMNIST_MEMBER.format("test-images-idx3")),
                Part(TEST_LABELS, "test", (), None, _EMNIST_MEMBER.format("test-labels-idx1")),
            ),
            archive_md5="58c8d27c78d21e728a6bc7b3cc06412e",
        ),
    ),
    mirrors=(
        "https://biometrics.nist.gov/cs_links/EMNIST/",
        "https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/",
    ),
    transposed=True,
    manual_hint="gzip.zip (about 560 MB, the 'Binary format as the original MNIST dataset' "
    "download) from https://www.nist.gov/itl/products-and-services/emnist-dataset",
    homepage="https://www.nist.gov/itl/products-and-services/emnist-dataset",
)

# Forest Cover Type (UCI covtype): 581,012 rows of 54 integer features and the class (1..7).
# No hash of the decompressed CSV is published that we could find: content hash unknown.
# The figshare copy's archive SHA-256 is scikit-learn's (sklearn/datasets/_covtype.py);
# whether UCI serves byte-identical .gz bytes is not documented, so UCI downloads are
# verified by structure only.
FOREST_COVER = DatasetSpec(
    name="forest_cover",
    input_dim=54,
    n_classes=7,
    # The paper's seeded 80/20 split (see psn.data.prepare.stratified_test_counts).
    n_train=464_809,
    n_test=116_203,
    files=(
        RawFile(
            name="covtype.data.gz",
            format=CSV_GZ,
            parts=(Part(TABLE, "all", (55,), None),),
            extra_sources=(
                Source(
                    "https://archive.ics.uci.edu/static/public/31/covertype.zip",
                    member="covtype.data.gz",
                ),
                Source(
                    "https://ndownloader.figshare.com/files/5976039",
                    sha256="614360d0257557dd1792834a85a1cdebfadc3c4f30b011d56afee7ffb5b15771",
                ),
            ),
        ),
    ),
    mirrors=("https://archive.ics.uci.edu/ml/machine-learning-databases/covtype/",),
    manual_hint="covtype.data.gz from https://archive.ics.uci.edu/dataset/31/covertype "
    "(inside covertype.zip)",
    homepage="https://archive.ics.uci.edu/dataset/31/covertype",
)

DATASETS: dict[str, DatasetSpec] = {
    s.name: s for s in (MNIST, FASHION_MNIST, EMNIST_BALANCED, FOREST_COVER)
}


def get_spec(name: str) -> DatasetSpec:
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}") from None

