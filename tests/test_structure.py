import numpy as np
import pytest

from sapling.blocks import BlockVocab
from sapling.errors import BlockError, StructureError
from sapling.structure import SIZES, Structure, bucket_for, size_of

TREE = {
    (0, 0, 0): "oak_log[axis=y]",
    (0, 1, 0): "oak_log[axis=y]",
    (0, 2, 0): "oak_log[axis=y]",
    (1, 2, 0): "oak_leaves[persistent=false]",
    (-1, 2, 0): "oak_leaves[persistent=false]",
    (0, 3, 0): "oak_leaves[persistent=false]",
    (0, -1, 0): "grass_block",
}


def test_from_blocks_keeps_positions_relative_to_origin():
    s = Structure.from_blocks(TREE)
    assert s.shape == (3, 5, 1)
    assert s.origin == (1, 1, 0)
    assert s.block_dict() == {k: f"minecraft:{v}" for k, v in TREE.items()}
    assert s.num_blocks == len(TREE)
    assert s.state_at(1, 1, 0) == "minecraft:oak_log[axis=y]"


def test_palette_is_exactly_the_states_used():
    s = Structure.from_blocks({(0, 0, 0): "glass", (1, 0, 0): "create:shaft[axis=x]"})
    assert set(s.vocab.states) == {"minecraft:air", "minecraft:glass", "create:shaft[axis=x]"}


def test_place_in_centres_trunk_on_floor():
    s = Structure.from_blocks(TREE).place_in("normal")
    assert s.shape == SIZES["normal"]
    assert s.origin == (8, 1, 8)  # trunk on the centre column, ground layer at y=0
    assert s.block_dict() == Structure.from_blocks(TREE).block_dict()
    lo, hi = s.bounding_box()
    assert lo[1] == 0


def test_place_in_slides_when_centring_would_overflow():
    blocks = {(x, 0, 0): "oak_log[axis=x]" for x in range(14)}
    s = Structure.from_blocks(blocks, origin=(0, 0, 0)).place_in((16, 4, 16))
    assert s.bounding_box()[1][0] <= 16
    assert s.block_dict() == Structure.from_blocks(blocks, origin=(0, 0, 0)).block_dict()


def test_place_in_refuses_what_does_not_fit():
    tall = {(0, y, 0): "oak_log[axis=y]" for y in range(20)}
    with pytest.raises(StructureError, match="does not fit"):
        Structure.from_blocks(tall).place_in("normal")
    assert Structure.from_blocks(tall).place_in("big").shape == (16, 32, 16)
    with pytest.raises(StructureError, match="unknown size"):
        size_of("gigantic")


def test_bucket_for():
    assert bucket_for((5, 10, 5)) == "normal"
    assert bucket_for((16, 17, 16)) == "big"
    assert bucket_for((20, 40, 20)) == "huge"
    assert bucket_for((25, 10, 10)) is None


def test_crop_and_iter_blocks():
    s = Structure.from_blocks(TREE).place_in("normal").crop()
    assert s.shape == (3, 5, 1)
    listed = list(s.iter_blocks())
    assert len(listed) == len(TREE)
    assert [b[1] for b in listed] == sorted(b[1] for b in listed)  # y-major order


def test_remap_to_model_vocab_reports_unknown_per_block():
    s = Structure.from_blocks({**TREE, (3, 0, 0): "glass", (4, 0, 0): "glass"})
    vocab = BlockVocab.default()
    with pytest.raises(BlockError):
        s.remap(vocab)
    r, report = s.remap(vocab, unknown="air")
    assert r.vocab == vocab
    assert report.unknown == {"minecraft:glass": 2}
    assert r.num_blocks == len(TREE)


def test_compact_and_counts():
    s, _ = Structure.from_blocks(TREE).remap(BlockVocab.default())
    c = s.compact()
    assert len(c.vocab) == 4  # air, log, leaves, grass
    assert c.block_dict() == s.block_dict()
    assert c.counts()["minecraft:oak_leaves[persistent=false]"] == 3


def test_invalid_grids_raise():
    v = BlockVocab(["air", "stone"])
    with pytest.raises(StructureError):
        Structure(np.zeros((2, 2)), v)
    with pytest.raises(StructureError):
        Structure(np.full((2, 2, 2), 2), v)  # id 2 == mask id: never a block
    with pytest.raises(StructureError):
        Structure(np.zeros((2, 2, 2), dtype=float), v)


def test_mask_of_kind():
    s = Structure.from_blocks(TREE)
    assert int(s.mask_of("log").sum()) == 3
    assert int(s.mask_of("leaves").sum()) == 3
    assert int(s.mask_of("ground").sum()) == 1
