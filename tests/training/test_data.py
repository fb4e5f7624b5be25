"""Training data with windows: tall trees cut to windows that know where they sit, whole grids otherwise."""

import numpy as np
import pytest
import torch

from sapling.blocks import BlockVocab
from sapling.config import Config, DataConfig, config_from_dict, config_to_dict
from sapling.errors import ConfigError
from sapling.model.unet3d import Window, coordinate_channels, window_coordinate_channels
from sapling.training.data import TreeDataModule, window_offset, window_shape
from sapling.training.train import train


@pytest.fixture(scope="module")
def windowed(tmp_path_factory):
    """A corpus of normal and big trees, read through 16x16x16 windows."""
    root = tmp_path_factory.mktemp("windows")
    cfg = DataConfig(corpus_size=24, types=("oak", "mega_spruce"), sizes=("normal", "big"), holdout=0.25,
                     window=(16, 16, 16))
    dm = TreeDataModule(cfg, BlockVocab.default(), batch_size=4, seed=0, cache_root=root)
    dm.setup()
    return dm


def test_window_shape_keeps_smaller_sides():
    assert window_shape((24, 64, 24), (16, 32, 16)) == (16, 32, 16)
    assert window_shape((16, 16, 16), (16, 32, 16)) == (16, 16, 16)
    assert window_shape((24, 64, 24), ()) == (24, 64, 24)


def test_windows_are_cut_from_their_tree_where_the_batch_says(windowed):
    torch.manual_seed(0)  # where the windows fall
    seen_offsets = set()
    for _ in range(3):  # a few epochs: the big trees are few
        for batch in windowed.train_dataloader():
            assert batch["tokens"].shape[1:] == (16, 16, 16)
            for offset, frame in zip(batch["window"].offset, batch["window"].frame):
                assert tuple(frame.tolist()) in {(16, 16, 16), (16, 32, 16)}
                assert 0 <= offset[1] <= frame[1] - 16 and offset[0] == offset[2] == 0
                seen_offsets.add(int(offset[1]))
    assert len(seen_offsets) > 3  # big trees are seen at many heights
    # Every window is the slice of a real tree at its offset.
    ts = windowed.train_set
    for i in range(len(ts)):
        size, row = ts.items[i]
        tokens, _, offset, frame = ts[i]
        ox, oy, oz = offset.tolist()
        whole = ts.buckets[size].blocks[row]
        assert tuple(frame.tolist()) == whole.shape
        np.testing.assert_array_equal(tokens.numpy(), whole[ox:ox + 16, oy:oy + 16, oz:oz + 16])


def test_validation_windows_stay_put(windowed):
    vs = windowed.val_set
    first = [vs[i][2].tolist() for i in range(len(vs))]
    assert [vs[i][2].tolist() for i in range(len(vs))] == first


@pytest.mark.parametrize("frame", ["grid", "world"])
def test_a_window_sees_the_same_coordinates_as_that_part_of_its_whole_grid(frame):
    whole = window_coordinate_channels((24, 64, 24), Window.whole(1, (24, 64, 24)), frame)
    part = window_coordinate_channels((16, 32, 16), Window(torch.tensor([[4, 20, 8]]), torch.tensor([[24, 64, 24]])),
                                      frame)
    torch.testing.assert_close(part, whole[:, :, 4:20, 20:52, 8:24])


def test_whole_grids_in_the_grid_frame_keep_the_shipped_models_coordinates():
    for shape in [(16, 16, 16), (16, 32, 16), (24, 64, 24)]:
        torch.testing.assert_close(window_coordinate_channels(shape, Window.whole(2, shape))[1],
                                   coordinate_channels(shape))


def test_the_world_frame_tells_a_huge_trees_window_from_a_big_trees():
    huge = window_coordinate_channels((16, 32, 16), Window(torch.tensor([[4, 0, 4]]), torch.tensor([[24, 64, 24]])),
                                      "world")
    big = window_coordinate_channels((16, 32, 16), Window.whole(1, (16, 32, 16)), "world")
    assert big[0, 4, 0, 0, 0] == 0.5 and huge[0, 4, 0, 0, 0] == 1.0
    torch.testing.assert_close(big[:, :4], huge[:, :4])  # the same place in blocks: only the height differs


def test_a_bad_window_is_a_clear_error():
    with pytest.raises(ConfigError, match="data.window must be"):
        DataConfig(window=(16, 16))
    with pytest.raises(ConfigError, match="data.window must be"):
        DataConfig(window=(16, 2, 16))


def test_a_windowed_run_trains_on_windows_and_samples_whole_trees(tmp_path):
    """The world frame here; the grid frame takes the same path with 4 channels."""
    from sapling.config import load_config
    from sapling.model.pipeline import TreePipeline

    tiny = load_config("tiny.yaml")
    cfg = config_from_dict(Config, {
        **config_to_dict(tiny),
        "model": {**config_to_dict(tiny.model), "coord_frame": "world"},
        "data": {**config_to_dict(tiny.data), "sizes": ["normal", "big"], "types": ["oak", "mega_spruce"],
                 "corpus_size": 24, "window": [16, 16, 16]},
        "training": {**config_to_dict(tiny.training), "num_epochs": 1, "sample_every_n_epochs": 0},
    })
    result = train(cfg, root=tmp_path)
    pipe = TreePipeline.from_checkpoint(result.last_checkpoint, device="cpu")
    assert pipe.model.config.coord_frame == "world"
    tree = pipe("spruce tree", size="big", steps=2, seed=0, postprocess="none")[0]
    assert tree.shape == (16, 32, 16)


def test_window_offsets_see_the_ends_of_a_tall_tree_often():
    """A huge tree's ground patch (y = 0) and crown top (y = 63) get a fair share of 16x32x16 windows."""
    g = torch.Generator().manual_seed(0)
    offsets = torch.tensor([window_offset(64, 32, g) for _ in range(4000)])
    assert offsets.min() == 0 and offsets.max() == 32  # always inside the grid, and reaching both ends
    sees = lambda y: ((offsets <= y) & (y < offsets + 32)).float().mean().item()  # noqa: E731
    assert 0.22 < sees(0) < 0.32 and 0.20 < sees(63) < 0.30  # a uniform start: 1 in 33 (0.03)
    assert 0.68 < sees(31) < 0.82
    assert min(sees(y) for y in range(64)) > 0.2
    assert window_offset(16, 16, g) == 0 and window_offset(10, 16, g) == 0
