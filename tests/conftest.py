"""Shared fixtures (the real text encoder, a tiny random pipeline, one tiny training run, a running
server) and the ``torch`` marker.

Most of the suite needs no torch (DESIGN.md: the shared vocabulary of the domain and ``bridge/``
import without it), and CI runs that part where torch is not installed (``.ci/run``). So no
conftest imports torch at module level (fixtures import it when they run), and a test is marked
``torch`` when importing its module, running its function, or setting up a fixture it uses
imports torch, directly or through ``sapling`` modules (read from the import statements by
tests/torch_imports.py), or when it says so, ``@pytest.mark.torch``, because it reaches torch
in another way (through the CLI, a subprocess).

Where torch is not installed, torch tests are skipped, and a module that would import torch is
skipped whole without being imported; ``-m "not torch"`` deselects them anywhere.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from torch_imports import fixture_chains, function_chain, module_chain

HAVE_TORCH = all(importlib.util.find_spec(name) is not None for name in ("torch", "lightning", "transformers"))
NO_TORCH = "needs torch, which is not installed here"

TINY_MODEL = dict(base_channels=8, channel_mult=(1, 2), num_res_blocks=1, attention_levels=(1,), num_heads=2,
                  dropout=0.0, cond_dim=32, num_groups=4, text_max_length=16)


@pytest.fixture(scope="session")
def text_encoder():
    from sapling.model.text import TextEncoder

    return TextEncoder(max_length=16)


@pytest.fixture(scope="session")
def tiny_pipeline(text_encoder):
    """A TreePipeline over a tiny UNet with random (not zero) output weights: it draws varied blocks."""
    import torch

    from sapling.blocks import BlockVocab
    from sapling.config import ModelConfig, SampleConfig
    from sapling.model.pipeline import TreePipeline
    from sapling.model.unet3d import UNet3D

    torch.manual_seed(0)
    model = UNet3D(ModelConfig(vocab_size=len(BlockVocab.default()), **TINY_MODEL))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
        # Bias towards air, as a trained model would be: trees are mostly air.
        model.head.bias[0] += 3.0
    return TreePipeline(model, text_encoder, BlockVocab.default(), SampleConfig(sampling_steps=2), "cpu")


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """`sapling train --config config/tiny.yaml` once, from an empty folder; its TrainResult."""
    from sapling.config import load_config
    from sapling.training.train import train

    root = tmp_path_factory.mktemp("tiny_run")
    cwd = os.getcwd()
    os.chdir(root)  # the recipe must work from any folder
    try:
        return train(load_config("config/tiny.yaml"), root=root)
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="session")
def tiny_checkpoint(tiny_run) -> Path:
    return tiny_run.last_checkpoint


@pytest.fixture
def server(tiny_pipeline):
    """A started BackgroundServer with the tiny pipeline on a free loopback port, stopped after the test."""
    from sapling.server.app import BackgroundServer, ServerSettings

    with BackgroundServer(tiny_pipeline, ServerSettings(port=0)) as srv:
        yield srv


# --- the torch marker ---------------------------------------------------------------------------

def pytest_pycollect_makemodule(module_path, parent):
    """Without torch, a module that would import it is skipped without being imported."""
    if not HAVE_TORCH:
        chain = module_chain(module_path)
        if chain:
            return TorchModule.from_parent(parent, path=module_path, reason=f"it imports {' -> '.join(chain)}")
    return None


class TorchModule(pytest.Module):
    """A test module that imports torch, collected where torch is missing: one skip, nothing imported."""

    def __init__(self, *args, reason: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason = reason

    def collect(self):
        pytest.skip(f"{self.nodeid} {NO_TORCH}: {self.reason}", allow_module_level=True)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("torch") is None:
            why = torch_reason(item, config.rootpath)
            if why:
                item.add_marker(pytest.mark.torch(why))
        marker = item.get_closest_marker("torch")
        if marker is not None and not HAVE_TORCH:
            why = marker.args[0] if marker.args else "it is marked torch"
            item.add_marker(pytest.mark.skip(reason=f"{NO_TORCH}: {why}"))


def torch_reason(item, rootpath: Path) -> str | None:
    """Why ``item`` needs torch (its module, its function or a fixture it uses imports it), or None."""
    path = getattr(item, "path", None)
    if path is None or path.suffix != ".py":
        return None
    chain = module_chain(path)
    if chain:
        return f"its module imports {' -> '.join(chain)}"
    function = getattr(item, "function", None)
    chain = function_chain(function) if function is not None else None
    if chain:
        return f"it imports {' -> '.join(chain)}"
    # Fixtures by name, from the test's module and the conftest.py files above it.
    files = [path] + [d / "conftest.py" for d in path.parents
                      if (d / "conftest.py").is_file() and (d == rootpath or rootpath in d.parents)]
    for name in getattr(item, "fixturenames", ()):
        for file in files:
            chain = fixture_chains(file).get(name)
            if chain:
                return f"its fixture {name} imports {' -> '.join(chain)}"
    return None
