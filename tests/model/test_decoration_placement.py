"""Decorations the prompt asks for: where they may hang (the game's rules, as ``fix_decorations``
checks them) and which spot the sampler's last prediction prefers."""

import numpy as np
import torch

from sapling.blocks import BlockVocab, parse_state
from sapling.metrics import decorations_present
from sapling.model.constraints import decoration_spots, place_decorations
from sapling.postprocess import fix_decorations
from sapling.structure import Structure

VOCAB = BlockVocab.default()
SHAPE = (8, 8, 8)


def _id(state: str) -> int:
    return VOCAB.states.index(state)


def _tree(log: str = "minecraft:jungle_log[axis=y]",
          leaves: str = "minecraft:jungle_leaves[persistent=false]") -> np.ndarray:
    """A trunk on (4, 0..4, 4) under a 3x3 leaf layer at y = 5."""
    grid = np.zeros(SHAPE, dtype=np.int64)
    grid[4, 0:5, 4] = _id(log)
    grid[3:6, 5, 3:6] = _id(leaves)
    return grid


def _uniform_log_probs() -> torch.Tensor:
    return torch.full((len(VOCAB), *SHAPE), -5.0)


def _ids(name: str) -> list[int]:
    return [i for i, s in enumerate(VOCAB.states) if parse_state(s)[0] == name]


def test_cocoa_spots_face_a_jungle_log_and_only_one():
    grid = _tree()
    east = _id("minecraft:cocoa[age=2,facing=east]")  # facing: from the cocoa towards its log
    spots = decoration_spots(grid, VOCAB, [east])[0]
    assert set(map(tuple, np.argwhere(spots))) == {(3, y, 4) for y in range(5)}
    assert not decoration_spots(_tree("minecraft:oak_log[axis=y]"), VOCAB, [east]).any()


def test_vine_faces_need_a_support_behind_each_face():
    grid = _tree()
    up = _id("minecraft:vine[east=false,north=false,south=false,up=true,west=false]")
    west_up = _id("minecraft:vine[east=false,north=false,south=false,up=true,west=true]")
    spots = decoration_spots(grid, VOCAB, [up, west_up])
    assert set(map(tuple, np.argwhere(spots[0]))) == {(x, 4, z) for x in range(3, 6) for z in range(3, 6)} - {(4, 4, 4)}
    # under the leaves with a block to the west too: only the voxel east of the trunk
    assert set(map(tuple, np.argwhere(spots[1]))) == {(5, 4, 4)}


def test_bee_nests_hang_beside_the_trunk_with_a_free_entrance():
    grid = _tree("minecraft:oak_log[axis=y]", "minecraft:oak_leaves[persistent=false]")
    south = _id("minecraft:bee_nest[facing=south,honey_level=0]")
    spots = decoration_spots(grid, VOCAB, [south])[0]
    # beside the trunk, but not north of it: that nest's entrance (south) would face the log
    assert set(map(tuple, np.argwhere(spots))) == {(x, y, z) for y in range(5) for x, z in ((3, 4), (5, 4), (4, 5))}
    grid[4, 2, 6] = _id("minecraft:oak_leaves[persistent=false]")  # blocks the entrance of the nest at (4, 2, 5)
    assert not decoration_spots(grid, VOCAB, [south])[0][4, 2, 5]


def test_supports_on_a_floating_part_are_not_used():
    grid = _tree()
    grid[0, 7, 0] = _id("minecraft:jungle_log[axis=y]")  # a stray log
    east = _id("minecraft:cocoa[age=0,facing=east]")
    attached = np.zeros(SHAPE, dtype=bool)
    attached[4, 0:5, 4] = True
    attached[3:6, 5, 3:6] = True
    assert decoration_spots(grid, VOCAB, [_id("minecraft:cocoa[age=0,facing=north]")])[0][0, 7, 1]
    assert not decoration_spots(grid, VOCAB, [_id("minecraft:cocoa[age=0,facing=north]")], attached)[0][0, 7, 1]
    assert decoration_spots(grid, VOCAB, [east], attached)[0][3, 2, 4]


