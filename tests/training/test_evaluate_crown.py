"""The stacked-crown figure of `sapling evaluate` (torch-free: metrics of hand-built trees, no model)."""

from __future__ import annotations

import pytest

from sapling.metrics import ONE_CROWN_SPECIES, tree_metrics
from sapling.structure import Structure
from sapling.training.corpus.base import REGISTRY
from sapling.training.corpus.generate import tree_types
from sapling.training.evaluate import SINGLE_CROWN_TARGET, Summary, single_crown_share, targets_for

LOG, LEAF = "oak_log[axis=y]", "oak_leaves[persistent=false]"


def _tree(*leaf_ys):
    blocks = {(0, y, 0): LOG for y in range(20)}
    blocks.update({(1, y, 0): LEAF for y in leaf_ys})
    return tree_metrics(Structure.from_blocks(blocks))


def test_share_of_single_crowns_for_one_crown_species_only():
    one, stacked = _tree(10, 11, 12), _tree(8, 9, 15, 16)
    assert single_crown_share([one, one, stacked, one], "oak") == pytest.approx(0.75)
    assert single_crown_share([stacked], "cherry") == 0.0
    assert single_crown_share([stacked, one], "jungle") is None  # jungle trees carry limb crowns
    assert single_crown_share([one], None) is None and single_crown_share([], "oak") is None


def test_one_crown_species_are_the_corpus_species_but_jungle():
    species = {REGISTRY[t].species for t in tree_types()}
    assert ONE_CROWN_SPECIES == species - {"jungle"}


@pytest.mark.parametrize("size", ["normal", "big", "huge"])
def test_single_crown_target_per_size(size):
    target = next(t for t in targets_for(size) if t.key == "single_crown")
    assert target.at_least and target.threshold == SINGLE_CROWN_TARGET[size]
    assert target.check(SINGLE_CROWN_TARGET[size]) and not target.check(SINGLE_CROWN_TARGET[size] - 0.01)
    assert target.check(None) is None  # no one-crown prompt: not measured
    assert "single_crown" in Summary().as_dict()


# --- decorations: present when asked, rare when not ---

def _decorated(*states):
    blocks = {(0, y, 0): "jungle_log[axis=y]" for y in range(8)}
    blocks.update({(1, 6, 0): "jungle_leaves[persistent=false]"})
    blocks.update({(1, y, 1): state for y, state in enumerate(states, start=2)})
    return tree_metrics(Structure.from_blocks(blocks))


def test_decoration_shares_when_asked_and_when_not():
    from sapling.training.evaluate import decoration_shares

    cocoa = _decorated("cocoa[age=2,facing=north]")
    both = _decorated("cocoa[age=2,facing=north]", "vine[north=true]")
    bare = _decorated()
    assert cocoa.decorations == ("cocoa",) and both.decorations == ("cocoa", "vines") and bare.decorations == ()
    assert decoration_shares([cocoa, both, bare, bare], frozenset({"cocoa"})) == (0.5, None)
    assert decoration_shares([cocoa, both], frozenset({"cocoa", "vines"})) == (0.5, None)
    assert decoration_shares([cocoa, bare, bare, bare], frozenset()) == (None, 0.25)
    assert decoration_shares([], frozenset({"cocoa"})) == (None, None)
    target = next(t for t in targets_for("huge") if t.key == "decoration_present")
    assert target.check(0.8) and not target.check(0.79) and target.check(None) is None


def test_size_targets_follow_the_issue_table():
    """Larger trees may be a little less coherent and slower, never more (issue 15's table)."""
    by_size = {size: {t.key: t for t in targets_for(size)} for size in ("normal", "big", "huge")}
    assert by_size["normal"]["fully_connected"].threshold == 0.92
    assert by_size["big"]["connectivity"].threshold == 0.98
    assert by_size["huge"]["leaf_decay"].threshold == 0.03
    assert by_size["huge"]["seconds_per_tree"].threshold == 5.0
    for looser in ("big", "huge"):
        for key, t in by_size[looser].items():
            normal = by_size["normal"][key]
            assert t.at_least == normal.at_least
            assert (t.threshold <= normal.threshold) if t.at_least else (t.threshold >= normal.threshold), key
    # a huge tree with 70% fully connected meets its size's bar and misses the normal one
    assert by_size["huge"]["fully_connected"].check(0.7) and not by_size["normal"]["fully_connected"].check(0.7)
