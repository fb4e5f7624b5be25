"""Finding the ground under a column with yes/no block tests (pure: hand-built worlds answer)."""

import random

import pytest

from sapling.bridge.ground import (GROUND, LAVA, OPEN, PLANT, PROBE_DEPTH, PROBE_UP, TAGS, TREE, WATER, Edition,
                                   GroundProbe, PatchCheck, Query, air_query, bedrock_names, bedrock_passed,
                                   class_queries, find_ground, java_passed, patch_blocks, replace_command,
                                   space_queries, world_lookup)
from sapling.bridge.placement import MIN_Y, Block
from sapling.bridge.rcon import MAX_COMMAND_BYTES
from sapling.errors import BridgeError, PlacementError
from sapling.game_data import block_info

X, Z = 10, -20
ANCHOR = (X, 64, Z)
GRASS = "minecraft:grass_block[snowy=false]"
EDITIONS = (Edition.JAVA, Edition.BEDROCK)


def column(layers, floor="minecraft:stone", floor_top=None):
    """{pos: state} for the column (X, Z): ``layers`` maps y -> state; below ``floor_top`` (the lowest
    layer given, if not set) the column is ``floor`` down to the bottom of the world."""
    world = {(X, y, Z): s for y, s in layers.items()}
    top = min(layers) if floor_top is None else floor_top
    for y in range(MIN_Y, top):
        world[(X, y, Z)] = floor
    return world


def probe_all(world, anchor=ANCHOR, **kw):
    """The same probe in both editions: they must agree (each spells its tests its own way)."""
    results = [find_ground(anchor, world_lookup(world), edition, **kw) for edition in EDITIONS]
    java, bedrock = results
    assert (java.base, java.surface_y, java.reason, java.plants) == \
           (bedrock.base, bedrock.surface_y, bedrock.reason, bedrock.plants)
    return java


def test_a_meadow_puts_the_trunk_on_the_grass_in_four_commands():
    g = probe_all(column({63: GRASS}, floor="minecraft:dirt"))
    assert g.found and g.base == (X, 64, Z) and g.surface_y == 63 and g.plants == () and g.reason is None
    assert g.queries == 4  # the span above, the anchor layer, the layer below, "is it ground?"


def test_grass_and_snow_on_the_ground_are_passed_and_reported():
    g = probe_all(column({63: GRASS, 64: "minecraft:short_grass"}))
    assert g.base == (X, 64, Z) and g.plants == ((X, 64, Z),)
    g = probe_all(column({63: GRASS, 64: "minecraft:tall_grass[half=lower]", 65: "minecraft:tall_grass[half=upper]"}))
    assert g.base == (X, 64, Z) and g.plants == ((X, 64, Z), (X, 65, Z))
    g = probe_all(column({63: GRASS, 64: "minecraft:snow[layers=2]"}))
    assert g.base == (X, 64, Z) and g.plants == ((X, 64, Z),)
    g = probe_all(column({63: "minecraft:podzol[snowy=false]", 64: "minecraft:poppy"}))
    assert g.base == (X, 64, Z)


def test_a_hillside_and_a_drop_move_the_trunk_to_the_surface():
    hill = column({y: "minecraft:dirt" for y in range(60, 70)} | {70: GRASS})
    assert probe_all(hill).base == (X, 71, Z)
    drop = column({50: "minecraft:sand"})
    assert probe_all(drop).base == (X, 51, Z)


def test_water_is_refused_even_with_ground_under_it():
    pond = column({58: "minecraft:dirt", 59: "minecraft:seagrass", 60: "minecraft:water[level=0]",
                   61: "minecraft:water[level=0]", 62: "minecraft:water[level=0]"})
    g = probe_all(pond)
    assert not g.found and g.base is None and g.reason == "water at y 62: trees are not planted in water"
    lily = column({61: "minecraft:water[level=0]", 62: "minecraft:water[level=0]", 63: "minecraft:lily_pad"})
    assert probe_all(lily).reason == "water at y 62: trees are not planted in water"
    assert "lava at y 63" in probe_all(column({63: "minecraft:lava[level=0]"})).reason


def test_a_tree_at_the_target_is_refused():
    tree = {63: GRASS} | {y: "minecraft:oak_log[axis=y]" for y in range(64, 69)}
    tree |= {y: "minecraft:oak_leaves[distance=1,persistent=false,waterlogged=false]" for y in range(69, 72)}
    g = probe_all(column(tree))
    assert g.reason == "another tree is in the way (leaves or wood at y 71)"
    # A canopy over the target, the trunk elsewhere: still another tree's crown in the way.
    canopy = column({63: GRASS, 70: "minecraft:birch_leaves[distance=2,persistent=false,waterlogged=false]"})
    assert probe_all(canopy).reason == "another tree is in the way (leaves or wood at y 70)"
    # Cherry leaves are in the game's flowers tag too: they still count as a tree, not a plant.
    cherry = column({63: GRASS, 66: "minecraft:cherry_leaves[distance=1,persistent=false,waterlogged=false]"})
    assert probe_all(cherry).reason == "another tree is in the way (leaves or wood at y 66)"


