"""Species from prompts as players write them: the word lists, matching, the species prior, prompt files."""

import json
from collections import defaultdict

import pytest

from sapling.blocks import SPECIES
from sapling.errors import ConfigError
from sapling.prompts import (
    CATEGORIES, LANGUAGES, WORD_FILES, WORDS_DIR, find_terms, load_prompts, load_words, normalize,
    species_descriptions, species_from_prompt, species_prior, split_category,
)

SPECIES_PROMPTS = WORDS_DIR.parent.parent / "recipes" / "prompts_species.txt"


# Issue 19's prompts (the ones that failed, and the ones that worked), as players write them.
@pytest.mark.parametrize("prompt, species", [
    ("savanna tree", "acacia"), ("taiga tree", "spruce"), ("a tree from a lush cave", "azalea"),
    ("a tree where the creaking lives", "pale_oak"), ("a tree with roots standing in mud", "mangrove"),
    ("Birke", "birch"), ("Kirschbaum", "cherry"), ("Akazie aus der Savanne", "acacia"), ("Schwarzeiche", "dark_oak"),
    ("großer Dschungelbaum", "jungle"), ("grosser Dschungelbaum", "jungle"), ("ein Baum mit weißer Rinde", "birch"),
    ("ein Baum mit weisser Rinde", "birch"), ("un chêne", "oak"), ("un chene", "oak"), ("cerezo en flor", "cherry"),
    ("Tanne mit Schnee", "spruce"), ("Mangrove im Sumpf", "mangrove"), ("a conifer", "spruce"),
    ("silver birch", "birch"), ("christmas tree", "spruce"), ("a tree with pink blossoms", "cherry"),
    ("dark forest tree", "dark_oak"), ("tropical rainforest tree", "jungle"),
    ("ein Baum für den blassen Garten", "pale_oak"), ("Birkenwald", "birch"), ("des bouleaux", "birch"),
    ("robles", "oak"), ("abedules", "birch"), ("uma bétula", "birch"), ("árbol de la sabana", "acacia"),
])
def test_the_prompts_of_issue_19_are_clear(prompt, species):
    prior = species_prior(prompt)
    assert prior.species == species, prior.why
    assert prior.candidates == (species,) and prior.source == "words"
    assert species_from_prompt(prompt) == species


def test_normalize_folds_case_accents_and_german_spellings():
    assert normalize("Großer Bäum") == normalize("grosser baeum") == "grosser baum"
    assert normalize("Blüten") == normalize("Blueten") == "bluten"
    assert normalize("minecraft:dark_oak") == "minecraft dark oak"
    assert normalize("Pousse d'acacia") == "pousse d acacia"
    assert normalize("Cœur") == normalize("coeur") == "cour"


def test_longest_term_wins_then_the_earliest():
    (m,) = find_terms("Schwarzeiche")  # "Eiche" (oak) is inside it, at its end
    assert m.term.species == "dark_oak"
    assert [t.term.species for t in find_terms("dark oak next to a birch forest")] == ["dark_oak", "birch"]


def test_german_words_match_as_word_parts_and_others_only_whole():
    assert species_prior("Kirschbaumallee").species == "cherry"  # prefix
    assert species_prior("Hängebirke").species == "birch"  # a listed compound
    assert species_prior("Riesenfichte").species == "spruce"  # suffix
    assert species_from_prompt("firefly") is None  # "fir" matches whole words only
    assert species_from_prompt("spineless cactus") is None  # no "pine" inside words
    assert species_from_prompt("a few firs") == "spruce"  # plurals match


def test_names_beat_hints_and_several_names_are_unclear():
    prior = species_prior("a birch in the savanna")
    assert prior.species == "birch"  # the name decides; the biome is only a hint
    assert prior.scores["birch"] > 0 and prior.scores["acacia"] > 0
    unclear = species_prior("oak next to a birch")
    assert unclear.species is None and unclear.candidates == ("oak", "birch")
    assert unclear.named == "oak" and species_from_prompt("oak next to a birch") == "oak"  # first named
    assert "model chooses among oak, birch" in unclear.why


def test_a_prompt_without_words_falls_back_on_similarity_or_the_model():
    assert species_prior("palm tree").source == "none"  # no similarity given: the model chooses
    assert species_prior("palm tree").candidates == SPECIES
    clear = species_prior("palm tree", {"jungle": 0.49, "acacia": 0.42, "oak": 0.3})
    assert clear.species == "jungle" and clear.source == "similarity" and "closest in meaning" in clear.why
    assert clear.model_prompt == "palm tree (jungle tree)"
    close = species_prior("palm tree", {"jungle": 0.45, "acacia": 0.44})
    assert close.species is None and close.source == "none"
    weak = species_prior("palm tree", {"jungle": 0.2, "acacia": 0.0})
    assert weak.species is None  # far from every description


