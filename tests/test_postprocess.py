"""Post-processing on hand-built structures with known answers, and clean() on corpus trees."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from sapling.blocks import BlockVocab, block_kind, parse_state
from sapling.errors import ConfigError
from sapling.game_data import full_state
from sapling.metrics import connectivity, face_connectivity, leaf_decay_fraction, leaf_distance, trunk_base
from sapling.postprocess import (
    clean, fix_decorations, fix_leaves, fix_log_axes, ground, prune, with_leaf_distance,
)
from sapling.schematic import read_structure, write_structure
from sapling.structure import Structure
from sapling.training.corpus.generate import generate_tree, tree_types

LOG = "minecraft:oak_log[axis=y]"
LEAF = "minecraft:oak_leaves[persistent=false]"


def build(blocks: dict, vocab: BlockVocab | None = None) -> Structure:
    """A structure over the model vocabulary (leaves without distance), origin at (0, 0, 0)."""
    return Structure.from_blocks(blocks, vocab or BlockVocab.default())


def trunk(height: int = 5, x: int = 0, z: int = 0, y0: int = 0, state: str = LOG) -> dict:
    return {(x, y, z): state for y in range(y0, y0 + height)}


def crown(top: tuple[int, int, int]) -> dict:
    x, y, z = top
    return {(x + dx, y + dy, z + dz): LEAF for dx in (-1, 0, 1) for dy in (0, 1) for dz in (-1, 0, 1)
            if (dx, dy, dz) != (0, 0, 0)}


def at(s: Structure, rel: tuple[int, int, int]) -> str:
    """State at a position relative to the origin."""
    return s.state_at(*(r + o for r, o in zip(rel, s.origin)))


def props(s: Structure, rel: tuple[int, int, int]) -> dict[str, str]:
    return parse_state(at(s, rel))[1]


def kinds_by_position(s: Structure) -> dict:
    return {p: block_kind(state) for p, state in s.block_dict().items()}


# --- prune ---

def test_prune_removes_a_floating_leaf_blob():
    blocks = {**trunk(5), **crown((0, 4, 0))}
    blob = {(6, 7, 6): LEAF, (6, 7, 7): LEAF, (7, 7, 7): LEAF}
    s = build({**blocks, **blob})
    out, report = prune(s)
    assert set(out.block_dict()) == set(blocks)
    assert (report.blocks_removed, report.components_removed) == (3, 1)
    assert report.removed_by_kind == {"leaves": 3}
    assert connectivity(out) == 1.0 and not report.no_log


def test_a_stray_log_below_the_trunk_base_is_not_the_anchor():
    blocks = {**trunk(5, y0=3), **crown((0, 7, 0))}
    s = build({**blocks, (4, 0, 4): LOG})
    out, report = prune(s)
    assert set(out.block_dict()) == set(blocks)
    assert report.removed_by_kind == {"log": 1}
    assert trunk_base(out) == 3 + s.origin[1]


def test_a_trunk_split_in_two_keeps_the_larger_part():
    lower = trunk(2)
    upper = {**trunk(5, y0=3), **crown((0, 7, 0))}
    out, report = prune(build({**lower, **upper}))
    assert set(out.block_dict()) == set(upper)
    assert (report.blocks_removed, report.components_removed) == (2, 1)


@pytest.mark.parametrize("offset", [(1, 1, 0), (1, 1, 1)], ids=["edge", "corner"])
def test_edge_and_corner_contacts_count_only_for_any(offset):
    blocks = {**trunk(4), **crown((0, 3, 0))}
    leaf = (1 + offset[0], 4 + offset[1], 1 + offset[2])  # touches the crown corner leaf (1, 4, 1)
    s = build({**blocks, leaf: LEAF})
    kept, report_any = prune(s, "any")
    assert leaf in kept.block_dict() and report_any.blocks_removed == 0
    cut, report_face = prune(s, "face")
    assert leaf not in cut.block_dict() and set(cut.block_dict()) == set(blocks)
    assert report_face.blocks_removed == 1 and face_connectivity(cut) == 1.0


def test_structures_without_logs_keep_their_largest_part():
    """Any dataset's structures: a rock or a bush of persistent leaves has no log, and is kept."""
    rock = Structure.from_blocks({(x, 0, z): "stone" for x in range(3) for z in range(3)}
                                 | {(1, 1, 1): "mossy_cobblestone", (6, 3, 6): "cobblestone"}, origin=(0, 0, 0))
    out, report = prune(rock)
    assert out.num_blocks == 10 and report.blocks_removed == 1 and not report.no_log
    assert connectivity(rock) == pytest.approx(10 / 11)
    bush = Structure.from_blocks({(x, 0, 0): "oak_leaves[persistent=true]" for x in range(4)}, origin=(0, 0, 0))
    cleaned, summary = clean(bush)
    assert cleaned.num_blocks == 4 and not summary.prune.no_log
    flowers = Structure.from_blocks({(0, 0, 0): "grass_block", (0, 1, 0): "poppy", (1, 1, 0): "dandelion"},
                                    origin=(0, 0, 0))
    assert clean(flowers)[0].counts() == {"minecraft:dandelion": 1, "minecraft:grass_block": 1, "minecraft:poppy": 1}


