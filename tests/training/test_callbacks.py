"""The periodic sample check draws each prompt at the size it names, with the real tiny pipeline."""

from types import SimpleNamespace

from PIL import Image

from sapling.structure import SIZES
from sapling.training.callbacks import SampleEvaluation, prompt_size


def test_prompt_size_is_the_first_word_when_it_names_a_trained_size():
    trained = ("normal", "big", "huge")
    assert prompt_size("huge acacia tree", trained) == "huge"
    assert prompt_size("Big birch tree", trained) == "big"
    assert prompt_size("oak tree", trained) == "normal"
    assert prompt_size("huge acacia tree", ("normal", "big")) == "normal"  # not trained at huge: default
    assert prompt_size("an oak that is huge", trained) == "normal"  # only a leading size word counts
    assert prompt_size("", trained) == "normal"


def test_sample_check_draws_prompts_at_their_sizes(tiny_pipeline, tmp_path, monkeypatch):
    logged = {}
    module = SimpleNamespace(ema=tiny_pipeline.model, pipeline=lambda: tiny_pipeline,
                             log_dict=lambda values, **_: logged.update(values))
    trainer = SimpleNamespace(current_epoch=1, sanity_checking=False, is_global_zero=True, loggers=[],
                              default_root_dir=str(tmp_path))
    drawn = []
    real_call = type(tiny_pipeline).__call__

    def recording_call(self, prompts, **kw):
        out = real_call(self, prompts, **kw)
        drawn.extend((s.metadata["prompt"], s.blocks.shape) for s in out)
        return out

    check = SampleEvaluation(("big oak tree", "birch tree"), every_n_epochs=2, num_samples=1, steps=2,
                             sizes=("normal", "big"))
    monkeypatch.setattr(type(tiny_pipeline), "__call__", recording_call)
    check.on_validation_epoch_end(trainer, module)
    assert sorted(drawn) == [("big oak tree", SIZES["big"]), ("birch tree", SIZES["normal"])]
    assert 0.0 <= logged["samples/connectivity"] <= 1.0
    preview = tmp_path / "checkpoints" / "samples-epoch=2.png"
    assert Image.open(preview).size[0] > 0
