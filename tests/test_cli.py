"""The ``sapling`` command line, run through Typer's CliRunner on real files in tmp_path."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from sapling import __version__
from sapling.cli import app
from sapling.cli.files import summarize
from sapling.errors import SaplingError
from sapling.schematic import FORMATS, read_structure, write_structure
from sapling.structure import Structure

runner = CliRunner()

COMMANDS = (
    "generate", "train", "evaluate", "dataset", "preview", "convert", "info",
    "postprocess", "serve", "bridge", "place", "undo",
)
DATASET_COMMANDS = ("build", "import", "export", "stats")


def oak(height: int = 5) -> Structure:
    """A small oak: a log column with a leaf crown; leaves name their distance (lossless)."""
    blocks = {(0, y, 0): "minecraft:oak_log[axis=y]" for y in range(height)}
    for dx in (-1, 0, 1):
        for dz in (-1, 0, 1):
            if (dx, dz) != (0, 0):
                blocks[(dx, height - 1, dz)] = "minecraft:oak_leaves[distance=1,persistent=false]"
    blocks[(0, height, 0)] = "minecraft:oak_leaves[distance=1,persistent=false]"
    blocks[(1, 0, 0)] = "minecraft:vine[east=false,north=false,south=false,up=false,west=true]"
    return Structure.from_blocks(blocks, metadata={"prompt": "small oak"})


def birch() -> Structure:
    blocks = {(0, y, 0): "minecraft:birch_log[axis=y]" for y in range(4)}
    blocks[(0, 4, 0)] = "minecraft:birch_leaves[distance=1,persistent=true]"
    return Structure.from_blocks(blocks)


@pytest.fixture
def oak_file(tmp_path: Path) -> Path:
    return write_structure(oak(), tmp_path / "oak.schem")


def one_error_line(result) -> str:
    """The single ``error: ...`` line a user error must print on stderr (and no traceback)."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.output
    return lines[0]


# --- the app itself ---

def test_help_lists_every_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output, command
    sub = runner.invoke(app, ["dataset", "--help"])
    assert sub.exit_code == 0
    for command in ("build", "import", "export", "stats"):
        assert command in sub.output


def test_every_command_has_help():
    for argv in [[c] for c in COMMANDS] + [["dataset", c] for c in DATASET_COMMANDS]:
        result = runner.invoke(app, [*argv, "--help"])
        assert result.exit_code == 0, argv
        assert "Usage" in result.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"sapling {__version__}"


