import json

import pytest

from sapling.errors import DatasetError
from sapling.training.dataset.captions import (
    caption_from_filename, file_captions, find_metadata, read_captions, size_from_words,
)


@pytest.mark.parametrize("name, caption", [
    ("big_tree_birch_wood_birch_leaves_fall_08_01--3de2ea13-a85d-41e0-8d28-8935430d11f5.schem",
     "big tree birch wood birch leaves fall"),
    ("oak_tree_normal_2 (1).schem", "oak tree normal"),
    ("huge_tree_oak_wood_oak_leaves_02_08.schem", "huge tree oak wood oak leaves"),
    ("bush_12_03.schem", "bush"),
    ("pack/sub/tall_birch_3.schem", "tall birch"),
    ("BigOak-02.nbt", "big oak"),
    ("spruce copy 2.litematic", "spruce"),
    ("backup/birch_tree_04 - Copy.schem", "birch tree"),
    ("birch_tree_04 - Copy (2).schem", "birch tree"),
    ("Cherry_Tree_3DE2EA13-A85D-41E0-8D28-8935430D11F5 (2).schematic", "cherry tree"),
    ("0001.litematic", "tree"),
])
def test_caption_from_filename(name, caption):
    assert caption_from_filename(name) == caption


def test_size_from_words():
    assert size_from_words("huge_tree_oak_wood_02.schem") == "huge"
    assert size_from_words("trees/big/oak_01.schem") == "big"
    assert size_from_words("oak_tree_normal_2 (1).schem") == "normal"
    assert size_from_words("bigoak.schem") is None  # a word, not a substring
    assert size_from_words("big_or_huge.schem") is None  # two sizes: no hint


def test_read_captions_csv_and_jsonl(tmp_path):
    csv_file = tmp_path / "c.csv"
    csv_file.write_text('file,caption\na.schem,"a pink tree, small"\na.schem,cherry\nb.nbt,oak\n')
    table = read_captions(csv_file)
    assert {k: v.captions for k, v in table.info.items()} == {"a.schem": ["a pink tree, small", "cherry"],
                                                              "b.nbt": ["oak"]}
    jl = tmp_path / "c.jsonl"
    jl.write_text('{"file": "a.schem", "caption": "oak"}\n\n{"file": "b.schem", "captions": ["x", "y"]}\n')
    assert {k: v.captions for k, v in read_captions(jl).info.items()} == {"a.schem": ["oak"], "b.schem": ["x", "y"]}
    bad = tmp_path / "bad.csv"
    bad.write_text("file,caption\nonly-a-name\n")
    with pytest.raises(DatasetError, match="line 2"):
        read_captions(bad)
    jl.write_text('{"file": "a.schem"}\n')
    with pytest.raises(DatasetError, match="line 1"):
        read_captions(jl)
    with pytest.raises(DatasetError, match="does not exist"):
        read_captions(tmp_path / "nope.csv")
    (tmp_path / "c.txt").write_text("a,b")
    with pytest.raises(DatasetError, match=".csv"):
        read_captions(tmp_path / "c.txt")


def test_read_captions_from_a_metadata_list(tmp_path):
    meta = tmp_path / "metadata.json"
    meta.write_text(json.dumps([
        {"original_file": "big_tree_birch_01.schem", "prompt": "a tall birch in autumn", "tags": ["tree", "birch"],
         "size": "big"},
        {"original_file": "bush_12_03.schem", "tags": ["bush"], "size": "gigantic"},
    ]))
    table = read_captions(meta)
    birch = table.lookup("sub/big_tree_birch_01.schem")  # matched by file name
    assert birch.captions == ["a tall birch in autumn", "tree, birch"] and birch.size == "big"
    assert table.lookup("bush_12_03.schem").size is None  # an unknown size is no hint
    assert table.lookup("other.schem") is None
    assert table.lookup("backup/big_tree_birch_01 - Copy.schem") is birch  # a copy has its original's captions
    assert table.unused == []
    meta.write_text(json.dumps([{"prompt": "no file"}]))
    with pytest.raises(DatasetError, match="item 0"):
        read_captions(meta)


def test_find_metadata_reads_lists_naming_files_and_ignores_other_json(tmp_path):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "metadata.json").write_text(json.dumps([
        {"original_file": "oak_01.schem", "prompt": "an oak", "size": "normal"}]))
    (tmp_path / "settings.json").write_text(json.dumps({"not": "metadata"}))
    (tmp_path / "broken.json").write_text("{")
    table = find_metadata(tmp_path)
    assert table.sources == ["pack/metadata.json"]
    assert table.lookup("pack/oak_01.schem").captions == ["an oak"]


def test_file_captions():
    assert file_captions({"captions": ["a", " b "]}) == ["a", "b"]
    assert file_captions({"prompt": "oak tree"}) == ["oak tree"]
    assert file_captions({"data_version": 4189}) is None


def test_file_names_that_name_a_species_get_word_list_captions_too():
    from sapling.prompts import species_from_prompt
    from sapling.training.dataset.captions import captions_from_filename

    caps = captions_from_filename("big_birch_tree_03 (1).schem")
    assert caps[0] == "big birch tree" and len(caps) == 3
    assert {species_from_prompt(c) for c in caps} == {"birch"}
    assert caps == captions_from_filename("big_birch_tree_03 (1).schem")  # the same every import
    assert captions_from_filename("house_2.schem") == ["house"]  # no species: the name alone
    assert captions_from_filename("oak_and_birch.schem") == ["oak and birch"]  # unclear: the name alone
