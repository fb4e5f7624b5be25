"""scripts/gen_words.py: the game's own tree and biome words, cut out of its language files."""

import json

from helpers import load_script

from sapling.prompts import WORDS_DIR

GERMAN = {
    "block.minecraft.potted_oak_sapling": "Eingetopfter Eichensetzling",
    "block.minecraft.potted_birch_sapling": "Eingetopfter Birkensetzling",
    "block.minecraft.potted_cherry_sapling": "Eingetopfter Kirschsetzling",
    "block.minecraft.potted_dark_oak_sapling": "Eingetopfter Schwarzeichensetzling",
    "block.minecraft.potted_jungle_sapling": "Eingetopfter Tropenbaumsetzling",
    "block.minecraft.oak_log": "Eichenstamm", "block.minecraft.oak_leaves": "Eichenlaub",
    "block.minecraft.mangrove_log": "Mangrovenstamm", "block.minecraft.mangrove_leaves": "Mangrovenlaub",
    "block.minecraft.azalea": "Azalee", "block.minecraft.azalea_leaves": "Azaleenlaub",
    "biome.minecraft.savanna": "Savanne", "biome.minecraft.jungle": "Dschungel",
    "block.minecraft.mud": "Schlamm", "block.minecraft.dirt": "Erde",
}
FRENCH = {
    "block.minecraft.stripped_oak_log": "Bûche de chêne écorcée",
    "block.minecraft.stripped_birch_log": "Bûche de bouleau écorcée",
    "block.minecraft.stripped_acacia_log": "Bûche d'acacia écorcée",
    "block.minecraft.stripped_dark_oak_log": "Bûche de chêne noir écorcée",
    "block.minecraft.stripped_jungle_log": "Bûche d'acajou écorcée",
    "block.minecraft.spruce_log": "Bûche de sapin",
    "biome.minecraft.cherry_grove": "Bosquet de cerisiers",
}


def test_species_words_are_cut_out_of_the_game_names():
    script = load_script("gen_words")
    de = script.language_table(GERMAN, "de")
    assert de["oak"]["names"] == ["Eiche"]  # "Eichen-" from its own names, linking n dropped
    assert de["birch"]["names"] == ["Birke"] and de["cherry"]["names"] == ["Kirsch"]
    assert de["dark_oak"]["names"] == ["Schwarzeiche"] and de["jungle"]["names"] == ["Tropenbaum"]
    assert de["mangrove"]["names"] == ["Mangrove"] and de["azalea"]["names"] == ["Azalee"]
    assert de["acacia"]["biomes"] == ["Savanne"] and de["mangrove"]["lore"] == ["Schlamm"]
    assert de["spruce"]["names"] == []  # not in the file: nothing invented
    fr = script.language_table(FRENCH, "fr")
    assert fr["oak"]["names"] == ["chêne"] and fr["acacia"]["names"] == ["acacia"]
    assert fr["dark_oak"]["names"] == ["chêne noir"] and fr["jungle"]["names"] == ["acajou"]
    assert fr["spruce"]["names"] == []  # one spruce log name says nothing about its kind's words
    assert fr["cherry"]["biomes"] == ["Bosquet de cerisiers"]


def test_a_run_regenerates_given_languages_and_keeps_the_others(tmp_path):
    script = load_script("gen_words")
    (tmp_path / "de_de.json").write_text(json.dumps(GERMAN), encoding="utf-8")
    out = tmp_path / "game.json"
    out.write_text((WORDS_DIR / "game.json").read_text(encoding="utf-8"), encoding="utf-8")
    shipped = json.loads(out.read_text(encoding="utf-8"))
    script.main(["--lang-dir", str(tmp_path), "--out", str(out), "--source", "a test"])
    table = json.loads(out.read_text(encoding="utf-8"))
    assert table["sources"]["de"].endswith("(the game's own translation, a test)")
    assert table["species"]["birch"]["names"]["de"] == ["Birke"]
    assert "de" not in table["species"]["spruce"]["names"]  # the small file has no spruce
    assert table["species"]["birch"]["names"]["fr"] == shipped["species"]["birch"]["names"]["fr"]  # kept
    assert table["sources"]["fr"] == shipped["sources"]["fr"]
    again = out.read_text(encoding="utf-8")
    script.main(["--lang-dir", str(tmp_path), "--out", str(out), "--source", "a test"])
    assert out.read_text(encoding="utf-8") == again  # same input, same bytes
