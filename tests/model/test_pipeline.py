"""TreePipeline on a tiny random model: shapes, determinism, callbacks, guidance, samplers, checks."""

import numpy as np
import pytest
import torch

from sapling.errors import GenerationError, ModelError
from sapling.metrics import face_connectivity
from sapling.model.checkpoint import Checkpoint, resolve_device
from sapling.config import MAX_SAMPLES, MAX_STEPS
from sapling.model.pipeline import TreePipeline
from sapling.prompts import slug
from sapling.structure import SIZES


def test_shapes_metadata_and_prompt_major_order(tiny_pipeline):
    out = tiny_pipeline(["oak tree", "birch tree"], num_samples=2, steps=2, seed=3, postprocess="none")
    assert len(out) == 4
    assert [s.metadata["prompt"] for s in out] == ["oak tree"] * 2 + ["birch tree"] * 2
    assert [s.metadata["sample"] for s in out] == [0, 1, 0, 1]
    for s in out:
        assert s.shape == SIZES["normal"]
        assert s.vocab == tiny_pipeline.vocab
        assert s.origin[0] == 8 and s.origin[2] == 8
        assert s.blocks.max() < len(s.vocab)  # the mask id never leaves the model


def test_same_seed_same_blocks_other_seed_other_blocks(tiny_pipeline):
    a = tiny_pipeline("oak tree", num_samples=2, steps=3, seed=7, postprocess="none")
    b = tiny_pipeline("oak tree", num_samples=2, steps=3, seed=7, postprocess="none")
    c = tiny_pipeline("oak tree", num_samples=2, steps=3, seed=8, postprocess="none")
    assert all(np.array_equal(x.blocks, y.blocks) for x, y in zip(a, b))
    assert not all(np.array_equal(x.blocks, y.blocks) for x, y in zip(a, c))


def test_a_tree_does_not_depend_on_what_shares_its_batch(tiny_pipeline):
    """Per-sample generators: the server batches requests and each must get its own seed's tree."""
    batched = tiny_pipeline(["oak tree", "birch tree"], num_samples=2, steps=3, seed=[7, 20], postprocess="none")
    alone = tiny_pipeline("birch tree", num_samples=2, steps=3, seed=20, postprocess="none")
    second = tiny_pipeline("birch tree", steps=3, seed=21, postprocess="none")  # sample k uses seed + k
    assert np.array_equal(batched[2].blocks, alone[0].blocks)
    assert np.array_equal(batched[3].blocks, alone[1].blocks)
    assert np.array_equal(alone[1].blocks, second[0].blocks)
    assert [s.metadata["seed"] for s in batched] == [7, 7, 20, 20]
    assert [s.metadata["sample"] for s in batched] == [0, 1, 0, 1]
    with pytest.raises(GenerationError, match="seeds for 2 prompts"):
        tiny_pipeline(["oak tree", "birch tree"], seed=[1, 2, 3])


@pytest.mark.parametrize("steps", [1, 2, 5])
def test_callback_streams_every_block_exactly_once(tiny_pipeline, steps):
    events = []
    out = tiny_pipeline(["oak tree", "spruce tree"], steps=steps, seed=1, postprocess="none", callback=events.append)
    assert [e.step for e in events] == list(range(1, steps + 1))
    assert all(e.steps == steps for e in events)
    for i, s in enumerate(out):
        streamed = {(x, y, z): state for e in events for x, y, z, state in e.blocks(i)}
        assert len(streamed) == sum(len(e.blocks(i)) for e in events)  # no voxel twice
        assert streamed == {(x, y, z): st for x, y, z, st in s.iter_blocks()}


def test_connected_sampler_grows_only_from_the_anchor(tiny_pipeline):
    out = tiny_pipeline(["oak tree"], num_samples=3, steps=4, seed=2, postprocess="none", sampler="connected")
    for s in out:
        assert s.num_blocks > 0
        assert face_connectivity(s) == 1.0
        assert (s.kinds()[8, :, 8] == 1).any()  # the anchor is a log on the centre column
    plain = tiny_pipeline(["oak tree"], num_samples=3, steps=4, seed=2, postprocess="none", sampler="plain")
    assert any(face_connectivity(s) < 1.0 for s in plain)  # the random model alone scatters blocks


