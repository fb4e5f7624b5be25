"""Rotations and mirrors: grids, origins and block states, on hand-built and corpus trees."""

from __future__ import annotations

import pytest
from helpers import one_line_error
from typer.testing import CliRunner

from sapling.blocks import format_state, parse_state
from sapling.cli import app
from sapling.errors import StructureError
from sapling.game_data import block_info, complete_state, known_blocks
from sapling.generate import generate_trees
from sapling.postprocess import fix_decorations, fix_log_axes
from sapling.schematic import read_structure
from sapling.structure import Structure
from sapling.training.corpus.generate import generate_tree
from sapling.transform import MIRRORS, ROTATIONS, mirror, mirror_state, rotate, rotate_state, transform

LOG_X = "minecraft:oak_log[axis=x]"


def props(state: str) -> dict[str, str]:
    return parse_state(state)[1]


def same(a: Structure, b: Structure) -> bool:
    return a.shape == b.shape and a.origin == b.origin and a.block_dict() == b.block_dict()


def jungle() -> Structure:
    """A corpus jungle tree: logs, leaves, vines on every side and cocoa (drawn until it has both)."""
    trees = (generate_tree("jungle", seed).structure for seed in range(50))
    return next(t for t in trees if {"minecraft:vine", "minecraft:cocoa"} <= {parse_state(s)[0] for s in t.counts()})


# --- states ---

def test_a_log_lying_along_x_lies_along_z_after_a_quarter_turn():
    assert rotate_state(LOG_X, 90) == rotate_state(LOG_X, 270) == "minecraft:oak_log[axis=z]"
    assert rotate_state(LOG_X, 180) == LOG_X and mirror_state(LOG_X, "x") == mirror_state(LOG_X, "z") == LOG_X


def test_cocoa_facing_north_faces_east_after_a_clockwise_quarter_turn():
    cocoa = "minecraft:cocoa[age=2,facing=north]"
    assert [props(rotate_state(cocoa, d))["facing"] for d in ROTATIONS] == ["north", "east", "south", "west"]
    assert props(mirror_state(cocoa, "z"))["facing"] == "south" and mirror_state(cocoa, "x") == cocoa
    nest = "minecraft:bee_nest[facing=west,honey_level=3]"
    assert rotate_state(nest, 90) == "minecraft:bee_nest[facing=north,honey_level=3]"


def test_vine_faces_move_with_the_turn():
    vine = format_state("minecraft:vine", {"east": "false", "north": "true", "south": "false", "up": "true",
                                           "west": "true"})
    # north -> east, west -> north; up stays.
    assert props(rotate_state(vine, 90)) == {"east": "true", "north": "true", "south": "false", "up": "true",
                                             "west": "false"}
    assert props(mirror_state(vine, "x")) == {"east": "true", "north": "true", "south": "false", "up": "true",
                                              "west": "false"}


def test_stairs_signs_doors_and_walls_turn_and_mirror():
    stairs = "minecraft:oak_stairs[facing=east,half=top,shape=outer_left,waterlogged=false]"
    assert props(rotate_state(stairs, 90))["facing"] == "south"
    assert props(rotate_state(stairs, 90))["shape"] == "outer_left"  # a turn keeps the hand
    assert props(mirror_state(stairs, "z"))["shape"] == "outer_right"  # a mirror swaps it
    sign = "minecraft:oak_sign[rotation=0,waterlogged=false]"  # 0 faces south, 4 west
    assert [props(rotate_state(sign, d))["rotation"] for d in ROTATIONS] == ["0", "4", "8", "12"]
    assert props(mirror_state("minecraft:oak_sign[rotation=4,waterlogged=false]", "x"))["rotation"] == "12"
    assert props(mirror_state("minecraft:oak_sign[rotation=0,waterlogged=false]", "z"))["rotation"] == "8"
    door = "minecraft:oak_door[facing=north,half=lower,hinge=left,open=false,powered=false]"
    assert props(mirror_state(door, "x"))["hinge"] == "right" and props(rotate_state(door, 90))["hinge"] == "left"
    wall = "minecraft:cobblestone_wall[east=low,north=tall,south=none,up=true,waterlogged=false,west=none]"
    assert props(rotate_state(wall, 90)) == {"east": "tall", "south": "low", "north": "none", "west": "none",
                                                  "up": "true", "waterlogged": "false"}
    assert props(rotate_state("minecraft:rail[shape=north_south,waterlogged=false]", 90))["shape"] == "east_west"
    assert props(rotate_state("minecraft:rail[shape=south_east,waterlogged=false]", 90))["shape"] == "south_west"


def test_a_propagule_has_nothing_to_turn():
    assert block_info("minecraft:mangrove_propagule").properties.keys() == {"age", "hanging", "stage", "waterlogged"}
    propagule = "minecraft:mangrove_propagule[age=4,hanging=true,stage=0,waterlogged=false]"
    assert all(rotate_state(propagule, d) == propagule for d in ROTATIONS)
    assert all(mirror_state(propagule, m) == propagule for m in MIRRORS)


