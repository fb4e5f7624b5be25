"""`sapling dataset build|import|export|stats` through Typer's runner, on real files."""

import json
from pathlib import Path

from typer.testing import CliRunner

from sapling.cli import app
from sapling.schematic import read_structure, write_structure
from sapling.structure import Structure

runner = CliRunner()


def test_build_export_stats_round_trip(tmp_path: Path):
    ds = tmp_path / "d"
    r = runner.invoke(app, ["dataset", "build", "--out", str(ds), "--count", "24", "--species", "oak,birch,cherry",
                            "--seed", "3"])
    assert r.exit_code == 0, r.output
    manifest = json.loads((ds / "manifest.json").read_text())
    assert manifest["count"] == 24 and set(manifest["counts"]["type"]) == {"oak", "birch", "cherry"}
    assert "oak" in r.output and "cherry" in r.output

    out = tmp_path / "schems"
    r = runner.invoke(app, ["dataset", "export", str(ds), "--out", str(out), "--limit", "5"])
    assert r.exit_code == 0, r.output
    files = sorted(out.glob("*.schem"))
    assert len(files) == 5
    assert read_structure(files[0]).num_blocks > 10
    assert (out / "captions.jsonl").exists()

    png = tmp_path / "grid.png"
    r = runner.invoke(app, ["dataset", "stats", str(ds), "--preview", str(png)])
    assert r.exit_code == 0, r.output
    assert "cherry" in r.output and png.stat().st_size > 1000


def test_import_reports_unknown_blocks_and_bad_files(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    tree = {(0, y, 0): "oak_log[axis=y]" for y in range(4)}
    tree.update({(dx, 4, dz): "oak_leaves[persistent=false]" for dx in (-1, 0, 1) for dz in (-1, 0, 1)})
    write_structure(Structure.from_blocks(tree), src / "little_oak.schem")
    write_structure(Structure.from_blocks({**tree, (2, 0, 0): "glass"}), src / "glass_oak.nbt")
    (src / "broken.schem").write_bytes(b"\x1f\x8b not really gzip")
    r = runner.invoke(app, ["dataset", "import", str(src), "--out", str(tmp_path / "d")])
    assert r.exit_code == 0, r.output
    assert "broken.schem" in r.output and "glass" in r.output


def test_bad_dataset_inputs_are_one_line(tmp_path: Path):
    r = runner.invoke(app, ["dataset", "build", "--out", str(tmp_path / "d"), "--count", "0"])
    assert r.exit_code == 1 and r.output.strip().startswith("error:") and len(r.output.strip().splitlines()) == 1
    r = runner.invoke(app, ["dataset", "build", "--out", str(tmp_path / "d"), "--species", "baobab"])
    assert r.exit_code == 1 and "baobab" in r.output
    r = runner.invoke(app, ["dataset", "stats", str(tmp_path / "nope")])
    assert r.exit_code == 1 and "does not exist" in r.output
    r = runner.invoke(app, ["dataset", "import", str(tmp_path), "--out", str(tmp_path / "x"), "--vocab", "nonsense"])
    assert r.exit_code == 1 and "--vocab must be" in r.output
    r = runner.invoke(app, ["dataset", "import", str(tmp_path), "--out", str(tmp_path / "x"), "--min-count", "0"])
    assert r.exit_code == 1 and "min-count" in r.output
    assert not (tmp_path / "x").exists()