def test_the_model_reads_the_english_name_of_a_foreign_prompt():
    assert species_prior("Birke").model_prompt == "Birke (birch tree)"
    assert species_prior("savanna tree").model_prompt == "savanna tree (acacia tree)"
    assert species_prior("tall birch tree").model_prompt == "tall birch tree"  # named in English: unchanged
    assert species_prior("tall birch tree").plain and not species_prior("Birke").plain


def test_every_species_has_every_category_in_every_language_and_no_term_names_two_species():
    words = load_words()
    for sp in SPECIES:
        for lang in LANGUAGES:
            assert words.words(sp, "names", lang), (sp, lang)
            assert words.words(sp, "biomes", lang), (sp, lang)
        for cat in CATEGORIES:
            assert words.words(sp, cat, "en"), (sp, cat)
    owners = defaultdict(set)
    for t in words.terms:
        owners[t.words].add(t.species)
    assert not {k: v for k, v in owners.items() if len(v) > 1}
    for name in WORD_FILES:  # every language a file uses names its source
        data = json.loads((WORDS_DIR / name).read_text(encoding="utf-8"))
        used = {lang for cats in data["species"].values() for by in cats.values() for lang in by}
        assert used <= set(data["sources"]), name


def test_broken_word_lists_are_refused(tmp_path):
    def write(players):
        (tmp_path / "game.json").write_text('{"sources": {}, "species": {}}', encoding="utf-8")
        (tmp_path / "players.json").write_text(players, encoding="utf-8")
        load_words.cache_clear()
        return tmp_path

    try:
        with pytest.raises(ConfigError, match="appears twice"):
            load_words(write('{"species": {"oak": {"names": {"de": ["Eiche"], "de": ["Baum"]}}}}'))
        with pytest.raises(ConfigError, match="unknown species 'palm'"):
            load_words(write('{"species": {"palm": {}}}'))
        with pytest.raises(ConfigError, match="unknown category 'colour'"):
            load_words(write('{"species": {"oak": {"colour": {}}}}'))
        with pytest.raises(ConfigError, match="cannot be read as JSON"):
            load_words(write("{"))
        with pytest.raises(ConfigError, match="does not exist"):
            load_words(tmp_path / "nowhere")
        words = load_words(write('{"species": {"oak": {"names": {"de": ["Eiche"]}}}}'))
        assert find_terms("Eichenwald", words)[0].term.text == "Eiche"
    finally:
        load_words.cache_clear()


def test_species_descriptions_name_each_species_in_its_own_words():
    desc = species_descriptions()
    assert set(desc) == set(SPECIES)
    assert "birch tree" in desc["birch"] and "white bark" in desc["birch"]
    assert species_from_prompt(desc["acacia"]) == "acacia"


def test_category_tags_and_the_species_prompt_file():
    assert split_category("[names/de] Birke") == ("names/de", "Birke")
    assert split_category("tall birch") == (None, "tall birch")
    lines = load_prompts(SPECIES_PROMPTS)
    seen = set()
    for line in lines:
        tag, prompt = split_category(line)
        category, language = tag.split("/")
        prior = species_prior(prompt)
        assert prior.species is not None, line  # every prompt of the file is clear
        # the tag says which list the prompt's word is in (one spelling may be in several: "Mangrove")
        listed = {(t.words, t.species, t.category, t.language) for t in load_words().terms}
        assert any((m.term.words, m.term.species, category, language) in listed for m in prior.matches), line
        seen.add((category, language))
    assert {c for c, _ in seen} == set(CATEGORIES) and {lang for _, lang in seen} == set(LANGUAGES)


def test_bad_category_tags_are_refused(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("[colour/de] Birke\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1: unknown category"):
        load_prompts(path)
    path.write_text("[names/de]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="followed by no prompt"):
        load_prompts(path)
    path.write_text("[names/de] Birke\n", encoding="utf-8")
    assert load_prompts(path) == ["[names/de] Birke"]


@pytest.mark.parametrize("prompt, asked", [
    ("jungle tree with cocoa pods", {"cocoa"}),
    ("oak tree with a bee nest", {"bee_nest"}),
    ("Eiche mit Bienennest", {"bee_nest"}),
    ("pale oak with hanging moss", {"hanging_moss"}),
    ("Baum mit hängendem Moos", {"hanging_moss"}),
    ("a mangrove with vines and a beehive", {"vines", "bee_nest"}),
    ("tall birch tree", set()),
    ("azalea with moss", set()),  # moss carpets are not hanging moss
])
def test_decorations_a_prompt_asks_for(prompt, asked):
    from sapling.prompts import decorations_asked

    assert decorations_asked(prompt) == asked