def test_no_log_gives_an_empty_structure_and_says_so():
    s = build({(0, 0, 0): LEAF, (0, 1, 0): LEAF, (3, 0, 3): LEAF})
    out, report = prune(s)
    assert out.num_blocks == 0 and out.shape == s.shape
    assert report.no_log and report.blocks_removed == 3 and report.components_removed == 2
    assert "no log" in report.message
    cleaned, summary = clean(s)
    assert cleaned.num_blocks == 0 and connectivity(cleaned) == 1.0
    assert summary.as_dict()["no_log"] is True
    assert summary.to_text().startswith("No tree found")


def test_prune_rejects_an_unknown_connectivity():
    with pytest.raises(ConfigError, match="'face'"):
        prune(build(trunk(2)), "diagonal")


# --- leaves ---

def leaf_row(length: int = 8) -> Structure:
    """A log at x = 0 and leaves x = 1..length: leaf distances 1..6 then 7 (too far)."""
    return build({(0, 0, 0): LOG, **{(x, 0, 0): LEAF for x in range(1, length + 1)}})


def test_far_leaves_become_persistent():
    out, report = fix_leaves(leaf_row())
    for x in range(1, 7):
        assert props(out, (x, 0, 0)) == {"distance": str(x), "persistent": "false"}
    for x in (7, 8):
        assert props(out, (x, 0, 0)) == {"distance": "7", "persistent": "true"}
    assert (report.leaves, report.distances_added, report.made_persistent, report.dropped) == (8, 8, 2, 0)
    assert report.far == ((7, 0, 0), (8, 0, 0))
    assert leaf_decay_fraction(out) == 0.0 and out.num_blocks == 9


def test_far_leaves_can_be_dropped():
    out, report = fix_leaves(leaf_row(), mode="drop")
    assert set(out.block_dict()) == {(x, 0, 0) for x in range(7)}
    assert props(out, (6, 0, 0)) == {"distance": "6", "persistent": "false"}
    assert (report.made_persistent, report.dropped) == (0, 2)
    assert leaf_decay_fraction(out) == 0.0


def test_a_persistent_far_leaf_is_kept_even_when_dropping():
    s = build({(0, 0, 0): LOG, **{(x, 0, 0): LEAF for x in range(1, 7)},
               (7, 0, 0): "minecraft:oak_leaves[persistent=true]"})
    out, report = fix_leaves(s, mode="drop")
    assert props(out, (7, 0, 0)) == {"distance": "7", "persistent": "true"}
    assert report.dropped == 0 and report.made_persistent == 0