def test_no_ground_built_blocks_and_buried_targets_are_refused():
    void = {(X, y, Z): "minecraft:air" for y in range(MIN_Y, 80)}
    assert probe_all(void).reason == f"no ground within {PROBE_DEPTH} blocks below"
    deep = column({64 - PROBE_DEPTH - 1: GRASS})
    assert probe_all(deep).reason == f"no ground within {PROBE_DEPTH} blocks below"
    assert probe_all(deep, depth=PROBE_DEPTH + 1).base == (X, 64 - PROBE_DEPTH, Z)
    floor = column({63: "minecraft:oak_planks"})
    assert "is not natural ground" in probe_all(floor).reason and "y 63" in probe_all(floor).reason
    buried = column({y: "minecraft:stone" for y in range(0, 64 + PROBE_UP + 5)})
    assert probe_all(buried).reason == f"the ground rises more than {PROBE_UP} blocks above the target " \
                                       f"(solid at y {64 + PROBE_UP})"


def test_plants_above_a_gap_do_not_count_as_the_trunks_foot():
    # A vine hanging in the air above the ground: passed, but not reported (air between).
    g = probe_all(column({63: GRASS, 67: "minecraft:vine[east=false,north=true,south=false,up=false,west=false]"}))
    assert g.base == (X, 64, Z) and g.plants == ()


def _reference(world, anchor, up=PROBE_UP, depth=PROBE_DEPTH):
    """What the probe must decide, by looking at every block from the top (no questions)."""
    x, y0, z = anchor
    top, bottom, plants = y0 + up, y0 - depth, []
    for y in range(top, bottom - 1, -1):
        name = world.get((x, y, z), "minecraft:air").split("[")[0].split(":")[1]
        if name == "air":
            continue
        if plants and y < plants[-1] - 1:
            plants = []
        if name in GROUND.members:
            return ("rises" if y == top and not plants else (x, y + 1, z)), tuple(sorted(plants))
        for cls, what in ((TREE, "tree"), (PLANT, None), (WATER, "water"), (LAVA, "lava")):
            if name in cls.members:
                if what is None:
                    plants.append(y)
                    break
                return what, ()
        else:
            return "other", ()
    return "none", ()


def _kind(ground):
    if ground.found:
        return ground.base
    for word, kind in (("rises", "rises"), ("another tree", "tree"), ("water at", "water"), ("lava at", "lava"),
                       ("natural", "other"), ("no ground", "none")):
        if word in ground.reason:
            return kind


def test_the_search_agrees_with_reading_every_block_on_random_columns():
    palette = ["minecraft:air"] * 6 + [GRASS, "minecraft:stone", "minecraft:short_grass", "minecraft:poppy",
                                       "minecraft:water[level=0]", "minecraft:oak_leaves[distance=1,persistent=true,"
                                       "waterlogged=false]", "minecraft:cobblestone", "minecraft:cave_air",
                                       "minecraft:snow[layers=1]", "minecraft:lava[level=0]"]
    rng = random.Random(5)
    costs = []
    for _ in range(300):
        world = {(X, y, Z): rng.choice(palette) for y in range(20, 90)}
        if rng.random() < 0.5:  # mostly air above a random surface, like real terrain
            cut = rng.randrange(35, 85)
            world |= {(X, y, Z): "minecraft:air" for y in range(cut, 90)}
        up, depth = rng.choice([(PROBE_UP, PROBE_DEPTH), (3, 5), (0, 30)])
        g = find_ground(ANCHOR, world_lookup(world), Edition.JAVA, up, depth)
        want, plants = _reference(world, ANCHOR, up, depth)
        assert _kind(g) == want, (world, g)
        if g.found:
            assert g.plants == tuple((X, y, Z) for y in plants)
        costs.append(g.queries)
    assert max(costs) < 60


def test_every_command_is_under_the_rcon_limit_even_at_the_world_edge():
    far = (-29_999_999, MIN_Y, 29_999_999)
    for edition in EDITIONS:
        for cls in (GROUND, TREE, PLANT, WATER, LAVA, OPEN):
            for query, _ in class_queries(far, cls, edition):
                assert len(query.command("the_end" if edition is Edition.BEDROCK else None).encode()) \
                       <= MAX_COMMAND_BYTES
        assert len(air_query([(far[0], y, far[2]) for y in range(16)], edition).command().encode()) \
               <= MAX_COMMAND_BYTES


