import numpy as np
import pytest

from sapling.errors import ConfigError, StructureError
from sapling.metrics import (
    TreeMetrics,
    components,
    connectivity,
    coverage,
    crown,
    crown_gap,
    diversity,
    dominant_species,
    face_connectivity,
    height,
    iou_distance,
    leaf_decay_fraction,
    main_structure,
    one_nna,
    pairwise_distances,
    set_metrics,
    single_crown,
    species_purity,
    tree_metrics,
    trunk_base,
    trunk_height,
    width,
)
from sapling.structure import Structure

LOG = "oak_log[axis=y]"
LEAF = "oak_leaves[persistent=false]"
KEEP = "oak_leaves[persistent=true]"


def column(x, z, y0, y1, state=LOG):
    return {(x, y, z): state for y in range(y0, y1)}


def oak(trunk=4, radius=1):
    """A trunk of ``trunk`` logs under a leaf cube of ``radius`` around its top, plus a leaf cap."""
    blocks = column(0, 0, 0, trunk)
    top = trunk - 1
    for x in range(-radius, radius + 1):
        for z in range(-radius, radius + 1):
            for y in (top - 1, top):
                if (x, z) != (0, 0):
                    blocks[(x, y, z)] = LEAF
    blocks[(0, trunk, 0)] = LEAF
    return blocks


# --- components and connectivity ---

def test_floating_leaf_blob_lowers_connectivity_exactly():
    blocks = {**column(0, 0, 0, 3), (1, 2, 0): LEAF, (0, 3, 0): LEAF}
    blob = {(6, 5, z): LEAF for z in range(3)}
    s = Structure.from_blocks({**blocks, **blob})
    assert components(s).count == 2
    assert connectivity(s) == pytest.approx(5 / 8)
    assert face_connectivity(s) == pytest.approx(5 / 8)
    main = main_structure(s)
    assert main.shape == s.shape and main.sum() == 5
    m = tree_metrics(s)
    assert (m.blocks, m.logs, m.leaves, m.components, m.fully_connected) == (8, 3, 5, 2, False)


def test_stray_log_below_the_trunk_is_not_the_anchor():
    blocks = {**oak(trunk=5), (4, -3, 4): LOG}
    s = Structure.from_blocks(blocks)
    main = main_structure(s)
    stray = tuple(np.add((4, -3, 4), s.origin))
    assert not main[stray]
    assert main[s.origin]
    assert trunk_base(s) == s.origin[1]  # the trunk's layer, not the stray log's
    assert trunk_height(s) == 5
    n = len(blocks)
    assert connectivity(s) == pytest.approx((n - 1) / n)


def test_edge_contact_is_attached_only_under_any():
    s = Structure.from_blocks({**column(0, 0, 0, 2), (1, 2, 0): LEAF})  # shares an edge with the top log
    assert components(s, "any").count == 1
    assert components(s, "face").count == 2
    assert connectivity(s) == 1.0
    assert face_connectivity(s) == pytest.approx(2 / 3)
    assert tree_metrics(s).fully_connected


def test_corner_contact_is_attached_only_under_any():
    s = Structure.from_blocks({**column(0, 0, 0, 2), (1, 2, 1): LEAF})  # touches at one corner only
    assert components(s, "any").count == 1
    assert components(s, "face").count == 2
    assert connectivity(s) == 1.0
    assert face_connectivity(s) == pytest.approx(2 / 3)


def test_trunk_split_in_two_keeps_the_larger_part():
    lower = column(0, 0, 0, 3)
    upper = {**column(0, 0, 4, 7), (1, 6, 0): LEAF, (-1, 6, 0): LEAF, (0, 6, 1): LEAF, (0, 6, -1): LEAF,
             (0, 7, 0): LEAF}
    s = Structure.from_blocks({**lower, **upper})
    assert components(s).count == 2
    assert connectivity(s) == pytest.approx(8 / 11)
    assert trunk_base(s) == s.origin[1] + 4
    assert trunk_height(s) == 3
    assert crown(s).highest_log == 2 and crown(s).highest_leaf == 3


def test_no_log_and_empty_structure():
    leaves = Structure.from_blocks({(0, 0, 0): LEAF, (0, 1, 0): LEAF})
    assert main_structure(leaves) is None
    assert connectivity(leaves) == 0.0 and face_connectivity(leaves) == 0.0
    assert trunk_base(leaves) is None and trunk_height(leaves) == 0
    empty = Structure.empty((4, 4, 4))
    assert connectivity(empty) == 1.0
    m = tree_metrics(empty)
    assert (m.blocks, m.components, m.fully_connected, m.height, m.width) == (0, 0, False, 0, 0)
    assert (m.highest_leaf, m.highest_log, m.crown_above_trunk, m.dominant_species) == (None, None, None, None)


