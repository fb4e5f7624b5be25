"""Big and huge corpus trees of every species (growers/large.py): the invariants, their shape, a single crown."""

from __future__ import annotations

import random

import pytest

from sapling.blocks import SPECIES, base_name, block_kind, parse_state
from sapling.metrics import ONE_CROWN_SPECIES, components, crown_gap, leaf_decay_fraction, leaf_distance, single_crown
from sapling.structure import SIZES, bucket_for
from sapling.training.corpus.base import REGISTRY, TreeCanvas
from sapling.training.corpus.captions import captions, size_word
from sapling.training.corpus.generate import generate_tree, tree_types
from sapling.training.corpus.growers.large import branch, footprint, grown_in, thick_trunk

LARGE = [(species, size) for species in SPECIES for size in ("big", "huge")]
# Heights above the ground: a big tree needs the big bucket, a huge one the huge bucket.
HEIGHTS = {"big": range(17, 32), "huge": range(30, 64)}
TRUNK_WIDTHS = {"big": {1, 2}, "huge": {2, 3}}


def test_every_species_has_a_big_and_a_huge_type():
    for species, size in LARGE:
        spec = REGISTRY[f"{size}_{species}"]
        assert spec.species == species and spec.size == size
    assert {t.size for t in REGISTRY.values()} == set(SIZES)


@pytest.mark.parametrize("species,size", LARGE)
def test_large_trees_keep_the_corpus_invariants(corpus, species, size):
    """Face-connected, no leaf the game would decay, in exactly their bucket, on the ground, one crown."""
    for tree, blocks in corpus.large(species, size):
        s, a = tree.structure, tree.attributes
        where = f"{size}_{species} seed {a['seed']}"
        assert components(s, "face").count == 1, where
        leaves = s.mask_of("leaves")
        assert leaves.any() and leaf_distance(s)[leaves].max() <= 6 and leaf_decay_fraction(s) == 0.0, where
        assert a["size"] == size and s.shape == SIZES[size], where
        assert bucket_for(s.crop().shape) == size, f"{where} would fit a smaller bucket"
        assert s.kinds()[s.origin] == 1, where  # the origin is the trunk base, a log
        assert a["height"] in HEIGHTS[size] and a["trunk_width"] in TRUNK_WIDTHS[size], where
        if species in ONE_CROWN_SPECIES:
            assert single_crown(s), f"{where}: leaf layers leave a gap of {crown_gap(s)}"
        for state in blocks.values():
            if block_kind(state) == "leaves":
                assert parse_state(state)[1]["persistent"] == "false"
        # Logs and leaves are the species' own (azalea grows on oak logs).
        wood = {base_name(b).removesuffix("_log") for b in blocks.values() if base_name(b).endswith("_log")}
        assert wood == ({"oak"} if species == "azalea" else {species}), where


@pytest.mark.parametrize("tree_type", [t for t in tree_types() if REGISTRY[t].species in ONE_CROWN_SPECIES])
def test_every_tree_of_a_one_crown_species_has_one_crown(corpus, tree_type):
    """Vanilla types too: an acacia fork or a mangrove limb whose crown would hang 3 layers under the
    main one is drawn again (generate_tree)."""
    for seed in range(40):
        s = corpus.tree(tree_type, seed).structure
        assert single_crown(s), (tree_type, seed, crown_gap(s))


def test_jungle_trees_may_stack_limb_crowns(corpus):
    gaps = [crown_gap(corpus.tree(t, seed).structure) for t in ("mega_jungle", "huge_jungle") for seed in range(40)]
    assert max(gaps) >= 3  # why jungle is not a one-crown species


@pytest.mark.parametrize("species,size", LARGE)
def test_same_seed_same_tree_and_seeds_differ(corpus, species, size):
    name = f"{size}_{species}"
    assert generate_tree(name, 3).structure.block_dict() == corpus.blocks(name, 3)
    assert len({frozenset(b.items()) for _, b in corpus.large(species, size, range(8))}) == 8


@pytest.mark.parametrize("species,size", LARGE)
def test_captions_say_the_size_the_tree_has(corpus, species, size):
    """The size word comes from the real height: a big tree reads big, a huge one huge or giant (or big when
    it needs the huge bucket for its width)."""
    words = set()
    for tree, _ in corpus.large(species, size, range(12)):
        a = tree.attributes
        word = size_word(a["height"])
        words.add(word)
        assert captions(a, random.Random(0))[0].startswith(word), a["height"]
    assert words <= ({"big"} if size == "big" else {"big", "huge", "giant"})
    if size == "huge":
        assert words & {"huge", "giant"}