def test_a_wrong_distance_from_a_file_is_corrected():
    wrong = "minecraft:oak_leaves[distance=1,persistent=false]"
    right = "minecraft:oak_leaves[distance=2,persistent=false]"
    s = Structure.from_blocks({(0, 0, 0): LOG, (1, 0, 0): right, (2, 0, 0): wrong, (3, 0, 0): wrong})
    out, report = fix_leaves(s)
    assert [props(out, (x, 0, 0))["distance"] for x in (1, 2, 3)] == ["1", "2", "3"]
    assert (report.distances_added, report.distances_corrected) == (0, 3)
    # Exported again, the corrected states survive a schematic round trip.
    assert set(out.vocab.states) >= {wrong, right}


def test_fix_leaves_rejects_an_unknown_mode():
    with pytest.raises(ConfigError, match="persist"):
        fix_leaves(leaf_row(), mode="keep")


def test_with_leaf_distance_still_keeps_distances_it_is_given(tmp_path):
    given = "minecraft:oak_leaves[distance=5,persistent=false]"
    s = Structure.from_blocks({(0, 0, 0): LOG, (1, 0, 0): LEAF, (2, 0, 0): given})
    out = with_leaf_distance(s)
    assert props(out, (1, 0, 0))["distance"] == "1" and at(out, (2, 0, 0)) == given


def test_mangrove_roots_hold_no_leaves_as_the_games_logs_tag_says():
    """A real mangrove: a leaf touching only its roots is as far from a log as a leaf can be."""
    tree = generate_tree("mangrove", 0).structure
    roots = np.argwhere(np.isin(tree.blocks, [i for i, s in enumerate(tree.vocab.states) if "mangrove_roots" in s]))
    free = [(x + dx, y, z + dz) for x, y, z in roots.tolist() for dx, dz in ((1, 0), (-1, 0), (0, 1), (0, -1))
            if 0 <= x + dx < tree.shape[0] and 0 <= z + dz < tree.shape[2] and tree.blocks[x + dx, y, z + dz] == 0]
    assert roots.size and free
    blocks = tree.blocks.copy()
    leaf = tree.vocab.id("minecraft:mangrove_leaves[persistent=false]")
    near_log = free[0]
    blocks[near_log] = leaf
    s = tree.with_blocks(blocks)
    lonely = not any(s.mask_of("leaves")[tuple(np.add(near_log, d))] or s.vocab.logs_tag[s.blocks[tuple(np.add(near_log, d))]]
                     for d in ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1))
                     if all(0 <= c < n for c, n in zip(np.add(near_log, d), s.shape)))
    assert lonely  # only roots (and air) beside it
    assert leaf_distance(s)[near_log] == 7
    out, report = fix_leaves(s)
    assert parse_state(out.state_at(*near_log))[1] == {"distance": "7", "persistent": "true"}
    assert report.made_persistent == 1  # the tree's own leaves all reach a mangrove log
    # A mangrove log is a source, as are all logs and wood of the tag.
    assert not BlockVocab(["minecraft:mangrove_roots", "minecraft:muddy_mangrove_roots[axis=y]"]).logs_tag.any()
    assert BlockVocab(["minecraft:mangrove_log[axis=y]", "minecraft:stripped_mangrove_wood[axis=x]"]).logs_tag[1:].all()


# --- log axes ---

def test_a_horizontal_branch_marked_upright_is_turned():
    sideways_x = "minecraft:oak_log[axis=x]"
    blocks = {**trunk(5),
              (1, 3, 0): LOG, (2, 3, 0): LOG, (3, 3, 0): LOG,  # branch along x, marked y
              (0, 2, 1): LOG, (0, 2, 2): LOG,  # branch along z, marked y
              (0, 0, 5): sideways_x}  # isolated: keeps its axis
    out, report = fix_log_axes(build(blocks))
    assert all(props(out, (x, 3, 0))["axis"] == "x" for x in (1, 2, 3))
    assert all(props(out, (0, 2, z))["axis"] == "z" for z in (1, 2))
    assert all(props(out, (0, y, 0))["axis"] == "y" for y in range(5))  # the trunk, junctions included
    assert props(out, (0, 0, 5))["axis"] == "x"
    assert report.changed == 5 and len(report.positions) == 5