def test_unknown_connectivity_is_a_clear_error():
    with pytest.raises(ConfigError, match="'any'.*'face'"):
        components(Structure.from_blocks(column(0, 0, 0, 2)), "diagonal")


# --- leaves ---

def test_leaves_at_distance_seven_decay():
    blocks = {(0, 0, 0): LOG, **{(x, 0, 0): LEAF for x in range(1, 8)}}  # distances 1..7
    s = Structure.from_blocks(blocks)
    assert leaf_decay_fraction(s) == pytest.approx(1 / 7)
    blocks[(7, 0, 0)] = KEEP  # the far leaf made persistent stops counting
    assert leaf_decay_fraction(Structure.from_blocks(blocks)) == 0.0


def test_persistent_leaves_are_ignored():
    blocks = {(0, 0, 0): LOG, **{(x, 0, 0): LEAF for x in range(1, 8)}}
    blocks.update({(x, 0, 0): KEEP for x in range(8, 12)})  # far, but persistent
    blocks.update({(20, 0, 0): LEAF, (21, 0, 0): "oak_leaves"})  # unreachable, no state: decays
    s = Structure.from_blocks(blocks)
    assert leaf_decay_fraction(s) == pytest.approx(3 / 9)
    only_kept = Structure.from_blocks({(0, 0, 0): LOG, (5, 0, 0): KEEP})
    assert leaf_decay_fraction(only_kept) == 0.0


# --- species ---

def test_species_purity_of_a_mixed_tree():
    blocks = {**column(0, 0, 0, 3), **column(1, 0, 0, 2, "birch_log[axis=y]")}
    blocks.update({(x, 3, 0): LEAF for x in range(-2, 2)})
    blocks[(2, 3, 0)] = "birch_leaves[persistent=false]"
    blocks[(0, 4, 0)] = "vine[east=false,north=true,south=false,up=false,west=false]"  # not log or leaf
    s = Structure.from_blocks(blocks)
    assert species_purity(s, "oak") == pytest.approx(7 / 10)
    assert species_purity(s, "birch") == pytest.approx(3 / 10)
    assert species_purity(s, "Dark Oak") == 0.0
    assert dominant_species(s) == "oak"
    assert tree_metrics(s, species="birch").species_purity == pytest.approx(3 / 10)
    assert tree_metrics(s).species_purity is None


def test_azalea_trees_grow_on_oak_logs():
    blocks = {**column(0, 0, 0, 3), (1, 3, 0): "azalea_leaves[persistent=false]",
              (-1, 3, 0): "flowering_azalea_leaves[persistent=false]", (0, 3, 0): "azalea_leaves"}
    s = Structure.from_blocks(blocks)
    assert species_purity(s, "azalea") == 1.0
    assert species_purity(s, "oak") == pytest.approx(3 / 6)
    assert dominant_species(s) == "azalea"
    logs_only = Structure.from_blocks(column(0, 0, 0, 3))
    assert dominant_species(logs_only) == "oak"  # oak logs alone are an oak, not an azalea
    blocks[(0, 4, 0)] = LEAF
    assert species_purity(Structure.from_blocks(blocks), "azalea") == pytest.approx(6 / 7)


def test_species_purity_empty_and_unknown():
    s = Structure.from_blocks({(0, 0, 0): "grass_block"})
    assert species_purity(s, "oak") is None
    assert dominant_species(s) is None
    with pytest.raises(ConfigError, match="unknown species 'maple'.*oak"):
        species_purity(s, "maple")


# --- trunk, crown, size ---

def test_two_by_two_trunk_height():
    blocks = {}
    for (x, z), top in {(0, 0): 9, (1, 0): 9, (0, 1): 9, (1, 1): 7}.items():
        blocks.update(column(x, z, 0, top, "dark_oak_log[axis=y]"))
    blocks[(2, 4, 0)] = "dark_oak_log[axis=x]"  # a branch does not lengthen the trunk
    blocks.update({(x, -1, z): "dirt" for x in range(2) for z in range(2)})  # ground below is not trunk
    s = Structure.from_blocks(blocks)
    assert trunk_base(s) == s.origin[1]
    assert trunk_height(s) == 9