def test_command_spelling_per_edition():
    q = air_query([(1, 70, 2), (1, 69, 2)])
    assert q.command() == "execute if block 1 70 2 minecraft:air if block 1 69 2 minecraft:air"
    assert q.command("minecraft:the_nether").startswith("execute in minecraft:the_nether if block 1 70 2")
    (tree, member_if_passed), = class_queries((1, 2, 3), TREE)
    assert not member_if_passed  # "unless leaves unless logs ...": passed means not a tree
    assert tree.command().startswith("execute unless block 1 2 3 #minecraft:leaves unless block 1 2 3 #minecraft:logs")
    b = air_query([(1, 70, 2)], Edition.BEDROCK)
    assert b.command() == "execute in overworld if block 1 70 2 air"
    assert b.command("nether") == "execute in nether if block 1 70 2 air"
    with pytest.raises(BridgeError, match="unknown Bedrock dimension"):
        b.command("minecraft:overworld")
    with pytest.raises(BridgeError, match="not a dimension id"):
        q.command("over world; say hi")
    # Bedrock has no tags: it names blocks, in its own names.
    assert all("#" not in q.command() for q, _ in class_queries((0, 0, 0), PLANT, Edition.BEDROCK))
    assert bedrock_names("water") == {"water", "flowing_water"} and bedrock_names("snow") == {"snow_layer"}


def test_the_class_tables_name_real_blocks():
    for tag, members in TAGS.items():
        assert all(block_info(f"minecraft:{n}") is not None for n in members), tag
    for cls in (GROUND, TREE, PLANT, WATER, LAVA, OPEN):
        assert cls.members and all(bedrock_names(n) for n in cls.members), cls.name
    assert not (GROUND.members & (TREE.members | WATER.members)) and "water" not in PLANT.members


def test_replies_become_answers():
    assert java_passed("Test passed") and java_passed("Test passed\n")
    assert not java_passed("Test failed") and not java_passed("")
    with pytest.raises(BridgeError, match="That position is not loaded"):
        java_passed("That position is not loaded")
    assert bedrock_passed(0) and not bedrock_passed(-2147352576)


def test_the_probe_steps_and_refuses_bad_settings():
    probe = GroundProbe(ANCHOR)
    first = probe.next()
    assert isinstance(first, Query) and probe.result is None
    assert first.literals[0].pos == (X, 64 + PROBE_UP, Z) and len(first.literals) == PROBE_UP
    world = world_lookup(column({63: GRASS}))
    query = first
    while query is not None:
        query = probe.answer(query.holds(world))
    assert probe.result.base == (X, 64, Z) and probe.asked == 4
    with pytest.raises(PlacementError, match="finished"):
        probe.answer(True)
    with pytest.raises(PlacementError, match="depth"):
        GroundProbe(ANCHOR, depth=-1)
    with pytest.raises(PlacementError, match="outside the world"):
        GroundProbe((0, 400, 0))


def test_the_ground_patch_goes_only_into_air_and_replaceable_plants():
    world = {(0, 63, 0): GRASS, (1, 63, 0): "minecraft:air", (2, 63, 0): "minecraft:short_grass",
             (3, 63, 0): "minecraft:water[level=0]", (4, 63, 0): "minecraft:oak_planks",
             (5, 63, 0): "minecraft:seagrass"}
    tree = [Block(x, 63, 0, "minecraft:dirt") for x in range(6)] + [Block(0, 64, 0, "minecraft:oak_log[axis=y]"),
                                                                    Block(0, 65, 0, "minecraft:dirt")]
    patch = patch_blocks(tree, base_y=64)
    assert [b.x for b in patch] == list(range(6))  # the log and the dirt above the base are not patch
    for edition in EDITIONS:
        check = PatchCheck.of(patch, edition)
        answers = [q.holds(world_lookup(world)) for q in check.queries]
        assert [b.x for b in check.allowed(answers)] == [1, 2]
        with pytest.raises(PlacementError, match="answers"):
            check.allowed(answers[:-1])


def test_replace_command_tests_and_places_in_one_java_command():
    b = Block(1, 63, 2, "minecraft:dirt")
    text = replace_command(b)
    assert text.startswith("execute if block 1 63 2 #minecraft:replaceable unless block 1 63 2 minecraft:water")
    assert text.endswith("run setblock 1 63 2 minecraft:dirt replace")
    assert replace_command(b, Edition.BEDROCK, "nether") == "execute in nether run setblock 1 63 2 dirt replace"


def test_space_queries_find_anything_in_a_trees_way():
    tree = [Block(0, y, 0, "minecraft:oak_log[axis=y]") for y in range(64, 70)]
    tree += [Block(x, y, z, "minecraft:oak_leaves[persistent=true]") for x in range(-2, 3) for z in range(-2, 3)
             for y in range(68, 71) if (x, z) != (0, 0)]
    for edition in EDITIONS:
        queries = space_queries(tree, edition, above_y=65)
        assert all(len(q.command().encode()) <= MAX_COMMAND_BYTES for q in queries)
        assert sum(len(q.literals) for q in queries) == len({(b.x, b.y, b.z) for b in tree if b.y >= 65})
        empty = world_lookup({(0, 64, 0): "minecraft:short_grass"})  # below above_y: not asked
        assert all(q.holds(empty) for q in queries)
        neighbour = world_lookup({(2, 70, -2): "minecraft:birch_leaves[distance=3,persistent=false,waterlogged=false]"})
        assert not all(q.holds(neighbour) for q in queries)