def test_axes_work_for_wood_of_any_species_over_a_file_palette():
    blocks = {(0, 0, 0): "minecraft:cherry_wood[axis=y]", (1, 0, 0): "minecraft:stripped_cherry_log[axis=z]",
              (2, 0, 0): "minecraft:mangrove_roots"}
    s = Structure.from_blocks(blocks)  # a file's palette: the x states are not in it yet
    out, report = fix_log_axes(s)
    assert at(out, (0, 0, 0)) == "minecraft:cherry_wood[axis=x]"
    assert at(out, (1, 0, 0)) == "minecraft:stripped_cherry_log[axis=x]"
    assert at(out, (2, 0, 0)) == "minecraft:mangrove_roots"
    assert report.changed == 2


# --- decorations ---

def vine(**faces: bool) -> str:
    return "minecraft:vine[" + ",".join(
        f"{f}={str(faces.get(f, False)).lower()}" for f in ("east", "north", "south", "up", "west")) + "]"


def test_a_vine_with_nothing_behind_it_is_removed_or_trimmed():
    blocks = {**trunk(4),
              (-1, 1, 0): vine(east=True),  # the trunk is east of it
              (1, 1, 0): vine(east=True),  # nothing east of it
              (-1, 2, 0): vine(east=True, north=True)}  # only the east face has a support
    out, report = fix_decorations(build(blocks))
    assert props(out, (-1, 1, 0))["east"] == "true"
    assert (1, 1, 0) not in out.block_dict()
    assert props(out, (-1, 2, 0)) == {"east": "true", "north": "false", "south": "false", "up": "false",
                                      "west": "false"}
    assert report.removed_by_block == {"vine": 1} and report.vines_trimmed == 1
    assert report.trimmed == (tuple(r + o for r, o in zip((-1, 2, 0), out.origin)),)  # grid coordinates


def test_a_vine_hangs_from_the_vine_above_when_the_chain_reaches_a_support():
    blocks = {**trunk(6), (1, 5, 0): LEAF, (2, 5, 0): LEAF,
              # hung from the leaf at (2, 5, 0): supported chain
              (3, 5, 0): vine(west=True), (3, 4, 0): vine(west=True), (3, 3, 0): vine(west=True),
              (3, 2, 0): vine(north=True),  # below the chain, but another face: not held
              # a chain whose top has nothing behind it: all of it falls
              (6, 4, 0): vine(west=True), (6, 3, 0): vine(west=True)}
    out, report = fix_decorations(build(blocks))
    kept = out.block_dict()
    assert all((3, y, 0) in kept for y in (3, 4, 5))
    assert all(p not in kept for p in [(3, 2, 0), (6, 4, 0), (6, 3, 0)])
    assert report.removed_by_block == {"vine": 3}


def test_cocoa_must_face_a_jungle_log():
    jungle = "minecraft:jungle_log[axis=y]"
    blocks = {**trunk(5, state=jungle), **trunk(3, x=6, state=LOG),
              (-1, 2, 0): "minecraft:cocoa[age=1,facing=east]",  # faces the jungle log
              (1, 2, 0): "minecraft:cocoa[age=1,facing=east]",  # faces away from it
              (5, 1, 0): "minecraft:cocoa[age=0,facing=east]"}  # faces an oak log
    out, report = fix_decorations(build(blocks))
    kept = out.block_dict()
    assert (-1, 2, 0) in kept and (1, 2, 0) not in kept and (5, 1, 0) not in kept
    assert report.removed_by_block == {"cocoa": 2}


def test_a_hanging_propagule_needs_mangrove_leaves_above():
    hanging = "minecraft:mangrove_propagule[age=2,hanging=true]"
    blocks = {**trunk(4, state="minecraft:mangrove_log[axis=y]"),
              (1, 3, 0): "minecraft:mangrove_leaves[persistent=false]", (1, 2, 0): hanging,
              (2, 2, 0): hanging}
    out, report = fix_decorations(build(blocks))
    assert (1, 2, 0) in out.block_dict() and (2, 2, 0) not in out.block_dict()
    assert report.removed_by_block == {"mangrove_propagule": 1}


