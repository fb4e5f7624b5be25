"""The model shipped inside the package: it exists, is small, loads alone, and grows a real tree."""

from sapling.blocks import KIND_ID, BlockVocab
from sapling.config import SampleConfig
from sapling.generate import DEFAULT_MODEL, default_checkpoint
from sapling.metrics import tree_metrics
from sapling.model.checkpoint import Checkpoint
from sapling.model.pipeline import TreePipeline


def test_shipped_checkpoint_is_small_and_complete():
    path = default_checkpoint()
    assert path == DEFAULT_MODEL
    assert path.stat().st_size < 40e6  # 16-bit weights, tens of MB at most
    ck = Checkpoint.load(path)
    assert ck.vocab == BlockVocab.default()
    assert ck.model_config.vocab_size == len(ck.vocab)
    assert all(v.dtype.is_floating_point is False or v.dtype.itemsize == 2 for v in ck.state_dict.values())
    assert isinstance(ck.sample_config, SampleConfig)
    assert ck.sample_config.sampler == "plain" and ck.sample_config.postprocess == "repair"
    assert ck.info.get("recipe") == "cpu-every-size"  # phases 3 and 4: trained on every size
    # huge trees coarse to fine, decorations only where asked, stray and decaying leaves drawn again
    # (docs/MODEL.md)
    assert ck.sample_config.coarse_to_fine and ck.sample_config.unasked_decoration_penalty > 0
    assert ck.sample_config.stray_leaf_fraction == 0.1 and ck.sample_config.redraw_decaying_leaves
    # half of training's air weight undone, crownless trees drawn again: as config/cpu.yaml says
    assert ck.sample_config.air_logit_bias == 0.6 and ck.sample_config.min_leaf_share == 0.1


def test_shipped_model_grows_a_connected_oak():
    pipe = TreePipeline.from_checkpoint(default_checkpoint(), device="cpu")
    tree = pipe("oak tree", steps=8, seed=0)[0]  # default post-processing: repair
    m = tree_metrics(tree, "oak")
    assert m.connectivity == 1.0 and m.face_connectivity == 1.0
    assert m.logs >= 3 and m.leaves >= 10
    assert m.species_purity is not None and m.species_purity >= 0.9


def test_shipped_model_grows_a_tall_huge_tree():
    """A huge prompt gives a whole tree taller than any big grid: ground patch on the floor, a
    trunk, one crown on top (not a leaf pillar up the grid)."""
    pipe = TreePipeline.from_checkpoint(default_checkpoint(), device="cpu")
    tree = pipe("huge acacia tree", size="huge", seed=2)[0]  # the defaults: 6 steps can float the crown
    m = tree_metrics(tree, "acacia")
    assert m.connectivity == 1.0 and m.species_purity == 1.0
    heights = [y for y in range(tree.blocks.shape[1]) if tree.blocks[:, y, :].any()]
    assert max(heights) - min(heights) >= 32  # taller than any big tree's grid
    assert max(heights) < tree.blocks.shape[1] - 4  # and not up to the grid's top
    assert (tree.kinds()[:, 0] == KIND_ID["ground"]).sum() >= 9  # a ground patch, not a bare trunk end
    assert m.crown_above_trunk and m.single_crown