def test_every_state_of_every_block_turns_into_a_valid_state_and_back():
    """For one state per property value of each block of the game's table."""
    for name in known_blocks():
        info = block_info(name)
        for key, values in info.properties.items():
            for value in values:
                state = format_state(name, {**info.default, key: value})
                for d in ROTATIONS[1:]:
                    turned = rotate_state(state, d)
                    assert complete_state(turned).ok, (state, d, turned)
                    assert rotate_state(turned, 360 - d) == state
                for m in MIRRORS:
                    flipped = mirror_state(state, m)
                    assert complete_state(flipped).ok and mirror_state(flipped, m) == state, (state, m)


# --- structures ---

def test_four_quarter_turns_and_two_mirrors_are_the_identity():
    tree = jungle()
    s = tree
    for _ in range(4):
        s = rotate(s, 90)
    assert same(s, tree)
    for m in MIRRORS:
        assert same(mirror(mirror(tree, m), m), tree)
    assert same(rotate(rotate(tree, 90), 270), tree) and same(rotate(rotate(tree, 180), 180), tree)


def test_a_turn_moves_blocks_clockwise_and_keeps_the_trunk_at_the_origin():
    s = Structure.from_blocks({(0, 0, 0): "minecraft:oak_log[axis=y]", (0, 0, -2): LOG_X,  # a branch north
                               (3, 1, 0): "minecraft:cocoa[age=0,facing=west]"})
    r = rotate(s, 90)
    assert r.shape == (s.shape[2], s.shape[1], s.shape[0])
    got = r.block_dict()  # relative to the origin (the trunk)
    assert got[(0, 0, 0)] == "minecraft:oak_log[axis=y]"
    assert got[(2, 0, 0)] == "minecraft:oak_log[axis=z]"  # north -> east
    assert got[(0, 1, 3)] == "minecraft:cocoa[age=0,facing=north]"  # east -> south, facing west -> north
    m = mirror(s, "x").block_dict()
    assert m[(-3, 1, 0)] == "minecraft:cocoa[age=0,facing=east]" and m[(0, 0, -2)] == LOG_X


@pytest.mark.parametrize("rotation,axis", [(90, None), (180, "x"), (270, "z"), (0, "x")])
def test_a_turned_corpus_tree_still_holds_its_decorations_and_axes(rotation, axis):
    """Cocoa still faces its jungle log, every vine face still has its support, logs lie along their runs."""
    tree = jungle()
    assert fix_decorations(tree)[1].total_removed == 0
    s = transform(tree, rotation, axis)
    assert s.num_blocks == tree.num_blocks
    decorations = fix_decorations(s)[1]
    assert decorations.total_removed == 0 and decorations.vines_trimmed == 0
    assert fix_log_axes(s)[1].changed == fix_log_axes(tree)[1].changed
    # Same blocks per name: states moved, none appeared or vanished.
    def by_name(t: Structure) -> list:
        return sorted((parse_state(st)[0], n) for st, n in t.counts().items())

    assert by_name(s) == by_name(tree)


def test_bad_rotations_and_mirrors_are_clear_errors():
    tree = Structure.from_blocks({(0, 0, 0): LOG_X})
    with pytest.raises(StructureError, match="0, 90, 180, 270"):
        rotate(tree, 45)
    with pytest.raises(StructureError, match="x, z"):
        mirror(tree, "y")
    with pytest.raises(StructureError, match="unknown rotation True"):
        transform(tree, True)


# --- the command ---

runner = CliRunner()


@pytest.mark.parametrize("extra,match", [(["--rotate", "45"], "0, 90, 180, 270"), (["--mirror", "y"], "x, z")])
def test_generate_refuses_a_bad_rotation_or_mirror_before_loading_a_model(tmp_path, extra, match):
    r = runner.invoke(app, ["generate", "--prompt", "oak tree", "--out", str(tmp_path / "o"), *extra])
    assert r.exit_code == 1 and match in one_line_error(r)
    assert not (tmp_path / "o").exists()


def test_generate_rotates_and_mirrors_the_trees_it_writes(tiny_pipeline, tmp_path):
    args = {"prompt": "jungle tree", "seed": 3, "num_samples": 2, "postprocess": "none", "pipeline": tiny_pipeline}
    plain = generate_trees(**args, out=tmp_path / "plain")
    turned = generate_trees(**args, out=tmp_path / "turned", rotate=90, mirror="x")
    for a, b in zip(plain.rows, turned.rows):
        before, after = read_structure(a.path), read_structure(b.path)
        assert after.block_dict() == transform(before, 90, "x").block_dict() != before.block_dict()
        assert after.metadata["transform"] == {"rotate": 90, "mirror": "x"} and "transform" not in before.metadata
