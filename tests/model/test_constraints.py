"""The species lock with the prompt's species prior: a clear prompt gets its species, any vocabulary works."""

import torch

from sapling.blocks import KINDS, BlockVocab
from sapling.model.constraints import species_lock


def _logits_favouring(vocab: BlockVocab, species: str, batch: int = 2) -> torch.Tensor:
    """(B, V, 2, 2, 2) logits under which ``species``' logs and leaves are by far the most expected."""
    logits = torch.zeros(batch, len(vocab), 2, 2, 2)
    for i, sp in enumerate(vocab.species):
        if sp == species:
            logits[:, i] = 5.0
    return logits


def _species_allowed(vocab: BlockVocab, allowed: torch.Tensor, kind: str) -> set[str]:
    return {vocab.species[i] for i in range(len(vocab))
            if allowed[i] and KINDS[vocab.kind_ids[i]] == kind and vocab.species[i] is not None}


def test_without_candidates_the_model_chooses():
    vocab = BlockVocab.default()
    lock = species_lock(_logits_favouring(vocab, "cherry"), vocab)
    assert lock.species == ["cherry", "cherry"]
    assert _species_allowed(vocab, lock.allowed[0], "log") == {"cherry"}


def test_a_clear_prompt_gets_its_species_whatever_the_model_expects():
    vocab = BlockVocab.default()
    lock = species_lock(_logits_favouring(vocab, "cherry"), vocab, [("birch",), None])
    assert lock.species == ["birch", "cherry"]
    assert _species_allowed(vocab, lock.allowed[0], "log") == {"birch"}
    assert _species_allowed(vocab, lock.allowed[0], "leaves") == {"birch"}
    assert _species_allowed(vocab, lock.allowed[1], "leaves") == {"cherry"}


def test_azalea_grows_azalea_leaves_on_oak_logs_and_candidates_narrow_the_choice():
    vocab = BlockVocab.default()
    lock = species_lock(_logits_favouring(vocab, "cherry"), vocab, [("azalea",), ("oak", "birch")])
    assert lock.species[0] == "azalea"
    assert _species_allowed(vocab, lock.allowed[0], "log") == {"oak"}
    assert _species_allowed(vocab, lock.allowed[0], "leaves") == {"azalea"}
    assert lock.species[1] in ("oak", "birch")


def test_candidates_a_vocabulary_cannot_build_leave_the_model_free():
    vocab = BlockVocab(["minecraft:air", "minecraft:oak_log[axis=y]", "minecraft:oak_leaves",
                        "minecraft:birch_log[axis=y]", "minecraft:birch_leaves", "minecraft:stone"])
    logits = _logits_favouring(vocab, "oak", batch=1)
    lock = species_lock(logits, vocab, [("cherry",)])
    assert lock.species == ["oak"]
    lock = species_lock(logits, vocab, [("birch",)])
    assert lock.species == ["birch"] and bool(lock.allowed[0, 5])  # stone is no species: untouched