def test_crown_above_trunk():
    s = Structure.from_blocks({**oak(trunk=5), (0, -1, 0): "grass_block"})
    c = crown(s)
    assert (c.highest_leaf, c.highest_log, c.above_trunk) == (5, 4, True)
    spike = Structure.from_blocks({**oak(trunk=5), **column(0, 0, 5, 7)})  # trunk pokes out of the leaves
    c = crown(spike)
    assert (c.highest_leaf, c.highest_log, c.above_trunk) == (4, 6, False)
    bare = crown(Structure.from_blocks(column(0, 0, 0, 3)))
    assert (bare.highest_leaf, bare.highest_log, bare.above_trunk) == (None, 2, False)


def test_height_and_width():
    s = Structure.from_blocks({**oak(trunk=4, radius=2), (0, -1, 0): "grass_block"})
    assert height(s) == 6  # ground, 4 logs and the leaf cap
    assert width(s) == 5
    assert width(s.place_in("big")) == 5 and height(s.place_in("big")) == 6


def test_tree_metrics_of_a_clean_tree():
    s = Structure.from_blocks(oak(trunk=4)).place_in("normal")
    m = tree_metrics(s, species="oak")
    assert isinstance(m, TreeMetrics)
    d = m.as_dict()
    assert d == {
        "blocks": 4 + 16 + 1, "logs": 4, "leaves": 17, "components": 1, "components_face": 1,
        "connectivity": 1.0, "face_connectivity": 1.0, "fully_connected": True,
        "leaf_decay_fraction": 0.0, "species_purity": 1.0, "dominant_species": "oak",
        "trunk_height": 4, "height": 5, "width": 3, "highest_leaf": 4, "highest_log": 3,
        "crown_above_trunk": True, "crown_gap": 0, "single_crown": True, "decorations": [],
    }
    assert all(type(v) in (int, float, bool, str, list, type(None)) for v in d.values())
    with pytest.raises(AttributeError):
        m.blocks = 0


# --- set metrics ---

def test_iou_distance_identical_disjoint_and_partial():
    a = Structure.from_blocks(oak())
    assert iou_distance(a, a) == 0.0
    assert iou_distance(a, a.place_in("huge")) == 0.0  # aligned on origins, not grid corners
    far = Structure.from_blocks({(10, 0, 10): LOG}, origin=(0, 0, 0))
    assert iou_distance(a, far) == 1.0
    one = Structure.from_blocks({(0, 0, 0): LOG})
    two = Structure.from_blocks({(0, 0, 0): LOG, (0, 1, 0): LOG})
    assert iou_distance(one, two) == pytest.approx(0.5)
    empty = Structure.empty((2, 2, 2))
    assert iou_distance(empty, empty) == 0.0 and iou_distance(empty, one) == 1.0


def test_iou_distance_by_kind():
    logs = Structure.from_blocks({(0, 0, 0): LOG, (0, 1, 0): LOG})
    mixed = Structure.from_blocks({(0, 0, 0): LOG, (0, 1, 0): LEAF})
    assert iou_distance(logs, mixed) == 0.0
    assert iou_distance(logs, mixed, by_kind=True) == pytest.approx(0.5)