def test_trunks_are_thick_and_taper(corpus):
    for tree, blocks in corpus.large("oak", "huge", range(6)):
        h = tree.attributes["trunk_height"]
        assert tree.attributes["trunk_width"] == 3
        assert all(block_kind(blocks.get((x, 0, z), "air")) == "log" for x, z in footprint(3))
        assert block_kind(blocks.get((0, h - 1, 0), "air")) == "log"
    for tree, blocks in corpus.large("spruce", "big", range(6)):
        assert all(block_kind(blocks.get((x, 1, z), "air")) == "log" for x, z in footprint(2))


def test_branches_end_in_clusters_spread_around_the_trunk(corpus):
    for species in ("oak", "cherry", "dark_oak", "acacia"):
        for tree, blocks in corpus.large(species, "big", range(6)):
            assert tree.attributes["branches"] >= 2
            logs = [p for p, s in blocks.items() if block_kind(s) == "log" and p[1] > 2]
            # Branch logs reach out of the trunk's footprint on at least two sides.
            sides = {(x > 1) - (x < 0) for x, _, _ in logs} | {2 * ((z > 1) - (z < 0)) for _, _, z in logs}
            assert len(sides - {0}) >= 2, (species, tree.attributes["seed"])


def test_acacia_forks_carry_flat_canopies_at_one_height(corpus):
    for tree, blocks in corpus.large("acacia", "huge", range(8)):
        leaf_ys = sorted({p[1] for p, s in blocks.items() if block_kind(s) == "leaves"})
        assert leaf_ys[-1] - leaf_ys[0] <= 4  # every canopy within a few layers: one crown


def test_spruce_tiers_widen_downwards(corpus):
    for tree, blocks in corpus.large("spruce", "huge", range(6)):
        radius = {}
        for (x, y, z), s in blocks.items():
            if block_kind(s) == "leaves":
                radius[y] = max(radius.get(y, 0), abs(x), abs(z))
        ys = sorted(radius)
        top_half, bottom_half = ys[len(ys) // 2:], ys[: len(ys) // 2]
        assert max(radius[y] for y in bottom_half) > max(radius[y] for y in top_half)


def test_mangroves_stand_on_roots_over_the_mud(corpus):
    for size in ("big", "huge"):
        for tree, blocks in corpus.large("mangrove", size, range(6)):
            a = tree.attributes
            ground = -a["root_height"] - 1
            assert min(p[1] for p in blocks) == ground and "roots" in a["decorations"]
            assert a["height"] == max(p[1] for p in blocks) - ground  # counted from the mud up
            muddy = [p for p, s in blocks.items() if base_name(s) == "muddy_mangrove_roots"]
            assert muddy and all(p[1] == ground for p in muddy)
            assert all(base_name(blocks[(x, y, z)]) == "mud" for (x, y, z), s in blocks.items()
                       if y == ground and base_name(s) not in ("muddy_mangrove_roots",))


def test_branch_is_face_connected_and_lies_along_its_steps():
    canvas = TreeCanvas()
    canvas.log((0, 0, 0))
    branch(canvas, (0, 0, 0), (4, 3, -2))
    cells = set(canvas.positions("log"))
    assert (4, 3, -2) in cells and len(cells) == 1 + 4 + 3 + 2  # one log per unit step
    assert components_of(cells) == 1
    axes = {parse_state(canvas.get(p))[1]["axis"] for p in cells - {(0, 0, 0)}}
    assert axes == {"x", "y", "z"}


def components_of(cells) -> int:
    """Face-connected pieces of a set of cells."""
    todo, pieces = set(cells), 0
    while todo:
        pieces += 1
        stack = [todo.pop()]
        while stack:
            x, y, z = stack.pop()
            for d in ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)):
                q = (x + d[0], y + d[1], z + d[2])
                if q in todo:
                    todo.remove(q)
                    stack.append(q)
    return pieces


def test_thick_trunk_narrows_inside_its_footprint():
    canvas = TreeCanvas()
    thick_trunk(canvas, 10, 3, (4, 8))
    layer = lambda y: {(x, z) for (x, yy, z) in canvas.positions("log") if yy == y}  # noqa: E731
    assert layer(0) == set(footprint(3)) and layer(5) == set(footprint(2)) and layer(9) == {(0, 0)}
    assert layer(5) <= layer(3) and layer(9) <= layer(5)


def test_grown_in_refuses_a_tree_that_never_fits():
    from sapling.errors import StructureError

    canvas = TreeCanvas()

    def too_small(shrink: float) -> dict:
        canvas.log((0, 0, 0))
        return {}

    with pytest.raises(StructureError, match="did not fit"):
        grown_in("big", random.Random(0), canvas, too_small)
