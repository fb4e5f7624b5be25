"""Forest planning: crowns, spacing, limits, the world's verdicts, and ``!tree forest`` (pure)."""

import itertools
import math

import pytest

from sapling.bridge.forest import (CROWN_GAP, DEFAULT_FOREST_RADIUS, MAX_FOREST_COUNT, MAX_FOREST_RADIUS,
                                   MIN_FOREST_RADIUS, PLAYER_CLEARANCE, ForestCommand, ForestPlanner, check_forest,
                                   crown_radius, crown_radius_of, forest_help, parse_forest_command, plan_forest)
from sapling.errors import CommandError
from sapling.structure import Structure
from sapling.training.corpus.generate import generate_tree
from sapling.transform import ROTATIONS, transform

CENTRE = (100.5, 64.0, -40.5)


def assert_well_spaced(plan, radius, centre=CENTRE):
    cx, _, cz = centre
    for s in plan.trees:
        d = math.hypot(s.x - cx, s.z - cz)
        assert s.crown + PLAYER_CLEARANCE <= d <= radius
        assert s.rotation in ROTATIONS and s.mirror in (None, "x")
    for a, b in itertools.combinations(plan.trees, 2):
        assert math.hypot(a.x - b.x, a.z - b.z) >= a.crown + b.crown + CROWN_GAP, (a, b)


def test_crowns_are_the_furthest_block_from_the_trunk_axis():
    tree = Structure.from_blocks({(0, -1, 0): "minecraft:grass_block", (3, -1, 4): "minecraft:dirt",  # patch
                                  (0, 0, 0): "minecraft:oak_log[axis=y]", (0, 1, 0): "minecraft:oak_log[axis=y]",
                                  (2, 2, 1): "minecraft:oak_leaves[persistent=true]",
                                  (-1, 3, -2): "minecraft:oak_leaves[persistent=true]"}, origin=(0, 0, 0))
    assert crown_radius(tree) == pytest.approx(math.sqrt(5))
    assert crown_radius_of([(0, 0, 0, "minecraft:oak_log[axis=y]")]) == 0.0
    real = generate_tree("dark_oak", 3).structure
    r = crown_radius(real)
    assert r > 2
    for rotation, mirror in itertools.product(ROTATIONS, (None, "x", "z")):
        assert crown_radius(transform(real, rotation, mirror)) == pytest.approx(r)


def test_spacing_holds_for_every_pair_and_the_player_keeps_clear():
    for seed, crowns in itertools.product(range(5), ([2.8] * 8, [4.5, 1.0, 3.2, 2.2, 2.8, 4.5, 0.0, 3.6])):
        plan = plan_forest(len(crowns), DEFAULT_FOREST_RADIUS, CENTRE, crowns, seed)
        assert_well_spaced(plan, DEFAULT_FOREST_RADIUS)
        assert sorted([s.index for s in plan.trees] + [u.index for u in plan.unfitted]) == list(range(len(crowns)))
    plan = plan_forest(8, DEFAULT_FOREST_RADIUS, CENTRE, [2.8] * 8, seed=1)
    assert len(plan.trees) == 8 and plan.unfitted == () and plan.lines() == ["8 of 8 trees found a place"]


def test_a_forest_is_the_same_for_a_seed_and_differs_between_seeds():
    crowns = [3.0, 2.5, 4.0, 2.0, 3.5, 2.8]
    a = plan_forest(6, 20, CENTRE, crowns, seed=42)
    assert a == plan_forest(6, 20, CENTRE, crowns, seed=42)
    b = plan_forest(6, 20, CENTRE, crowns, seed=43)
    assert [(s.x, s.z, s.rotation, s.mirror) for s in a.trees] != [(s.x, s.z, s.rotation, s.mirror) for s in b.trees]
    assert [s.index for s in a.trees][:2] == [2, 4]  # the biggest crowns find their places first


def test_trees_without_room_are_reported():
    plan = plan_forest(16, MIN_FOREST_RADIUS + 4, CENTRE, [3.0] * 16, seed=0)
    assert 0 < len(plan.trees) < 16
    assert_well_spaced(plan, MIN_FOREST_RADIUS + 4)
    assert {u.reason for u in plan.unfitted} == {f"no room left within {MIN_FOREST_RADIUS + 4} blocks"}
    assert plan.lines()[0] == f"{len(plan.trees)} of 16 trees found a place"
    wide = plan_forest(2, MIN_FOREST_RADIUS, CENTRE, [1.0, 9.0], seed=0)
    assert [s.index for s in wide.trees] == [0]
    assert wide.unfitted[0].index == 1 and "does not fit in a forest of radius 4" in wide.unfitted[0].reason