def test_guidance_runs_both_halves_and_changes_the_result(tiny_pipeline):
    a = tiny_pipeline("oak tree", steps=2, seed=4, guidance_scale=1.0, postprocess="none", sampler="plain")[0]
    b = tiny_pipeline("oak tree", steps=2, seed=4, guidance_scale=4.0, postprocess="none", sampler="plain")[0]
    assert not np.array_equal(a.blocks, b.blocks)


@pytest.mark.parametrize("size", ["big", "huge"])
def test_other_sizes(tiny_pipeline, size):
    s = tiny_pipeline("giant spruce", size=size, steps=1, seed=0, postprocess="none")[0]
    assert s.shape == SIZES[size]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(prompts=""), "non-empty"),
        (dict(prompts="x" * 500), "characters"),
        (dict(size="gigantic"), "unknown size"),
        (dict(steps=0), "between 1"),
        (dict(steps=MAX_STEPS + 1), "between 1"),
        (dict(num_samples=MAX_SAMPLES + 1), "samples"),
        (dict(num_samples=0), "samples"),
        (dict(guidance_scale=-1.0), "guidance"),
        (dict(postprocess="smooth"), "post-processing"),
        (dict(sampler="magic"), "sampler"),
    ],
)
def test_bad_requests_are_refused(tiny_pipeline, kwargs, match):
    args = dict(prompts="oak tree", steps=2)
    args.update(kwargs)
    with pytest.raises(GenerationError, match=match):
        tiny_pipeline(**args)


def test_checkpoint_round_trip_and_errors(tiny_pipeline, tmp_path, text_encoder):
    ck = Checkpoint(tiny_pipeline.model.config, tiny_pipeline.vocab, tiny_pipeline.model.state_dict(),
                    tiny_pipeline.defaults, {"recipe": "test"})
    path = ck.save(tmp_path / "m.pt", dtype=torch.float16)
    loaded = TreePipeline.from_checkpoint(path, device="cpu", text_encoder=text_encoder)
    assert loaded.info == {"recipe": "test"} and loaded.vocab == tiny_pipeline.vocab
    s = loaded("oak tree", steps=2, seed=0, postprocess="none")[0]
    assert s.shape == SIZES["normal"]

    with pytest.raises(ModelError, match="does not exist"):
        TreePipeline.from_checkpoint(tmp_path / "missing.ckpt", device="cpu")
    (tmp_path / "junk.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="cannot be read"):
        TreePipeline.from_checkpoint(tmp_path / "junk.ckpt", device="cpu")
    torch.save({"state_dict": {}}, tmp_path / "other.ckpt")
    with pytest.raises(ModelError, match="not a Sapling checkpoint"):
        TreePipeline.from_checkpoint(tmp_path / "other.ckpt", device="cpu")
    bad = ck.payload()
    bad["vocab"] = bad["vocab"][:-1]
    bad["vocab_hash"] = None
    torch.save({"sapling": bad}, tmp_path / "mismatch.ckpt")
    with pytest.raises(ModelError, match="vocabulary"):
        TreePipeline.from_checkpoint(tmp_path / "mismatch.ckpt", device="cpu")


def test_devices_and_slug():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda")
    with pytest.raises(ModelError):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ModelError, match="no CUDA"):
            resolve_device("cuda")
    assert slug("Tall Birch tree!") == "tall-birch-tree"
    assert slug("???") == "tree"


@pytest.mark.parametrize("mode", ["prune", "repair"])
def test_postprocess_modes_leave_nothing_floating(tiny_pipeline, mode):
    from sapling.metrics import connectivity, leaf_decay_fraction

    out = tiny_pipeline(["oak tree"], num_samples=3, steps=3, seed=5, postprocess=mode, sampler="plain")
    for s in out:
        report = s.metadata["postprocess"]
        assert report["mode"] == mode
        assert connectivity(s) == 1.0 or s.num_blocks == 0
        assert leaf_decay_fraction(s) == 0.0
        assert report["blocks_before"] >= s.num_blocks


