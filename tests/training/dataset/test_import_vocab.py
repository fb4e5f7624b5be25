from collections import Counter

from sapling.blocks import BlockVocab
from sapling.training.dataset.vocab import data_state, plan_vocab


def test_data_state_fills_the_game_defaults_and_drops_surroundings():
    assert data_state("minecraft:oak_leaves").state == "minecraft:oak_leaves[persistent=false]"
    assert data_state("oak_leaves[distance=3,persistent=true,waterlogged=false]").state == \
        "minecraft:oak_leaves[persistent=true]"
    assert data_state("minecraft:oak_log").state == "minecraft:oak_log[axis=y]"
    assert data_state("minecraft:birch_wood").state == "minecraft:birch_wood[axis=y]"
    assert data_state("minecraft:grass_block").state == "minecraft:grass_block"  # snowy is surroundings
    assert data_state("minecraft:oak_fence").state == \
        "minecraft:oak_fence[east=false,north=false,south=false,west=false]"


def test_markers_are_air_and_named():
    for name in ("barrier", "structure_void", "jigsaw", "light[level=15,waterlogged=false]", "cave_air", "air"):
        d = data_state(f"minecraft:{name}")
        assert d.state == "minecraft:air" and d.marker == f"minecraft:{name.split('[')[0]}"
    assert data_state("minecraft:stone").marker is None


def test_unknown_blocks_and_invalid_values_are_reported_not_lost():
    modded = data_state("biomesoplenty:fir_log[axis=y]")
    assert not modded.known and modded.state == "biomesoplenty:fir_log[axis=y]"
    fixed = data_state("minecraft:oak_log[axis=q]")
    assert fixed.known and fixed.state == "minecraft:oak_log[axis=y]" and fixed.problems


def test_plan_keeps_frequent_states_and_merges_rare_ones():
    counts = Counter({
        "minecraft:oak_log[axis=y]": 500,
        "minecraft:oak_log[axis=x]": 3,  # rare: same block
        "minecraft:oak_leaves[persistent=false]": 900,
        "minecraft:oak_wood[axis=y]": 2,  # rare: same kind and species (oak logs)
        "minecraft:poppy": 40,
        "minecraft:blue_orchid": 1,  # rare flower: a flower, not a stone
        "minecraft:stone": 60,
        "minecraft:cherry_leaves[persistent=true]": 2,  # rare, nothing to merge into: leaves are never dropped
        "minecraft:white_terracotta": 1,  # rare: stone-like (pickaxe, full block)
        "minecraft:glass": 2,  # rare, nothing of its family: dropped
        "minecraft:birch_fence[east=true,north=false,south=false,west=true]": 5,  # two rare fences, 9 together:
        "minecraft:oak_fence[east=false,north=false,south=false,west=false]": 4,  # the commoner one is kept
    })
    plan = plan_vocab(counts, min_count=8)
    fate = {f.state: f for f in plan.fates}
    assert fate["minecraft:oak_log[axis=y]"].fate == "kept"
    assert (fate["minecraft:oak_log[axis=x]"].fate, fate["minecraft:oak_log[axis=x]"].into) == \
        ("merged", "minecraft:oak_log[axis=y]")
    assert fate["minecraft:oak_wood[axis=y]"].into == "minecraft:oak_log[axis=y]"
    assert fate["minecraft:blue_orchid"].into == "minecraft:poppy"
    assert fate["minecraft:cherry_leaves[persistent=true]"].fate == "kept"
    assert fate["minecraft:white_terracotta"].into == "minecraft:stone"
    assert fate["minecraft:glass"].fate == "dropped"
    assert fate["minecraft:birch_fence[east=true,north=false,south=false,west=true]"].fate == "kept"
    assert fate["minecraft:oak_fence[east=false,north=false,south=false,west=false]"].into == \
        "minecraft:birch_fence[east=true,north=false,south=false,west=true]"
    assert plan.vocab.states[0] == "minecraft:air"
    assert set(plan.vocab.states[1:]) == {
        "minecraft:oak_log[axis=y]", "minecraft:oak_leaves[persistent=false]", "minecraft:cherry_leaves[persistent=true]",
        "minecraft:poppy", "minecraft:stone", "minecraft:birch_fence[east=true,north=false,south=false,west=true]"}
    assert plan.ids["minecraft:glass"] == 0
    assert plan.vocab.states[plan.ids["minecraft:blue_orchid"]] == "minecraft:poppy"
    assert plan.fate_counts() == {"kept": 1507, "merged": 11, "dropped": 2}
    # Deterministic: same counts, same vocabulary.
    assert plan_vocab(Counter(dict(reversed(list(counts.items())))), min_count=8).vocab == plan.vocab


def test_plan_onto_a_fixed_vocabulary():
    tree = BlockVocab.default()
    counts = Counter({"minecraft:oak_log[axis=y]": 10, "minecraft:oak_fence[east=false,north=false,south=false,"
                      "west=false]": 5, "minecraft:vine[east=false,north=false,south=false,up=false,west=false]": 2,
                      "minecraft:poppy": 4})
    plan = plan_vocab(counts, target=tree)
    fate = {f.state: f for f in plan.fates}
    assert plan.vocab is tree
    assert fate["minecraft:oak_log[axis=y]"].fate == "kept"
    # A vine with no face is not a state the tree vocabulary has: merged into a vine.
    assert fate["minecraft:vine[east=false,north=false,south=false,up=false,west=false]"].fate == "merged"
    assert tree.states[plan.ids["minecraft:vine[east=false,north=false,south=false,up=false,west=false]"]] \
        .startswith("minecraft:vine[")
    assert fate["minecraft:poppy"].fate == "dropped" and plan.ids["minecraft:poppy"] == 0