def random_trees(rng, n, trunk=(3, 8), radius=(1, 3)):
    trees = []
    for _ in range(n):
        blocks = oak(trunk=int(rng.integers(*trunk)), radius=int(rng.integers(*radius)))
        keys = [k for k, v in blocks.items() if v == LEAF]
        for k in rng.choice(len(keys), size=len(keys) // 4, replace=False):
            del blocks[keys[k]]
        trees.append(Structure.from_blocks(blocks))
    return trees


def test_pairwise_distances_match_single_distances():
    rng = np.random.default_rng(0)
    a, b = random_trees(rng, 6), random_trees(rng, 4)
    d = pairwise_distances(a, b)
    assert d.shape == (6, 4)
    expected = [[iou_distance(x, y) for y in b] for x in a]
    np.testing.assert_allclose(d, expected)
    within = pairwise_distances(a)
    assert within.shape == (6, 6) and np.allclose(np.diag(within), 0) and np.allclose(within, within.T)
    kinds = pairwise_distances(a, b, by_kind=True)
    assert np.all(kinds >= d - 1e-12)


def test_one_nna_behaviour():
    rng = np.random.default_rng(1)
    same = one_nna(random_trees(rng, 40), random_trees(rng, 40))
    assert 0.3 <= same <= 0.7  # two draws from one distribution are hard to tell apart
    few, many = random_trees(rng, 8), random_trees(rng, 64)
    assert 0.35 <= one_nna(few, many) <= 0.65  # still so for 8 samples against 64 references
    assert 0.35 <= one_nna(many, few) <= 0.65
    small = random_trees(rng, 8, trunk=(3, 5), radius=(1, 2))
    tall = random_trees(rng, 8, trunk=(12, 16), radius=(3, 4))
    assert one_nna(small, tall) == 1.0
    copies = random_trees(np.random.default_rng(2), 10, trunk=(3, 15), radius=(1, 4))
    assert one_nna(copies, copies) < 0.5  # samples that copy the references score below 0.5
    with pytest.raises(StructureError, match="no samples"):
        one_nna([], tall)


def test_one_nna_shares_credit_between_tied_neighbours():
    t = Structure.from_blocks(oak())
    # Every tree has three neighbours at distance 0, one of them on its own side.
    assert one_nna([t, t], [t, t]) == pytest.approx(1 / 3)
    assert one_nna([t], [t]) == 0.0


def test_coverage_and_diversity():
    refs = [Structure.from_blocks(oak(trunk=h)) for h in (3, 6, 10)]
    near_small = [Structure.from_blocks(oak(trunk=3)), Structure.from_blocks(oak(trunk=4))]
    assert coverage(near_small, refs) == pytest.approx(1 / 3)
    assert coverage(refs, refs) == 1.0
    assert diversity([refs[0], refs[0], refs[0]]) == 0.0
    assert diversity([refs[0]]) == 0.0
    one = Structure.from_blocks({(0, 0, 0): LOG})
    two = Structure.from_blocks({(0, 0, 0): LOG, (0, 1, 0): LOG})
    far = Structure.from_blocks({(5, 0, 0): LOG}, origin=(0, 0, 0))
    assert diversity([one, two, far]) == pytest.approx((0.5 + 1.0 + 1.0) / 3)
    with pytest.raises(StructureError, match="no references"):
        coverage(near_small, [])


def test_set_metrics_agree_with_the_single_functions():
    rng = np.random.default_rng(3)
    samples, refs = random_trees(rng, 12), random_trees(rng, 9)
    m = set_metrics(samples, refs)
    assert m.one_nna == pytest.approx(one_nna(samples, refs))
    assert m.coverage == pytest.approx(coverage(samples, refs))
    assert m.diversity == pytest.approx(diversity(samples))
    assert set(m.as_dict()) == {"one_nna", "coverage", "diversity"}


# --- stacked crowns ---


def _leaf_layers(*ys, trunk=0):
    """A structure with one leaf at each height in ``ys`` (beside a trunk of ``trunk`` logs when given)."""
    blocks = {(1, y, 0): LEAF for y in ys}
    blocks.update(column(0, 0, 0, trunk))
    return Structure.from_blocks(blocks, origin=(0, 0, 0))


@pytest.mark.parametrize("ys,gap", [
    ((5, 6, 7), 0),  # one solid crown
    ((5, 7, 8), 1),
    ((4, 7), 2),  # two leafless layers: still one crown
    ((4, 8), 3),  # three: a second crown stacked on the first
    ((2, 3, 4, 10, 11, 20), 8),  # the longest gap counts
    ((6,), 0),  # one layer, no gap
])
def test_crown_gap_counts_leafless_layers_between_leaf_layers(ys, gap):
    s = _leaf_layers(*ys, trunk=12)
    assert crown_gap(s) == gap
    assert single_crown(s) == (gap <= 2)
    assert tree_metrics(s).crown_gap == gap and tree_metrics(s).single_crown == (gap <= 2)


def test_crown_gap_ignores_logs_and_air_below_and_above_the_crown():
    # A long bare trunk under the crown and a log spike above it are no gap between leaf layers.
    s = _leaf_layers(10, 11, 12, trunk=20)
    assert crown_gap(s) == 0 and single_crown(s)
    # Floating leaves far above count: they are a stacked crown, whatever holds them.
    floating = Structure.from_blocks({**column(0, 0, 0, 6), (1, 5, 0): LEAF, (1, 12, 0): LEAF})
    assert crown_gap(floating) == 6 and not single_crown(floating)
    # No leaves at all: nothing is stacked.
    bare = Structure.from_blocks(column(0, 0, 0, 6))
    assert crown_gap(bare) == 0 and single_crown(bare)
    assert crown_gap(Structure.from_blocks({})) == 0


def test_crown_gap_of_a_hand_built_double_crown():
    """Two blob crowns on one trunk, 4 layers apart: the stacked look of issue 15's big trees."""
    blocks = column(0, 0, 0, 16)
    for top in (8, 16):
        for dx in (-1, 0, 1):
            for dz in (-1, 0, 1):
                for y in (top - 2, top - 1, top):
                    if (dx, dz) != (0, 0) or y >= 16:
                        blocks[(dx, y, dz)] = LEAF
    s = Structure.from_blocks(blocks).place_in("big")
    assert crown_gap(s) == 5 and not single_crown(s)  # leaves at 6-8 and 14-16: layers 9-13 are bare
