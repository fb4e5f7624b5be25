"""The generate table says which species a prompt that does not name one plainly got."""

from pathlib import Path

from sapling.generate import GenerateResult, SampleRow, species_note
from sapling.structure import Structure


def _tree(info: dict | None) -> Structure:
    s = Structure.from_blocks({(0, 0, 0): "jungle_log[axis=y]"})
    if info is not None:
        s.metadata["species"] = info
    return s


def test_species_note_explains_only_what_the_prompt_did_not_say_plainly():
    palm = {"chosen": "jungle", "by": "prompt", "plain": False,
            "why": "no known tree named; closest in meaning: jungle (cosine 0.49, next acacia 0.42)"}
    assert species_note([_tree(palm)] * 2) == "jungle (no known tree named; closest in meaning: jungle (cosine 0.49, " \
                                              "next acacia 0.42))"
    free = {"chosen": "oak", "by": "model", "plain": False, "why": "no known tree named: the model chooses the species"}
    assert species_note([_tree(free), _tree(dict(free, chosen="birch"))]) == \
        "oak, birch, chosen by the model (no known tree named: the model chooses the species)"
    assert species_note([_tree({"chosen": "birch", "by": "prompt", "plain": True, "why": "birch: 'birch'"})]) == ""
    assert species_note([_tree(None)]) == "" and species_note([]) == ""


def test_the_table_has_a_species_column_and_the_note():
    row = SampleRow(Path("out/palm-tree-0-0.schem"), 120, 1.0, 1.0, 0, None, 0.5, "jungle")
    table = GenerateResult([row], species_note="jungle (closest in meaning)").table()
    head, _, line, note = table.splitlines()
    assert "species" in head and " jungle " in line and note == "species: jungle (closest in meaning)"
