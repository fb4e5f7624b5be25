import random

import pytest

from sapling.blocks import SPECIES
from sapling.prompts import species_from_prompt
from sapling.training.corpus.captions import captions, leaf_density, size_word
from sapling.training.corpus.generate import generate_tree, tree_types

DECORATION_WORDS = ("vine", "cocoa", "bee", "hive", "propagule", "moss", "flower", "bloom")


def attrs(**kw):
    base = dict(type="oak", species="oak", height=6, width=5, trunk_width=1, decorations=[], leaf_count=60)
    return {**base, **kw}


def many(a, seeds=range(20), n=4):
    """English captions of ``a`` over several rngs, as one flat list (word-list captions, in other
    languages or naming only a biome, are off: ``test_word_captions_...`` covers them)."""
    import sapling.training.corpus.captions as module

    saved, module.WORD_CAPTION_SHARE = module.WORD_CAPTION_SHARE, 0.0
    try:
        return [c for s in seeds for c in captions(a, random.Random(s), n=n)]
    finally:
        module.WORD_CAPTION_SHARE = saved


def test_tall_birch_says_birch_and_tall_or_white():
    caps = many(attrs(type="tall_birch", species="birch", height=13))
    assert all("birch" in c for c in caps)
    assert captions(attrs(type="tall_birch", species="birch", height=13), 0)[0] == "tall birch tree"
    assert any("tall" in c for c in caps) and any("white" in c for c in caps)


def test_short_tall_birch_is_not_called_tall():
    caps = many(attrs(type="tall_birch", species="birch", height=8))
    assert all("birch" in c for c in caps)
    assert not any("tall" in c for c in caps)
    assert captions(attrs(type="tall_birch", species="birch", height=8), 0)[0] == "medium birch tree"


def test_cherry_uses_synonyms_and_pink():
    caps = many(attrs(type="cherry", species="cherry", height=9))
    text = " | ".join(caps)
    for word in ("sakura", "cherry blossom", "pink"):
        assert word in text
    assert {species_from_prompt(c) for c in caps} == {"cherry"}


def test_two_by_two_trunk_says_thick_or_2x2_only_when_true():
    thick = many(attrs(type="dark_oak", species="dark_oak", height=9, trunk_width=2))
    assert any("thick" in c or "2x2" in c for c in thick)
    thin = many(attrs(type="oak", species="oak", height=9, trunk_width=1))
    assert not any("thick" in c or "2x2" in c for c in thin)


def test_decoration_words_only_when_present():
    plain = " | ".join(many(attrs()))
    assert not any(w in plain for w in DECORATION_WORDS)
    cases = {
        "vines": "vine", "cocoa": "cocoa", "bee_nest": "bee", "propagules": "propagule",
        "pale_moss": "pale moss", "flowering": "flower",
    }
    for decoration, word in cases.items():
        text = " | ".join(many(attrs(decorations=[decoration])))
        assert word in text, decoration
    # Every present decoration appears together in at least one caption.
    both = many(attrs(decorations=["vines", "bee_nest"]))
    assert any("vine" in c and "bee" in c for c in both)


def test_size_words_follow_height():
    assert [size_word(h) for h in (3, 6, 7, 9, 10, 16, 17, 32, 33, 48, 49, 60)] == [
        "small", "small", "medium", "medium", "tall", "tall", "big", "big", "huge", "huge", "giant", "giant",
    ]
    assert captions(attrs(height=40), 0)[0] == "huge oak tree"
    assert captions(attrs(type="mega_spruce", species="spruce", height=25, trunk_width=2), 0)[0] == "mega spruce tree"


def test_biome_and_colour_words():
    assert any("swamp" in c for c in many(attrs(type="swamp_oak", biome="swamp")))
    assert any("savanna" in c for c in many(attrs(type="acacia", species="acacia", biome=None)))
    assert any("orange" in c for c in many(attrs(type="acacia", species="acacia")))


def test_leaf_density_words():
    assert leaf_density(attrs(leaf_density="dense")) == "dense"
    assert leaf_density({"width": 5, "height": 10, "leaf_count": 10}) == "sparse"
    assert leaf_density({}) is None
    assert any(w in c for c in many(attrs(leaf_density="dense")) for w in ("dense", "leafy", "bushy"))
    assert not any("sparse" in c or "dense" in c for c in many(attrs(leaf_density="normal")))


def test_deterministic_for_an_rng_and_n():
    a = attrs(type="fancy_oak", height=12, decorations=["bee_nest"])
    assert captions(a, random.Random(5), n=6) == captions(a, random.Random(5), n=6)
    assert captions(a, 5) == captions(a, random.Random(5))
    assert len({tuple(captions(a, s)) for s in range(10)}) > 1
    caps = captions(a, 1, n=6)
    assert len(caps) == 6 and len(set(caps)) == 6
    assert captions(a, 1, n=0) == []


@pytest.mark.parametrize("prompt, species", [
    ("tall birch tree", "birch"), ("Dark_Oak", "dark_oak"), ("a big oak", "oak"), ("fancy oak", "oak"),
    ("swamp oak with vines", "oak"), ("sakura", "cherry"), ("cherry blossom tree", "cherry"),
    ("a fir", "spruce"), ("giant pine", "spruce"), ("2x2 spruce", "spruce"), ("jungle bush", "jungle"),
    ("bush", "jungle"), ("azalea bush", "azalea"), ("pale oak", "pale_oak"), ("roofed oak", "dark_oak"),
    ("mangrove with propagules", "mangrove"), ("savanna tree", "acacia"), ("pink tree", "cherry"),
    ("oak next to a birch", "oak"), ("minecraft:acacia_log", "acacia"), ("a tree", None), ("firefly", None),
])
def test_species_from_prompt(prompt, species):
    assert species_from_prompt(prompt) == species


def test_captions_of_every_registered_type_name_its_species():
    for tree_type in tree_types():
        for seed in range(2):
            a = generate_tree(tree_type, seed).attributes
            assert a["species"] in SPECIES
            for c in captions(a, random.Random(seed), n=6):
                assert species_from_prompt(c) == a["species"], (tree_type, c)


def test_word_captions_teach_other_languages_biomes_and_looks():
    from sapling.prompts import find_terms
    from sapling.training.corpus.captions import WORD_CAPTION_SHARE, word_caption

    rng = random.Random(0)
    for sp in SPECIES:
        for kind in ("language", "biome", "lore"):
            text = word_caption(sp, rng, kind)
            assert text and species_from_prompt(text) == sp, (sp, kind, text)
            cats = {m.term.category for m in find_terms(text)}
            if kind != "language":
                assert cats <= {"biomes", "lore"}, text  # these name no species
    # German stems that a longer listed word starts with are not captions ("Kirsch" -> "Kirschbaum")
    assert "Kirsch" not in {word_caption("cherry", random.Random(s), "language") for s in range(200)}
    # the share: about WORD_CAPTION_SHARE of the captions after the first; the first is always English
    import sapling.training.corpus.captions as module

    a = attrs()
    mixed = [captions(a, random.Random(s), n=4) for s in range(400)]
    saved = module.WORD_CAPTION_SHARE
    module.WORD_CAPTION_SHARE = 0.0
    try:
        english = [captions(a, random.Random(s), n=4) for s in range(400)]
    finally:
        module.WORD_CAPTION_SHARE = saved
    assert all(m[0] == e[0] for m, e in zip(mixed, english))
    replaced = sum(x != y for m, e in zip(mixed, english) for x, y in zip(m[1:], e[1:]))
    assert abs(replaced / (3 * len(mixed)) - WORD_CAPTION_SHARE) < 0.05