PALE_LEAF = "minecraft:pale_oak_leaves[persistent=false]"
PALE_LOG = "minecraft:pale_oak_log[axis=y]"


def moss(tip: bool) -> str:
    return f"minecraft:pale_hanging_moss[tip={str(tip).lower()}]"


def test_hanging_moss_has_its_tip_at_the_bottom_of_each_strand():
    blocks = {**trunk(6, state=PALE_LOG), (1, 5, 0): PALE_LEAF, (2, 5, 0): PALE_LEAF,
              # a strand of three under one leaf, every block marked tip; one of one marked not tip
              (1, 4, 0): moss(True), (1, 3, 0): moss(True), (1, 2, 0): moss(True), (2, 4, 0): moss(False)}
    out, report = fix_decorations(build(blocks))
    tips = {p: props(out, p)["tip"] for p in [(1, 4, 0), (1, 3, 0), (1, 2, 0), (2, 4, 0)]}
    assert tips == {(1, 4, 0): "false", (1, 3, 0): "false", (1, 2, 0): "true", (2, 4, 0): "true"}
    assert report.tips_fixed == 3 and report.total_removed == 0
    assert "tip of 3 hanging moss blocks" in clean(build(blocks))[1].to_text()


def test_a_real_pale_oak_gets_its_moss_tips_back():
    trees = (generate_tree("pale_oak", seed).structure for seed in range(100))
    tree = next(t for t in trees if any("pale_hanging_moss" in s for s in t.counts()))  # moss grows on some
    ids = [i for i, s in enumerate(tree.vocab.states) if "pale_hanging_moss" in s]
    wrong = tree.with_blocks(np.where(np.isin(tree.blocks, ids), tree.vocab.id(moss(True)), tree.blocks))
    out, report = fix_decorations(wrong)
    assert report.tips_fixed > 0 and report.total_removed == 0
    assert out.block_dict() == tree.block_dict()


def test_a_carpet_needs_a_block_below():
    carpet = "minecraft:moss_carpet"
    pale = "minecraft:pale_moss_carpet[bottom=true,east=none,north=none,south=none,west=none]"
    pale_side = "minecraft:pale_moss_carpet[bottom=false,east=none,north=none,south=none,west=none]"
    blocks = {**trunk(5, y0=0), (1, 1, 0): "minecraft:oak_log[axis=x]",
              (1, 2, 0): carpet,  # on a log
              (2, 0, 0): carpet,  # beside the trunk base: on the ground it is pasted on
              (3, 2, 0): carpet,  # over air
              (4, 1, 0): "minecraft:white_carpet",  # over air too
              (1, 3, 0): pale_side,  # the side part over a moss carpet: not a bottom part
              (-1, 0, 0): pale, (-1, 1, 0): pale_side,  # a bottom part holds the side part
              }
    out, report = fix_decorations(Structure.from_blocks(blocks))  # its own palette: wool carpet, side parts
    kept = out.block_dict()
    assert {(1, 2, 0), (2, 0, 0), (-1, 0, 0), (-1, 1, 0)} <= set(kept)
    assert not {(3, 2, 0), (4, 1, 0), (1, 3, 0)} & set(kept)
    assert report.removed_by_block == {"moss_carpet": 1, "white_carpet": 1, "pale_moss_carpet": 1}