def test_help_does_not_import_torch():
    code = (
        "import sys; from typer.testing import CliRunner; from sapling.cli import app; "
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0; "
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_python_dash_m_runs_main(tmp_path: Path):
    ok = subprocess.run([sys.executable, "-m", "sapling", "--version"], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.strip() == f"sapling {__version__}"
    # main() keeps the one-line rule outside the test runner too.
    bad = subprocess.run(
        [sys.executable, "-m", "sapling", "info", str(tmp_path / "missing.schem")],
        capture_output=True, text=True,
    )
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [f"error: {tmp_path / 'missing.schem'}: no such file"]


def test_usage_error_is_one_line(oak_file: Path):
    result = runner.invoke(app, ["preview", str(oak_file)])  # --out missing
    assert result.exit_code == 2
    assert "--out" in one_error_line(result)
    result = runner.invoke(app, ["no-such-command"])
    assert result.exit_code == 2
    assert "no-such-command" in one_error_line(result)


# --- info ---

def test_info_text(oak_file: Path):
    result = runner.invoke(app, ["info", str(oak_file)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "size     3 x 6 x 3" in out
    assert "origin   (1, 0, 1)" in out
    assert "blocks   15 (not air)" in out
    assert "kinds    leaves 9, log 5, decoration 1" in out
    assert "species  oak 14" in out
    assert "minecraft:oak_log[axis=y]" in out
    assert '"small oak"' in out  # metadata survives the file


def test_info_json(oak_file: Path):
    result = runner.invoke(app, ["info", str(oak_file), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["file"] == str(oak_file)
    assert data["size"] == [3, 6, 3]
    assert data["origin"] == [1, 0, 1]
    assert data["blocks"] == 15
    assert data["kinds"] == {"leaves": 9, "log": 5, "decoration": 1, "ground": 0, "other": 0}
    assert data["species"] == {"oak": 14}
    assert data["palette"]["minecraft:oak_log[axis=y]"] == 5
    assert sum(data["palette"].values()) == 3 * 6 * 3  # every voxel, air included
    assert data["metadata"]["prompt"] == "small oak"


def test_summarize_counts_species_separately():
    a, b = oak(), birch()
    blocks = {**a.block_dict(), **{(x + 4, y, z): s for (x, y, z), s in b.block_dict().items()}}
    s = summarize(Structure.from_blocks(blocks))
    assert s.species == {"oak": 14, "birch": 5}
    assert s.kinds["log"] == 9 and s.blocks == 20
    assert list(s.palette)[0] == "minecraft:air"  # most frequent first


def test_info_missing_file(tmp_path: Path):
    result = runner.invoke(app, ["info", str(tmp_path / "nope.schem")])
    assert result.exit_code == 1
    assert "nope.schem" in one_error_line(result)


def test_info_directory(tmp_path: Path):
    result = runner.invoke(app, ["info", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a file" in one_error_line(result)


@pytest.mark.parametrize("fmt", FORMATS)
def test_info_truncated_file(tmp_path: Path, fmt: str):
    path = write_structure(oak(), tmp_path / f"oak.{fmt}")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    result = runner.invoke(app, ["info", str(path)])
    assert result.exit_code == 1, result.output
    one_error_line(result)


def test_info_unknown_extension(tmp_path: Path):
    path = tmp_path / "tree.txt"
    path.write_text("not a schematic")
    result = runner.invoke(app, ["info", str(path)])
    assert result.exit_code == 1
    one_error_line(result)


def test_debug_flag_shows_the_exception(tmp_path: Path):
    path = tmp_path / "tree.txt"
    path.write_text("not a schematic")
    result = runner.invoke(app, ["--debug", "info", str(path)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SaplingError)


# --- convert ---

def test_convert_every_format_keeps_blocks_and_origin(oak_file: Path, tmp_path: Path):
    original = read_structure(oak_file)
    src = oak_file
    for fmt in ("nbt", "litematic", "schem"):
        dst = tmp_path / f"step.{fmt}"
        result = runner.invoke(app, ["convert", str(src), str(dst)])
        assert result.exit_code == 0, result.output
        assert f"wrote {dst}" in result.stdout
        back = read_structure(dst)
        assert back.block_dict() == original.block_dict()  # relative to the origin
        assert back.origin == original.origin
        src = dst


def test_convert_unknown_output_extension(oak_file: Path, tmp_path: Path):
    dst = tmp_path / "oak.obj"
    result = runner.invoke(app, ["convert", str(oak_file), str(dst)])
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "'.obj'" in line and ".schem" in line
    assert not dst.exists()


def test_convert_missing_input(tmp_path: Path):
    dst = tmp_path / "oak.nbt"
    result = runner.invoke(app, ["convert", str(tmp_path / "none.schem"), str(dst)])
    assert result.exit_code == 1
    one_error_line(result)
    assert not dst.exists()


# --- preview ---

def test_preview_many_files(tmp_path: Path):
    files = [write_structure(oak(), tmp_path / "oak.schem"), write_structure(birch(), tmp_path / "birch.nbt")]
    wide, tall = tmp_path / "wide.png", tmp_path / "tall.png"
    result = runner.invoke(app, ["preview", *map(str, files), "--out", str(wide)])
    assert result.exit_code == 0, result.output
    assert f"wrote {wide}" in result.stdout
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    result = runner.invoke(app, ["preview", *map(str, files), "--out", str(tall), "--columns", "1"])
    assert result.exit_code == 0, result.output
    with Image.open(wide) as w, Image.open(tall) as t:
        assert w.format == t.format == "PNG"
        assert t.height > w.height and t.width < w.width  # one column stacks the tiles


def test_preview_bad_output_extension(oak_file: Path, tmp_path: Path):
    result = runner.invoke(app, ["preview", str(oak_file), "--out", str(tmp_path / "x.jpg")])
    assert result.exit_code == 1
    assert ".png" in one_error_line(result)


def test_preview_missing_file(oak_file: Path, tmp_path: Path):
    out = tmp_path / "x.png"
    result = runner.invoke(app, ["preview", str(oak_file), str(tmp_path / "gone.nbt"), "--out", str(out)])
    assert result.exit_code == 1
    assert "gone.nbt" in one_error_line(result)
    assert not out.exists()
