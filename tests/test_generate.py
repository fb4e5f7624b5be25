"""The generate table says which species a prompt that does not name one plainly got, and which
trees have the decorations it asks for."""

from pathlib import Path

from sapling.generate import GenerateResult, SampleRow, decoration_note, species_note
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


def test_decoration_note_counts_trees_with_the_asked_decoration_and_says_why_others_lack_it():
    with_pod = Structure.from_blocks({(1, 0, 0): "jungle_log[axis=y]", (0, 0, 0): "cocoa[age=2,facing=east]"})
    asked = {"asked": ["cocoa"], "placed": []}
    with_pod.metadata["decorations"] = {"asked": ["cocoa"], "placed": ["cocoa"]}
    bare = _tree(None)
    bare.metadata["decorations"] = asked
    assert decoration_note([with_pod, bare]) == ("cocoa on 1 of 2 trees (1 added where the model drew none); "
                                                 "the others have no spot for it (cocoa grows only on jungle logs)")
    assert decoration_note([bare]) == "cocoa on 0 of 1 tree; no tree has a spot for it (cocoa grows only on jungle logs)"
    with_pod.metadata["decorations"] = asked
    assert decoration_note([with_pod]) == "cocoa on 1 of 1 tree"
    plain = _tree(None)
    plain.metadata["decorations"] = {"asked": [], "placed": []}
    assert decoration_note([plain]) == "" and decoration_note([_tree(None)]) == "" and decoration_note([]) == ""
    row = SampleRow(Path("out/jungle-0-0.schem"), 2, 1.0, 1.0, 0, None, 0.5, "jungle")
    assert GenerateResult([row], decoration_note="cocoa on 1 of 1 tree").table().splitlines()[-1] == \
        "decorations: cocoa on 1 of 1 tree"
