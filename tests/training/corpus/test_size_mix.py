"""The size mix of ``sapling dataset build``: how many trees each bucket gets, and its flag."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from typer.testing import CliRunner

from sapling.cli import app
from sapling.errors import DatasetError
from sapling.training.dataset import build_dataset, load_dataset
from sapling.training.dataset.build import DEFAULT_SIZE_MIX, parse_size_mix


def _sizes(root) -> Counter:
    return Counter(e.size for e in load_dataset(root, "all").entries)


def test_default_mix_grows_every_bucket_in_its_share(tmp_path):
    summary = build_dataset(tmp_path / "ds", 40, seed=1, progress=False)
    sizes = _sizes(tmp_path / "ds")
    assert set(sizes) == {"normal", "big", "huge"} and sum(sizes.values()) == 40
    # Drawn for each bucket exactly in its share; a few trees land in another bucket (a mega spruce
    # small enough for normal, a cherry wide enough for huge).
    for size, share in DEFAULT_SIZE_MIX.items():
        assert abs(sizes[size] - 40 * share) <= 3, (size, sizes)
    manifest = json.loads((tmp_path / "ds" / "manifest.json").read_text())
    assert manifest["size_mix"] == DEFAULT_SIZE_MIX and manifest["generator_version"] >= 2
    assert summary.counts["size"] == dict(sizes)
    types = {e.attributes["type"] for e in load_dataset(tmp_path / "ds", "all").entries}
    assert any(t.startswith("big_") for t in types) and any(t.startswith("huge_") for t in types)


def test_a_mix_chooses_the_buckets_and_is_deterministic(tmp_path):
    build_dataset(tmp_path / "a", 12, seed=2, size_mix="normal=0,big=1", progress=False)
    build_dataset(tmp_path / "b", 12, seed=2, size_mix={"big": 1.0}, progress=False)
    a, b = load_dataset(tmp_path / "a", "all"), load_dataset(tmp_path / "b", "all")
    assert _sizes(tmp_path / "a")["big"] >= 10  # a mega spruce may still fit normal
    assert [e.attributes for e in a.entries] == [e.attributes for e in b.entries]
    # Only normal requested: the mix's big and huge shares have nowhere to go.
    build_dataset(tmp_path / "n", 6, seed=2, sizes=["normal"], progress=False)
    assert set(_sizes(tmp_path / "n")) == {"normal"}


@pytest.mark.parametrize("mix,match", [
    ("normal=0.5,tiny=1", "unknown size 'tiny'"),
    ("normal", "reads like"),
    ("big=lots", "must be a number"),
    ("big=-1", "0 or more"),
    ("normal=0,big=0", "no bucket a positive share"),
])
def test_bad_mixes_are_refused(tmp_path, mix, match):
    with pytest.raises(DatasetError, match=match):
        build_dataset(tmp_path / "x", 4, size_mix=mix, progress=False)
    assert not (tmp_path / "x").exists()


def test_a_mix_without_a_requested_size_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="no share to a requested size"):
        build_dataset(tmp_path / "x", 4, sizes=["normal"], size_mix="huge=1", progress=False)


def test_parse_size_mix():
    assert parse_size_mix(None) == DEFAULT_SIZE_MIX
    assert parse_size_mix(" normal=2, huge=1 ") == {"normal": 2.0, "huge": 1.0}


def test_the_cli_flag(tmp_path):
    out = tmp_path / "ds"
    result = CliRunner().invoke(app, ["dataset", "build", "--out", str(out), "--count", "6", "--size-mix", "huge=1"])
    assert result.exit_code == 0, result.output
    assert set(_sizes(out)) == {"huge"}
    bad = CliRunner().invoke(app, ["dataset", "build", "--out", str(tmp_path / "b"), "--count", "2",
                                   "--size-mix", "giant=1"])
    assert bad.exit_code != 0 and "unknown size 'giant'" in bad.output
