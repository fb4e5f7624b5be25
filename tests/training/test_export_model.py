"""scripts/export_model.py: a training checkpoint becomes a shipped-style model, sampling defaults changed by --set."""

import pytest
import torch

from helpers import load_script
from sapling.errors import ConfigError
from sapling.model.checkpoint import Checkpoint


def test_export_keeps_the_network_and_sets_sampling_defaults(tiny_checkpoint, tmp_path, monkeypatch):
    export = load_script("export_model")
    out = tmp_path / "model.pt"
    monkeypatch.setattr("sys.argv", ["export_model.py", str(tiny_checkpoint), "--out", str(out), "--note", "test run",
                                     "--set", "unasked_decoration_penalty=4", "--set", "sampling_steps=3"])
    export.main()
    before, after = Checkpoint.load(tiny_checkpoint), Checkpoint.load(out)
    assert after.sample_config.unasked_decoration_penalty == 4.0 and after.sample_config.sampling_steps == 3
    assert after.sample_config.species_lock == before.sample_config.species_lock
    assert after.info["note"] == "test run" and after.vocab == before.vocab
    assert all(v.dtype == torch.float16 for v in after.state_dict.values() if v.is_floating_point())
    monkeypatch.setattr("sys.argv", ["export_model.py", str(tiny_checkpoint), "--out", str(tmp_path / "bad.pt"),
                                     "--set", "unasked_decoration_penalty=-1"])
    with pytest.raises(ConfigError, match="must not be negative"):
        export.main()
    assert not (tmp_path / "bad.pt").exists()
