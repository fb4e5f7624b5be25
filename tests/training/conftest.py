"""Fixtures for the training tests: corpus trees grown once per session (torch-free)."""

from __future__ import annotations

import pytest

from sapling.training.corpus.generate import generate_tree

SEEDS = range(100)  # the sample of every corpus type the invariant tests check
LARGE_SEEDS = range(40)  # the sample of each big_* and huge_* type (a huge tree costs ~50 normal ones)


class Corpus:
    """Corpus trees (default ground and size) grown on first use and kept: each (type, seed) grows
    once per session, whichever test asks first. Tests share the trees, so they must not change them."""

    def __init__(self):
        self._trees: dict[tuple[str, int], object] = {}
        self._blocks: dict[tuple[str, int], dict] = {}

    def tree(self, tree_type: str, seed: int):
        """``generate_tree(tree_type, seed)``, grown once."""
        key = (tree_type, seed)
        if key not in self._trees:
            self._trees[key] = generate_tree(tree_type, seed)
        return self._trees[key]

    def trees(self, tree_type: str, seeds=SEEDS) -> list:
        return [self.tree(tree_type, s) for s in seeds]

    def blocks(self, tree_type: str, seed: int) -> dict:
        """The tree's ``structure.block_dict()``, computed once."""
        key = (tree_type, seed)
        if key not in self._blocks:
            self._blocks[key] = self.tree(tree_type, seed).structure.block_dict()
        return self._blocks[key]

    def with_blocks(self, tree_type: str, seeds=SEEDS) -> list[tuple]:
        """``[(tree, block_dict)]`` for ``seeds``."""
        return [(self.tree(tree_type, s), self.blocks(tree_type, s)) for s in seeds]

    def large(self, species: str, size: str, seeds=LARGE_SEEDS) -> list[tuple]:
        """``[(tree, block_dict)]`` of the ``<size>_<species>`` type (big or huge) for ``seeds``."""
        return self.with_blocks(f"{size}_{species}", seeds)


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return Corpus()
