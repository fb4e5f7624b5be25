"""`sapling evaluate` on a tiny random-weight pipeline: report files, metric ranges, targets, prompts, bad inputs."""

from __future__ import annotations

import json
import random
import re

import pytest
from PIL import Image

from sapling.blocks import SPECIES
from sapling.errors import ConfigError, GenerationError, SaplingError
from sapling.metrics import decorations_present
from sapling.prompts import DEFAULT_PROMPTS, load_prompts, species_from_prompt
from sapling.structure import SIZES
from sapling.training.corpus.base import REGISTRY
from sapling.training.corpus.captions import captions
from sapling.training.corpus.generate import generate_tree, tree_types
from sapling.training.evaluate import (
    REFERENCE_SEED,
    EvalReport,
    Summary,
    evaluate,
    reference_trees,
    targets_for,
)

PROMPTS = ["oak tree", "a sakura in bloom"]
FRACTIONS = ("connectivity", "fully_connected", "face_connectivity", "leaf_decay", "species_purity", "trunk_crown",
             "post_connectivity", "post_fully_connected", "blocks_removed", "one_nna", "coverage", "diversity",
             "reference_diversity")


@pytest.fixture(scope="module")
def report(tiny_pipeline, tmp_path_factory) -> EvalReport:
    out = tmp_path_factory.mktemp("eval")
    return evaluate(tiny_pipeline, PROMPTS, num_samples=2, steps=2, out=out, reference_count=4, postprocess="prune",
                    progress=False)


def test_report_json_holds_every_measurement(report):
    data = json.loads(report.files["report_json"].read_text())
    assert set(data) >= {"settings", "overall", "targets", "passed", "prompts", "seconds"}
    assert data["settings"]["num_samples"] == 2 and data["settings"]["steps"] == 2
    assert data["settings"]["postprocess"] == "prune"
    assert [p["prompt"] for p in data["prompts"]] == PROMPTS
    assert [p["species"] for p in data["prompts"]] == ["oak", "cherry"]
    for p in data["prompts"]:
        assert p["references"] == 4
        assert len(p["samples"]) == 2
        assert [s["index"] for s in p["samples"]] == [0, 1]
        for s in p["samples"]:
            assert s["raw"]["blocks"] > 0 and s["post"]["blocks"] <= s["raw"]["blocks"]
            assert 0.0 <= s["blocks_removed"] <= 1.0
            assert s["seconds"] > 0
            assert s["post"]["connectivity"] == 1.0  # clean() leaves nothing floating
        summary = p["summary"]
        assert set(summary) == set(Summary().as_dict())
        for key in FRACTIONS:  # the tiny model measures everything: set metrics included
            assert summary[key] is not None and 0.0 <= summary[key] <= 1.0, key
        assert summary["components"] >= 1 and summary["seconds_per_tree"] > 0
        assert summary["diversity_ratio"] == pytest.approx(summary["diversity"] / summary["reference_diversity"])
    overall = data["overall"]
    mean_conn = sum(p["summary"]["connectivity"] for p in data["prompts"]) / len(PROMPTS)
    assert overall["connectivity"] == pytest.approx(mean_conn)


def test_targets_are_checked_with_booleans(report):
    data = json.loads(report.files["report_json"].read_text())
    keys = [t["key"] for t in data["targets"]]
    assert keys == [t.key for t in targets_for("normal")]
    for t in data["targets"]:
        if t["value"] is None:  # not measured (no prompt here asks for a decoration): neither pass nor fail
            assert t["passed"] is None and t["key"] == "decoration_present", t
            continue
        assert isinstance(t["passed"], bool), t
        value, threshold = t["value"], t["threshold"]
        assert t["passed"] == (value >= threshold - 1e-9 if t["direction"] == ">=" else value <= threshold + 1e-9)
    assert data["passed"] == all(t["passed"] for t in data["targets"])
    assert all(isinstance(v, bool) or (k == "decoration_present" and v is None)
               for p in data["prompts"] for k, v in p["passes"].items())
    # Random weights make no trees, but the species prior locks clear prompts to their species.
    species = next(t for t in data["targets"] if t["key"] == "species_purity")
    assert species["passed"] is True and data["passed"] is False


def test_markdown_tables_and_preview_sheets(report):
    md = report.files["report_md"].read_text()
    assert "## Targets" in md and "## Overall (mean over prompts)" in md and "## Per prompt" in md
    assert "✓" in md and "✗" in md
    per_prompt = md.split("## Per prompt")[1]
    rows = [line for line in per_prompt.splitlines() if line.startswith("| [")]
    assert len(rows) == len(PROMPTS)
    header = next(line for line in per_prompt.splitlines() if line.startswith("| prompt"))
    assert all(row.count("|") == header.count("|") for row in rows)
    assert "1-NNA" in header and "corpus div." in header
    for p in report.prompts:
        assert p.preview.is_file() and p.preview.name == f"{p.slug}.png"
        with Image.open(p.preview) as img:
            assert img.format == "PNG" and img.width > 300
    assert "Targets met" in report.to_text()


