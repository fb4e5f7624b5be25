"""Every default of a ``sapling`` option is the library's: the value of the module that owns it."""

import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from sapling.bridge.forest import DEFAULT_FOREST_RADIUS, MAX_FOREST_COUNT, MAX_FOREST_RADIUS
from sapling.bridge.identity import CONFIRM_POLICIES
from sapling.bridge.preview import MAX_PREVIEW_ENTITIES, PREVIEW_TIMEOUT_S
from sapling.bridge.java import BridgeSettings, grow_tree
from sapling.cli import app
from sapling.config import HOLDOUT, IMPORT_MIN_COUNT, POSTPROCESS_MODES
from sapling.generate import _output_paths, generate_trees
from sapling.logs import LOG_LEVELS
from sapling.postprocess import clean
from sapling.schematic import FORMATS
from sapling.server.protocol import Limits
from sapling.structure import SIZES
from sapling.training.dataset import build_dataset, export_dataset, import_dataset
from sapling.training.evaluate import DEFAULT_OUT, evaluate


def signature_defaults(func) -> dict:
    return {name: p.default for name, p in inspect.signature(func).parameters.items()}


def cli_options() -> dict:
    """(command path, parameter name) -> the click parameter, for every command of the app."""
    found = {}

    def walk(group, prefix: str) -> None:
        for name, command in group.commands.items():
            path = f"{prefix} {name}".strip()
            if hasattr(command, "commands"):
                walk(command, path)
            else:
                found.update({(path, p.name): p for p in command.params if p.name != "help"})

    walk(typer.main.get_command(app), "")
    return found


OPTIONS = cli_options()
GENERATE, EVALUATE = signature_defaults(generate_trees), signature_defaults(evaluate)
BUILD, IMPORT, EXPORT = (signature_defaults(f) for f in (build_dataset, import_dataset, export_dataset))
LIMITS, BRIDGE = Limits(), BridgeSettings()

# The library default each option claims.
LIBRARY = {
    ("generate", "size"): GENERATE["size"],
    ("generate", "num_samples"): GENERATE["num_samples"],
    ("generate", "seed"): GENERATE["seed"],
    ("generate", "postprocess"): GENERATE["postprocess"],
    ("generate", "out"): GENERATE["out"],
    ("generate", "preview"): GENERATE["preview"],
    ("generate", "device"): GENERATE["device"],
    ("evaluate", "num_samples"): EVALUATE["num_samples"],
    ("evaluate", "size"): EVALUATE["size"],
    ("evaluate", "reference_count"): EVALUATE["reference_count"],
    ("evaluate", "seed"): EVALUATE["seed"],
    ("evaluate", "out"): DEFAULT_OUT,
    ("evaluate", "postprocess"): EVALUATE["postprocess"],
    ("postprocess", "connectivity"): signature_defaults(clean)["connectivity"],
    ("dataset build", "seed"): BUILD["seed"],
    ("dataset build", "ground"): BUILD["ground"],
    ("dataset build", "holdout"): HOLDOUT,
    ("dataset build", "overwrite"): BUILD["overwrite"],
    ("dataset import", "vocab"): IMPORT["vocab"],
    ("dataset import", "min_count"): IMPORT_MIN_COUNT,
    ("dataset import", "holdout"): HOLDOUT,
    ("dataset import", "seed"): IMPORT["seed"],
    ("dataset import", "overwrite"): IMPORT["overwrite"],
    ("dataset export", "fmt"): EXPORT["format"],
    **{("serve", name): getattr(LIMITS, name) for name in (
        "max_samples", "max_steps", "max_prompt_chars", "max_message_bytes", "max_queue", "max_in_flight")},
    ("bridge java", "server"): BRIDGE.server,
    ("bridge java", "trigger"): BRIDGE.trigger,
    ("bridge java", "cooldown"): BRIDGE.cooldown,
    ("bridge java", "max_size"): BRIDGE.max_size,
    ("bridge java", "confirm"): BRIDGE.confirm,
    ("bridge java", "confirm_timeout"): BRIDGE.confirm_timeout,
    ("place", "server"): BRIDGE.server,
    ("place", "size"): signature_defaults(grow_tree)["size"],
    ("place", "ground"): signature_defaults(grow_tree)["ground"],
    ("place", "radius"): DEFAULT_FOREST_RADIUS,
    ("bridge java", "ground"): BRIDGE.ground,
    ("bridge java", "preview_timeout"): PREVIEW_TIMEOUT_S,
    ("bridge java", "preview_entities"): MAX_PREVIEW_ENTITIES,
    ("place", "preview_entities"): MAX_PREVIEW_ENTITIES,
    ("bridge java", "max_forest_count"): MAX_FOREST_COUNT,
    ("bridge java", "max_forest_radius"): MAX_FOREST_RADIUS,
}
# Defaults no library function takes: the CLI's own, declared once in sapling/cli/.
CLI_OWN = {
    ("train", "config"): Path("config/config.yaml"),
    ("dataset build", "count"): 2000,
    ("undo", "last"): 1,
    ("serve", "log_level"): "info",
    ("bridge java", "log_level"): "info",
    **{(command, "rcon_host"): "127.0.0.1" for command in ("bridge java", "place", "undo")},
    **{(command, "rcon_port"): 25575 for command in ("bridge java", "place", "undo")},
    **{(command, "journal"): Path("sapling-journal.jsonl") for command in ("bridge java", "place", "undo")},
}
# Options whose help lists a library's choices.
CHOICES = {
    ("generate", "size"): SIZES,
    ("generate", "postprocess"): POSTPROCESS_MODES,
    ("generate", "fmt"): FORMATS,
    ("evaluate", "size"): SIZES,
    ("evaluate", "postprocess"): POSTPROCESS_MODES,
    ("dataset build", "sizes"): SIZES,
    ("dataset import", "size"): SIZES,
    ("dataset export", "fmt"): FORMATS,
    ("serve", "bedrock_max_size"): SIZES,
    ("serve", "log_level"): LOG_LEVELS,
    ("bridge java", "max_size"): SIZES,
    ("bridge java", "confirm"): CONFIRM_POLICIES,
    ("bridge java", "log_level"): LOG_LEVELS,
    ("place", "size"): SIZES,
    ("info", "file"): FORMATS,
    ("convert", "src"): FORMATS,
    ("postprocess", "src"): FORMATS,
}