def test_the_most_probable_spot_wins_and_the_game_keeps_it():
    grid = _tree()
    log_probs = _uniform_log_probs()
    best = _id("minecraft:cocoa[age=1,facing=west]")
    log_probs[best, 5, 3, 4] = -0.5
    log_probs[_id("minecraft:cocoa[age=1,facing=east]"), 0, 0, 0] = 0.0  # likelier, but no log there
    placed = place_decorations(log_probs, grid, VOCAB, frozenset({"cocoa"}))
    assert [(p.decoration, p.position, p.block) for p in placed] == [("cocoa", (5, 3, 4), best)]
    grid[5, 3, 4] = best
    tree = Structure(grid, VOCAB)
    assert fix_decorations(tree)[1].total_removed == 0  # placed where the game would keep it
    assert decorations_present(tree) == ("cocoa",)


def test_every_placement_survives_the_games_rules():
    """Whatever the prediction, each decoration lands where ``fix_decorations`` keeps it."""
    rng = np.random.default_rng(0)
    for _ in range(5):
        grid = _tree()
        log_probs = torch.from_numpy(rng.normal(size=(len(VOCAB), *SHAPE)).astype(np.float32))
        placed = place_decorations(log_probs, grid, VOCAB, frozenset({"cocoa", "vines", "bee_nest", "hanging_moss"}))
        assert sorted(p.decoration for p in placed) == ["bee_nest", "cocoa", "hanging_moss", "vines"]
        assert len({p.position for p in placed}) == 4  # never two on one voxel
        for p in placed:
            grid[p.position] = p.block
        assert fix_decorations(Structure(grid, VOCAB))[1].total_removed == 0


def test_nothing_is_added_when_present_unasked_or_impossible():
    grid = _tree()
    grid[3, 2, 4] = _id("minecraft:cocoa[age=0,facing=east]")
    log_probs = _uniform_log_probs()
    assert place_decorations(log_probs, grid, VOCAB, frozenset({"cocoa"})) == []
    assert place_decorations(log_probs, _tree(), VOCAB, frozenset()) == []
    grid[3, 2, 4] = _id("minecraft:cocoa[age=0,facing=west]")  # facing away from the log: the game drops it
    assert [p.decoration for p in place_decorations(log_probs, grid, VOCAB, frozenset({"cocoa"}))] == ["cocoa"]
    oak = _tree("minecraft:oak_log[axis=y]", "minecraft:oak_leaves[persistent=false]")
    assert place_decorations(log_probs, oak, VOCAB, frozenset({"cocoa"})) == []  # cocoa grows on jungle logs
    ruled_out = _uniform_log_probs()
    ruled_out[_ids("minecraft:vine")] = float("-inf")  # e.g. by the species lock
    assert place_decorations(ruled_out, _tree(), VOCAB, frozenset({"vines"})) == []


def test_voxels_the_last_step_predicted_come_first():
    grid = _tree()
    log_probs = _uniform_log_probs()
    cocoa = _id("minecraft:cocoa[age=0,facing=east]")
    log_probs[cocoa, 3, 1, 4] = 0.0
    preferred = np.zeros(SHAPE, dtype=bool)
    preferred[3, 4, 4] = True
    placed = place_decorations(log_probs, grid, VOCAB, frozenset({"cocoa"}), preferred)
    assert placed[0].position == (3, 4, 4)


def test_the_penalty_falls_on_decorations_nobody_asked_for():
    from sapling.model.constraints import decoration_bias

    bias = decoration_bias(VOCAB, [frozenset({"cocoa"}), frozenset()], 4.0)
    assert bias.shape == (2, len(VOCAB))
    cocoa, vine = _ids("minecraft:cocoa"), _ids("minecraft:vine")
    assert (bias[0, cocoa] == 0).all() and (bias[0, vine] == -4.0).all()
    assert (bias[1, cocoa] == -4.0).all()
    others = [i for i in range(len(VOCAB)) if not bias[1, i]]
    assert _id("minecraft:oak_log[axis=y]") in others
    assert _id("minecraft:mangrove_propagule[age=0,hanging=true]") in others
    assert len(VOCAB) - len(others) == len(cocoa) + len(vine) + len(_ids("minecraft:bee_nest")) + len(
        _ids("minecraft:beehive")) + len(_ids("minecraft:pale_hanging_moss"))