def test_repair_rebuilds_rather_than_deletes(tiny_pipeline):
    """Repair re-predicts the stray parts with the model: same seed, it keeps at least as much as
    pruning the same raw sample would, on average over several samples."""
    from sapling.postprocess import clean

    raw = tiny_pipeline(["oak tree"], num_samples=4, steps=3, seed=9, postprocess="none", sampler="plain")
    pruned = sum(clean(s)[0].num_blocks for s in raw)
    repaired = sum(s.num_blocks for s in tiny_pipeline(["oak tree"], num_samples=4, steps=3, seed=9,
                                                       postprocess="repair", sampler="plain"))
    assert repaired >= pruned


def test_repair_report_describes_the_raw_sample(tiny_pipeline):
    from sapling.metrics import connectivity

    raw = tiny_pipeline(["oak tree"], num_samples=2, steps=3, seed=9, postprocess="none", sampler="plain")
    fixed = tiny_pipeline(["oak tree"], num_samples=2, steps=3, seed=9, postprocess="repair", sampler="plain")
    for r, f in zip(raw, fixed):
        assert f.metadata["postprocess"]["blocks_before"] == r.num_blocks
        assert f.metadata["postprocess"]["connectivity_before"] == round(connectivity(r), 4)


def _species_of(structure) -> set:
    return {structure.vocab.species[int(i)] for i in np.unique(structure.blocks)
            if structure.vocab.species[int(i)] is not None}


def test_a_clear_prompt_gets_its_species_and_the_tree_says_why(tiny_pipeline):
    out = tiny_pipeline(["Birke", "palm tree", "oak next to a birch"], steps=2, seed=0, postprocess="repair")
    birch, palm, either = (s.metadata["species"] for s in out)
    assert birch["chosen"] == "birch" and birch["by"] == "prompt" and not birch["plain"]
    assert "'Birke' (de name of birch)" in birch["why"]
    assert _species_of(out[0]) <= {"birch"}  # the random network expects anything; the lock holds, repair too
    assert palm["chosen"] is not None and palm["why"]  # "palm tree" names no known tree: still says which
    assert palm["by"] in ("prompt", "model")
    assert either["by"] == "model" and either["chosen"] in ("oak", "birch")  # unclear: the model picks of the two


def test_without_the_prior_the_model_alone_chooses(tiny_pipeline):
    tiny_pipeline.use_prior = False
    try:
        (tree,) = tiny_pipeline("Birke", steps=2, seed=0, postprocess="none")
    finally:
        tiny_pipeline.use_prior = True
    assert tree.metadata["species"]["by"] == "model"
    assert tree.metadata["species"]["why"] == "no known tree named: the model chooses the species"


def test_an_asked_for_decoration_is_added_and_nothing_else_changes(tiny_pipeline):
    """"with a bee nest" from a network that (almost) never draws one: each tree gets one where the
    game keeps it, and the rest is the sampler's own draw."""
    import copy
    from dataclasses import replace

    from sapling.metrics import decorations_present
    from sapling.postprocess import fix_decorations

    model = copy.deepcopy(tiny_pipeline.model)
    nests = [i for i, st in enumerate(tiny_pipeline.vocab.states) if st.startswith("minecraft:bee_nest")]
    with torch.no_grad():
        model.head.bias[nests] -= 12.0
        model.head.bias[[i for i, st in enumerate(tiny_pipeline.vocab.states) if "oak_log" in st]] += 2.0
    pipe = TreePipeline(model, tiny_pipeline.text_encoder, tiny_pipeline.vocab, tiny_pipeline.defaults, "cpu")
    events = []
    prompt = "oak tree with a bee nest"
    asked = pipe(prompt, num_samples=3, steps=2, seed=5, postprocess="none", callback=events.append)
    pipe.defaults = replace(pipe.defaults, place_decorations=False)
    plain = pipe(prompt, num_samples=3, steps=2, seed=5, postprocess="none")
    for i, (a, p) in enumerate(zip(asked, plain)):
        assert "bee_nest" not in decorations_present(p)
        assert decorations_present(a) == tuple(sorted({"bee_nest", *decorations_present(p)}))
        assert a.metadata["decorations"] == {"asked": ["bee_nest"], "placed": ["bee_nest"]}
        assert p.metadata["decorations"] == {"asked": ["bee_nest"], "placed": []}
        (changed,) = np.argwhere(a.blocks != p.blocks)  # one block
        x, y, z = changed
        assert p.blocks[x, y, z] == 0 and a.vocab.states[a.blocks[x, y, z]].startswith("minecraft:bee_nest")
        assert (x, y, z) not in fix_decorations(a)[1].removed  # it stays in game
        streamed = {(x, y, z) for e in events for x, y, z, _ in e.blocks(i)}
        assert streamed == {(x, y, z) for x, y, z, _ in a.iter_blocks()}  # the bridge sees it too
    assert tiny_pipeline("oak tree", steps=2, seed=5)[0].metadata["decorations"] == {"asked": [], "placed": []}