def test_the_world_can_turn_sites_down():
    planner = ForestPlanner(5, 20, CENTRE, [3.0] * 5, seed=9)
    site, seen = planner.next_site(), []
    while site is not None:
        seen.append(site)
        if site.index == 0:
            site = planner.reject("water at y 62: trees are not planted in water")
        elif site.x < CENTRE[0]:  # the west is a lake
            site = planner.reject("water at y 62: trees are not planted in water")
        else:
            site = planner.accept(70 + site.index)
    plan = planner.plan
    assert all(s.x >= CENTRE[0] and s.y == 70 + s.index for s in plan.trees)
    assert plan.unfitted[0].index == 0
    assert plan.unfitted[0].reason == "no site with ground was found (last: water at y 62: trees are not planted " \
                                      "in water)"
    assert_well_spaced(plan, 20)
    assert len({(s.index, s.x, s.z) for s in seen}) == len(seen)  # a tree never gets the same site twice
    with pytest.raises(CommandError, match="finished"):
        planner.accept()
    again = ForestPlanner(5, 20, CENTRE, [3.0] * 5, seed=9)  # the same verdicts give the same forest
    site = again.next_site()
    while site is not None:
        site = again.reject("x") if site.index == 0 or site.x < CENTRE[0] else again.accept(70 + site.index)
    assert again.plan.trees == plan.trees


@pytest.mark.parametrize("count, radius, message", [
    (0, 16, "tree count must be a whole number from 1 to 16, got 0"),
    (MAX_FOREST_COUNT + 1, 16, "tree count must be a whole number from 1 to 16, got 17"),
    (True, 16, "tree count"),
    (4, MIN_FOREST_RADIUS - 1, f"forest radius must be a whole number from {MIN_FOREST_RADIUS} to "
                               f"{MAX_FOREST_RADIUS}, got 3"),
    (4, MAX_FOREST_RADIUS + 1, "forest radius"),
    (4, 8.5, "forest radius"),
])
def test_limits_are_refused_with_the_accepted_range(count, radius, message):
    with pytest.raises(CommandError, match=message):
        check_forest(count, radius)
    with pytest.raises(CommandError, match=message):
        plan_forest(count, radius, CENTRE, [1.0] * (count if isinstance(count, int) and count > 0 else 1), seed=0)


def test_bad_plan_inputs_are_refused():
    with pytest.raises(CommandError, match="2 crown sizes for 3 trees"):
        plan_forest(3, 16, CENTRE, [1.0, 2.0], seed=0)
    with pytest.raises(CommandError, match="crown radii"):
        plan_forest(1, 16, CENTRE, [float("nan")], seed=0)
    with pytest.raises(CommandError, match="seed"):
        plan_forest(1, 16, CENTRE, [1.0], seed="1")


def test_the_chat_command():
    assert parse_forest_command("!tree forest 8 birch") == ForestCommand(8, DEFAULT_FOREST_RADIUS, "birch")
    assert parse_forest_command("!Tree Forest 4 24 tall birch tree") == ForestCommand(4, 24, "tall birch tree")
    assert parse_forest_command("!sap forest 2 oak", trigger="!sap") == ForestCommand(2, DEFAULT_FOREST_RADIUS, "oak")
    assert parse_forest_command("!tree oak") is None
    assert parse_forest_command("hello forest 3 oak") is None
    assert parse_forest_command("!tree forest spirit tree") is None  # a prompt, for parse_command
    with pytest.raises(CommandError, match="say how many trees"):
        parse_forest_command("!tree forest")
    with pytest.raises(CommandError, match="say what to grow"):
        parse_forest_command("!tree forest 8 20")
    with pytest.raises(CommandError, match="tree count must be a whole number from 1 to 16, got 40"):
        parse_forest_command("!tree forest 40 birch")
    with pytest.raises(CommandError, match="tree count .* got -2"):
        parse_forest_command("!tree forest -2 birch")
    with pytest.raises(CommandError, match="forest radius .* got 99"):
        parse_forest_command("!tree forest 8 99 birch")
    with pytest.raises(CommandError, match="at most 3 trees|from 1 to 3"):
        parse_forest_command("!tree forest 5 birch", max_count=3)
    with pytest.raises(CommandError, match="at most 10 are accepted"):
        parse_forest_command("!tree forest 5 " + "b" * 11, max_prompt_chars=10)
    assert "!tree forest <count> [radius] <prompt>" in forest_help()