def ids(keys) -> list[str]:
    return [f"{command}:{name}" for command, name in keys]


@pytest.mark.parametrize("key", sorted(LIBRARY), ids=ids(sorted(LIBRARY)))
def test_option_defaults_are_the_library_defaults(key):
    assert OPTIONS[key].default == LIBRARY[key]


def test_the_documented_evaluate_defaults_are_the_librarys():
    assert DEFAULT_OUT == Path("eval")  # README: sapling evaluate --out eval/
    assert EVALUATE["out"] == DEFAULT_OUT
    assert EVALUATE["postprocess"] is None  # the checkpoint's, as for generate


def test_every_default_with_a_value_is_the_librarys_or_the_clis_own():
    valued = {key for key, p in OPTIONS.items() if p.default not in (None, False)}
    assert valued <= set(LIBRARY) | set(CLI_OWN), sorted(valued - set(LIBRARY) - set(CLI_OWN))
    assert all(OPTIONS[key].default == value for key, value in CLI_OWN.items())


@pytest.mark.parametrize("key", sorted(CHOICES), ids=ids(sorted(CHOICES)))
def test_help_lists_the_librarys_choices(key):
    assert all(choice in OPTIONS[key].help for choice in CHOICES[key]), OPTIONS[key].help


def test_generate_help_shows_every_size_and_the_format_fallback(tmp_path):
    assert all(f"{name} ({x}x{y}x{z})" in OPTIONS[("generate", "size")].help for name, (x, y, z) in SIZES.items())
    # "--format ... (default: from --out's extension, else <FORMATS[0]>)"
    assert _output_paths(tmp_path / "trees", None, "oak", 0, 1)[1] == FORMATS[0]


def test_options_left_to_a_torch_module_default_to_its_values():
    from sapling.cli.serve import server_settings
    from sapling.model.pipeline import TreePipeline
    from sapling.server.app import ServerSettings

    serve_only = ("host", "port", "batch_window_ms", "max_batch", "shutdown_timeout", "bedrock_trigger",
                  "bedrock_max_size")
    assert all(OPTIONS[("serve", name)].default is None for name in serve_only)
    assert server_settings() == ServerSettings()
    given = server_settings(port=0, batch_window_ms=50, max_batch=2, bedrock_trigger=" !grow ")
    assert (given.port, given.batch_window, given.max_batch, given.bedrock_trigger) == (0, 0.05, 2, "!grow")
    # --device: None for evaluate and serve is the loader's default, which generate shows.
    loader = signature_defaults(TreePipeline.from_checkpoint)["device"]
    assert OPTIONS[("evaluate", "device")].default is None and OPTIONS[("serve", "device")].default is None
    assert GENERATE["device"] == loader


def test_help_of_the_bridge_commands_does_not_import_torch():
    code = (
        "import sys; from typer.testing import CliRunner; from sapling.cli import app\n"
        "for argv in (['--help'], ['place', '--help'], ['bridge', 'java', '--help'], ['undo', '--help']):\n"
        "    assert CliRunner().invoke(app, argv).exit_code == 0, argv\n"
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