def test_a_carpet_left_over_air_by_a_grown_trunk_goes():
    # As hovering(): the trunk base (the origin) 3 layers above the grid floor, a carpet beside it.
    s = build({**trunk(4), **crown((0, 3, 0)), (1, 0, 0): "minecraft:moss_carpet", (5, -3, 5): "minecraft:air"})
    assert fix_decorations(s)[1].total_removed == 0  # on the origin's layer: on the ground when pasted
    lowered, _ = clean(s, ground_mode="lower")
    assert "minecraft:moss_carpet" in lowered.block_dict().values()  # it came down with the tree
    grown, report = clean(s, ground_mode="extend")
    assert "minecraft:moss_carpet" not in grown.block_dict().values()
    assert report.ground.logs_added and report.decorations.removed_by_block == {"moss_carpet": 1}


def test_fix_decorations_leaves_a_plain_tree_alone():
    s = build({**trunk(4), **crown((0, 3, 0))})
    out, report = fix_decorations(s)
    assert out is s and report.total_removed == 0


# --- ground ---

def hovering() -> Structure:
    """A tree whose trunk base (the origin) is 3 layers above the grid floor, with nothing below."""
    s = build({**trunk(4), **crown((0, 3, 0)), (5, -3, 5): "minecraft:air"})
    assert s.origin[1] == 3 and trunk_base(s) == 3
    return s


def test_ground_lowers_a_hovering_tree_with_its_origin():
    s = hovering()
    out, report = ground(s)
    assert report.floating and report.lowered == 3 and report.base_after == 0
    assert trunk_base(out) == 0 and out.origin[1] == s.origin[1] - 3
    assert out.block_dict() == s.block_dict()  # same blocks relative to the origin


def test_ground_extends_the_trunk_to_the_floor():
    s = hovering()
    out, report = ground(s, "extend")
    assert report.logs_added == 3 and trunk_base(out) == 0
    ox, oy, oz = out.origin
    assert [out.state_at(ox, y, oz) for y in range(3)] == [LOG] * 3
    assert oy == 0 and face_connectivity(out) == 1.0


def test_ground_leaves_a_standing_tree_alone():
    s = build({(0, 0, 0): "minecraft:dirt", **trunk(4, y0=1), **crown((0, 4, 0))})
    out, report = ground(s)
    assert out is s and not report.floating


def test_ground_cannot_lower_past_a_block_hanging_below_the_trunk():
    blocks = {**trunk(4, y0=3), (1, 0, 0): vine(west=True)}
    out, report = ground(build(blocks))
    assert report.floating and report.lowered == 0 and out.block_dict() == build(blocks).block_dict()


# --- clean ---

def test_clean_reprunes_what_only_a_removed_decoration_held():
    blocks = {**trunk(3), (1, 1, 0): vine(east=True), (2, 2, 1): LEAF}  # the leaf touches only the vine
    out, report = clean(build(blocks))
    assert set(out.block_dict()) == set(trunk(3))
    assert report.decorations.removed_by_block == {"vine": 1} and report.repruned == 1


def test_clean_report_reads_well_and_serialises():
    blocks = {**trunk(5, y0=2), **crown((0, 6, 0)), (7, 9, 7): LEAF, (1, 3, 0): LOG, (2, 3, 0): LOG}
    out, report = clean(build({**blocks, (3, 0, 3): "minecraft:air"}))  # the air keeps the floor at y = 0
    text = report.to_text()
    assert "Removed 1 floating block" in text and "Lowered the tree 2 blocks" in text
    assert "Turned 2 logs" in text and text.endswith(f"Result: {out.num_blocks} blocks (was {len(blocks)}).")
    data = json.loads(json.dumps(report.as_dict()))
    assert data["floating_blocks_removed"] == 1 and data["lowered"] == 2 and data["log_axes_fixed"] == 2
    assert "mode" not in data  # TreePipeline records its own mode beside this dict


def test_clean_rejects_bad_modes():
    s = build(trunk(2))
    for kwargs, accepted in [({"connectivity": "x"}, "'any'"), ({"leaves": "x"}, "'drop'"),
                             ({"ground_mode": "x"}, "'extend'")]:
        with pytest.raises(ConfigError, match=accepted):
            clean(s, **kwargs)