def test_the_unasked_decoration_penalty_keeps_decorations_to_prompts_that_name_them(tiny_pipeline):
    from dataclasses import replace

    from sapling.metrics import decorations_present

    defaults = tiny_pipeline.defaults
    prompts = ["pale oak tree", "pale oak tree with hanging moss"]
    try:
        free = tiny_pipeline(prompts, num_samples=4, steps=2, seed=1, postprocess="none")
        tiny_pipeline.defaults = replace(defaults, unasked_decoration_penalty=30.0)
        damped = tiny_pipeline(prompts, num_samples=4, steps=2, seed=1, postprocess="none")
    finally:
        tiny_pipeline.defaults = defaults
    assert any(decorations_present(s) for s in free[:4])  # the random network scatters vines and moss
    assert not any(decorations_present(s) for s in damped[:4])
    assert all(decorations_present(s) == ("hanging_moss",) for s in damped[4:])  # asked: kept, nothing else


def test_coarse_to_fine_huge_trees_grow_from_the_big_tree_of_the_same_seed(tiny_pipeline):
    """A huge tree is the big tree of its seed, scaled about its trunk, with leaves and near air
    re-predicted: every log and ground block of the scaled big tree is still there."""
    from dataclasses import replace

    from sapling.blocks import KIND_ID
    from sapling.model.coarse import upscale

    defaults = tiny_pipeline.defaults
    events = []
    try:
        tiny_pipeline.defaults = replace(defaults, coarse_to_fine=True)
        huge = tiny_pipeline("oak tree", size="huge", num_samples=2, steps=2, seed=3, postprocess="none",
                             callback=events.append)
        again = tiny_pipeline("oak tree", size="huge", num_samples=2, steps=2, seed=3, postprocess="none")
        big = tiny_pipeline("oak tree", size="big", num_samples=2, steps=2, seed=3, postprocess="none")
    finally:
        tiny_pipeline.defaults = defaults
    for i, (h, b) in enumerate(zip(huge, big)):
        assert h.shape == SIZES["huge"] and np.array_equal(h.blocks, again[i].blocks)
        scaled = upscale(b.blocks, SIZES["huge"])
        kept = np.isin(h.vocab.kind_ids[scaled], [KIND_ID["log"], KIND_ID["ground"]])
        assert kept.any() and np.array_equal(h.blocks[kept], scaled[kept])
        assert not np.array_equal(h.blocks, scaled)  # the fine pass re-predicted something
        assert h.metadata["coarse_to_fine"] == {"from": "big", "refine_steps": 2, "refine_fraction": 0.6}
        assert h.metadata["species"]["chosen"] == b.metadata["species"]["chosen"]
        streamed = {(x, y, z): st for e in events for x, y, z, st in e.blocks(i)}
        assert streamed == {(x, y, z): st for x, y, z, st in h.iter_blocks()}  # kept blocks stream too
    assert [e.step for e in events] == [1, 2] and all(e.steps == 2 for e in events)
    assert "coarse_to_fine" not in big[0].metadata