def test_repeated_prompts_get_distinct_sheets_and_none_skips_post(tiny_pipeline, tmp_path):
    r = evaluate(tiny_pipeline, ["oak tree", "Oak tree!"], num_samples=1, steps=1, out=tmp_path,
                 reference_count=0, postprocess="none", progress=False)
    assert [p.slug for p in r.prompts] == ["oak-tree", "oak-tree-2"]
    assert all(p.preview.is_file() for p in r.prompts)
    assert r.overall.post_connectivity is None and r.overall.one_nna is None
    passed = {t.target.key: t.passed for t in r.targets}
    assert passed["post_connectivity"] is None and passed["one_nna"] is None  # not measured, not failed
    assert isinstance(passed["connectivity"], bool)


def test_no_out_writes_nothing_and_progress_callback_counts_prompts(tiny_pipeline, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    calls = []
    r = evaluate(tiny_pipeline, ["birch tree"], num_samples=1, steps=1, out=None, reference_count=0,
                 progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 1)]
    assert r.settings["postprocess"] == tiny_pipeline.default_postprocess  # no postprocess: the checkpoint's
    assert r.files == {} and r.prompts[0].preview is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_repair_mode_and_chunks(tiny_pipeline, tmp_path):
    r = evaluate(tiny_pipeline, ["spruce tree"], num_samples=17, steps=2, out=tmp_path, reference_count=3,
                 postprocess="repair", progress=False)
    samples = r.prompts[0].samples
    assert [s.index for s in samples] == list(range(17))
    assert {s.seed for s in samples} == {0, 16}  # chunks of at most 16 draw their own seeds
    assert r.overall.post_connectivity == 1.0


def test_reference_trees_are_held_out_and_fit_the_size():
    refs = reference_trees("spruce", "normal", 6)
    assert len(refs) == 6
    assert all(r.shape == SIZES["normal"] for r in refs)
    assert all(r.metadata["seed"] >= REFERENCE_SEED for r in refs)
    assert {REGISTRY[r.metadata["tree_type"]].species for r in refs} == {"spruce"}
    assert len(reference_trees(None, "normal", 3)) == 3
    assert reference_trees("oak", "normal", 0) == []



def test_reference_trees_carry_the_decorations_the_prompt_asks_for():
    # Mangroves carry vines on about a third of the trees: "mangrove tree" (asks for none) is
    # compared with vine-free mangroves, "mangrove tree with vines" with vined ones.
    plain = reference_trees("mangrove", "normal", 6, decorations=frozenset())
    vined = reference_trees("mangrove", "normal", 6, decorations=frozenset({"vines"}))
    assert len(plain) == len(vined) == 6
    assert all("vines" not in decorations_present(r) for r in plain)
    assert all("vines" in decorations_present(r) for r in vined)
    unfiltered = reference_trees("mangrove", "normal", 24)
    assert any("vines" in decorations_present(r) for r in unfiltered)
    # No oak carries cocoa (a jungle decoration): the filter is dropped rather than return nothing.
    assert len(reference_trees("oak", "normal", 3, decorations=frozenset({"cocoa"}))) == 3

# --- prompts ---

def test_default_prompts_cover_every_species_and_size_word():
    prompts = load_prompts()
    assert DEFAULT_PROMPTS.is_file() and len(prompts) == len(set(prompts))
    species = {species_from_prompt(p) for p in prompts}
    assert None not in species and species == set(SPECIES)
    words = {w for p in prompts for w in p.lower().split()}
    assert {"small", "tall"} <= words and words & {"huge", "giant"}
    from sapling.metrics import DECORATION_BLOCKS
    from sapling.prompts import decorations_asked

    # Every decoration a prompt can ask for is asked for, so its target is measured.
    assert set().union(*(decorations_asked(p) for p in prompts)) == set(DECORATION_BLOCKS)