def noisy(tree: Structure, rng: random.Random, n: int = 25) -> Structure:
    """``tree`` with ``n`` random model-vocabulary blocks dropped into air cells."""
    vocab = tree.vocab
    blocks = tree.blocks.copy()
    air = np.argwhere(blocks == 0)
    for i in rng.sample(range(len(air)), n):
        blocks[tuple(air[i])] = rng.randrange(1, len(vocab))
    return tree.with_blocks(blocks)


def assert_keeps(tree: Structure, out: Structure) -> None:
    """Every tree block is still there, same kind, same place relative to the origin."""
    before, after = kinds_by_position(tree), kinds_by_position(out)
    missing = {p: k for p, k in before.items() if after.get(p) != k}
    assert not missing


@pytest.mark.parametrize("tree_type,seed", [("oak", 1), ("jungle", 2), ("mangrove", 0), ("fancy_oak", 3)])
def test_clean_keeps_every_corpus_tree_block_and_removes_the_noise(tree_type, seed):
    tree = generate_tree(tree_type, seed).structure
    out, report = clean(noisy(tree, random.Random(seed)))
    assert connectivity(out) == 1.0 and leaf_decay_fraction(out) == 0.0
    assert_keeps(tree, out)
    assert report.prune.blocks_removed > 0


def test_clean_on_a_pristine_corpus_tree_changes_no_decoration():
    tree = generate_tree("jungle", 0).structure
    out, report = clean(tree)
    assert report.decorations.total_removed == 0 and report.prune.blocks_removed == 0
    assert out.num_blocks == tree.num_blocks
    # Leaves now carry the distance the game computes.
    dist = leaf_distance(out)
    for x, y, z, state in out.iter_blocks():
        if block_kind(state) == "leaves":
            assert parse_state(state)[1]["distance"] == str(dist[x, y, z])


@pytest.mark.parametrize("tree_type", ["mangrove", "pale_oak", "swamp_oak", "jungle", "dark_oak"])
def test_clean_changes_no_decoration_of_a_pristine_decorated_tree(tree_type):
    for seed in range(3):
        tree = generate_tree(tree_type, seed, ground=seed == 1).structure
        out, report = clean(tree)
        assert report.decorations == fix_decorations(tree)[1] and report.decorations.total_removed == 0
        assert report.decorations.tips_fixed == 0 and report.leaves.made_persistent == 0
        assert out.num_blocks == tree.num_blocks


def test_clean_holds_its_guarantees_on_random_noisy_trees():
    rng = random.Random(1234)
    types = tree_types()
    for i in range(30):
        tree = generate_tree(rng.choice(types), rng.randrange(1000), ground=rng.random() < 0.5).structure
        lift = rng.randrange(4)
        if lift and not tree.blocks[:, -lift:, :].any():  # make some of them hover
            blocks = np.roll(tree.blocks, lift, axis=1)
            tree = tree.with_blocks(blocks, origin=(tree.origin[0], tree.origin[1] + lift, tree.origin[2]))
        mode = dict(connectivity=rng.choice(["any", "face"]), leaves=rng.choice(["persist", "drop"]),
                    ground_mode=rng.choice(["lower", "extend"]))
        out, report = clean(noisy(tree, rng, rng.randrange(5, 60)), **mode)
        assert connectivity(out) == 1.0, (i, mode)
        assert leaf_decay_fraction(out) == 0.0, (i, mode)
        if mode["connectivity"] == "face":
            assert face_connectivity(out) == 1.0, (i, mode)
        if mode["leaves"] == "persist" and mode["ground_mode"] == "lower":
            assert_keeps(tree, out)


def test_a_cleaned_tree_survives_a_schematic_round_trip(tmp_path):
    out, _ = clean(noisy(generate_tree("birch", 4).structure, random.Random(4)))
    path = tmp_path / "tree.schem"
    write_structure(out, path)
    back = read_structure(path)
    # The file names every property (the game's defaults spelled out): otherwise the same blocks.
    assert back.block_dict() == {pos: full_state(state) for pos, state in out.block_dict().items()}