def test_default_prompts_include_phrasings_the_captions_never_use():
    import sapling.training.corpus.captions as module

    # The English caption styles (the word-list captions teach words like "spooky" on purpose).
    caption_words, caption_texts = set(), set()
    saved, module.WORD_CAPTION_SHARE = module.WORD_CAPTION_SHARE, 0.0
    try:
        for t in tree_types():
            for seed in range(12):
                for c in captions(generate_tree(t, seed).attributes, random.Random(seed), n=8):
                    caption_texts.add(c)
                    caption_words.update(re.findall(r"[a-z0-9-]+", c.lower()))
    finally:
        module.WORD_CAPTION_SHARE = saved
    prompts = load_prompts()
    unseen = ["a sakura in bloom", "birch with white bark please", "tree from a spooky pale garden"]
    for p in unseen:
        assert p in prompts
    novel = [p for p in prompts if set(re.findall(r"[a-z0-9-]+", p.lower())) - caption_words]
    assert set(unseen) <= set(novel) and len(novel) >= 5
    assert not set(novel) & caption_texts


def test_load_prompts_reads_a_file_and_refuses_bad_ones(tmp_path):
    good = tmp_path / "p.txt"
    good.write_text("# my prompts\n\n  oak tree  \n# a comment\nbirch tree\n", encoding="utf-8")
    assert load_prompts(good) == ["oak tree", "birch tree"]
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing here\n\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="holds no prompts"):
        load_prompts(empty)
    with pytest.raises(ConfigError, match="does not exist"):
        load_prompts(tmp_path / "missing.txt")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00oak")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_prompts(binary)
    long = tmp_path / "long.txt"
    long.write_text("oak " * 100, encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1"):
        load_prompts(long)


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_samples=0), "number of samples"),
    (dict(num_samples=2.5), "number of samples"),
    (dict(size="medium"), "unknown size 'medium'"),
    (dict(prompts=[]), "at least one prompt"),
    (dict(prompts=["oak tree", "  "]), "non-empty"),
    (dict(steps=0), "sampling steps"),
    (dict(reference_count=-1), "reference_count"),
    (dict(postprocess="polish"), "unknown post-processing"),
])
def test_bad_inputs_are_refused_before_sampling(tiny_pipeline, tmp_path, kwargs, match):
    args = dict(prompts=["oak tree"], num_samples=1, out=tmp_path / "out", progress=False) | kwargs
    with pytest.raises(SaplingError, match=match) as info:
        evaluate(tiny_pipeline, **args)
    assert isinstance(info.value, GenerationError)
    assert not (tmp_path / "out").exists()


def test_species_accuracy_by_category_and_language(tiny_pipeline, tmp_path):
    from sapling.training.evaluate import SPECIES_ACCURACY_TARGET, species_accuracy

    tagged = ["[names/de] Birke", "[biomes/en] savanna tree", "[lore/en] a tree with white bark"]
    rep = evaluate(tiny_pipeline, tagged, num_samples=2, steps=2, out=tmp_path, reference_count=0,
                   postprocess="none", progress=False)
    assert [p.prompt for p in rep.prompts] == ["Birke", "savanna tree", "a tree with white bark"]  # tags stripped
    assert [p.category for p in rep.prompts] == ["names/de", "biomes/en", "lore/en"]
    assert [p.species for p in rep.prompts] == ["birch", "acacia", "birch"]
    rows = {r.group: r for r in species_accuracy(rep.prompts)}
    assert list(rows) == ["names", "biomes", "lore", "en", "de", "all"]
    assert rows["en"].prompts == 2 and rows["en"].trees == 4 and rows["all"].trees == 6
    # the lock gives a clear prompt its species even on a random network
    assert rows["all"].right == 6 and rows["all"].share == 1.0 and rows["all"].passed
    assert rows["all"].passed is (rows["all"].share >= SPECIES_ACCURACY_TARGET)
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["species_accuracy"][-1]["group"] == "all" and data["prompts"][0]["tree_species"] == ["birch"] * 2
    md = (tmp_path / "report.md").read_text()
    assert "## Species by prompt category" in md and "| names | 1 | 2 | 2 | 100% | ✓ |" in md
    assert "Species right (trees): names 100%" in rep.to_text()
    assert species_accuracy(evaluate(tiny_pipeline, ["oak tree"], num_samples=1, steps=1, out=None,
                                     reference_count=0, postprocess="none", progress=False).prompts) == []


def test_tree_species_is_the_leaves_majority_then_the_logs():
    from sapling.structure import Structure
    from sapling.training.evaluate import tree_species

    azalea = {(0, y, 0): "oak_log[axis=y]" for y in range(4)}
    azalea.update({(x, 4, 0): "azalea_leaves" for x in range(-1, 2)})
    assert tree_species(Structure.from_blocks(azalea)) == "azalea"  # more logs than leaves: leaves decide
    assert tree_species(Structure.from_blocks({(0, 0, 0): "birch_log[axis=y]"})) == "birch"
    assert tree_species(Structure.from_blocks({(0, 0, 0): "dirt"})) is None
