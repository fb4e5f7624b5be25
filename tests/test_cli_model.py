"""`sapling train` and `sapling generate` through Typer's runner, on the tiny recipe."""

from pathlib import Path

import pytest
from helpers import one_line_error
from typer.testing import CliRunner

from sapling.cli import app
from sapling.schematic import read_structure

pytestmark = pytest.mark.torch  # these commands import the model (torch) before they check their arguments

runner = CliRunner()


def test_generate_writes_files_identically_for_a_seed(tiny_checkpoint, tmp_path):
    args = ["generate", "--checkpoint", str(tiny_checkpoint), "--prompt", "oak tree", "--num-samples", "2",
            "--sampling-steps", "8", "--postprocess", "none"]
    a = runner.invoke(app, [*args, "--out", str(tmp_path / "a"), "--preview"])
    assert a.exit_code == 0, a.output
    files = sorted((tmp_path / "a").glob("*.schem"))
    assert [f.name for f in files] == ["oak-tree-0-0.schem", "oak-tree-0-1.schem"]
    assert "conn raw" in a.output and "oak-tree-0-0.schem" in a.output
    assert (tmp_path / "a" / "oak-tree-0-preview.png").exists()
    b = runner.invoke(app, [*args, "--out", str(tmp_path / "b")])
    assert b.exit_code == 0, b.output
    for f in files:
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes()
    s = read_structure(files[0])
    assert s.shape[0] <= 16 and s.metadata.get("prompt") == "oak tree"


def test_generate_single_file_other_format(tiny_checkpoint, tmp_path):
    out = tmp_path / "tree.nbt"
    r = runner.invoke(app, ["generate", "--checkpoint", str(tiny_checkpoint), "--prompt", "birch",
                            "--sampling-steps", "2", "--out", str(out), "--postprocess", "none"])
    assert r.exit_code == 0, r.output
    assert read_structure(out).metadata.get("prompt") == "birch"


@pytest.mark.parametrize(
    "extra,match",
    [
        (["--size", "gigantic"], "unknown size"),
        (["--sampling-steps", "0"], "between 1"),
        (["--sampling-steps", "100000"], "between 1"),
        (["--num-samples", "1000"], "samples"),
        (["--prompt", ""], "non-empty"),
        (["--prompt", "x" * 300], "characters"),
        (["--postprocess", "smooth"], "post-processing"),
        (["--format", "jpeg"], "format"),
        (["--out", "trees.txt"], "extension"),
        (["--num-samples", "2", "--out", "one.schem"], "one file"),
        (["--device", "tpu"], "device"),
    ],
)
def test_generate_bad_input_is_one_line(tiny_checkpoint, tmp_path, extra, match):
    args = ["generate", "--checkpoint", str(tiny_checkpoint), "--prompt", "oak tree", "--out", str(tmp_path / "o")]
    r = runner.invoke(app, [*args, *extra])
    assert r.exit_code == 1, r.output
    assert match in one_line_error(r)


def test_generate_checkpoint_errors(tmp_path):
    r = runner.invoke(app, ["generate", "--prompt", "oak", "--checkpoint", str(tmp_path / "missing.ckpt"),
                            "--out", str(tmp_path / "o")])
    assert r.exit_code == 1 and "missing.ckpt: no such file" in one_line_error(r)
    bad = tmp_path / "corrupt.ckpt"
    bad.write_bytes(b"\x00" * 100)
    r = runner.invoke(app, ["generate", "--prompt", "oak", "--checkpoint", str(bad), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1 and "cannot be read" in one_line_error(r)


def test_generate_unwritable_output(tiny_checkpoint, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = runner.invoke(app, ["generate", "--checkpoint", str(tiny_checkpoint), "--prompt", "oak",
                            "--out", str(blocker / "sub")])
    assert r.exit_code == 1 and "output" in one_line_error(r)


def test_train_cli_resume_and_bad_flags(tiny_checkpoint, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["train", "--resume", str(tiny_checkpoint), "--set", "training.num_epochs=4",
                            "--set", "training.sample_every_n_epochs=0"])
    assert r.exit_code == 0, r.output
    assert "trained 4 epoch(s)" in r.output
    assert list(Path("lightning_logs").glob("version_*/checkpoints/epoch=3.ckpt"))

    r = runner.invoke(app, ["train", "--config", "config/tiny.yaml", "--set", "training.nope=1"])
    assert r.exit_code == 1 and "unknown key" in one_line_error(r)
    r = runner.invoke(app, ["train", "--config", "missing.yaml"])
    assert r.exit_code == 1 and "not found" in one_line_error(r)
    r = runner.invoke(app, ["train", "--resume", str(tmp_path / "none.ckpt")])
    assert r.exit_code == 1 and "no such file" in one_line_error(r)
    r = runner.invoke(app, ["train", "--config", "config/tiny.yaml", "--init-from", str(tmp_path / "none.ckpt")])
    assert r.exit_code == 1 and "no such file" in one_line_error(r)
    r = runner.invoke(app, ["train", "--config", "config/cpu.yaml", "--init-from", str(tiny_checkpoint)])
    assert r.exit_code == 1 and "model section differs" in one_line_error(r)


def test_postprocess_cleans_a_dirty_file(tmp_path):
    from sapling.metrics import connectivity, leaf_decay_fraction
    from sapling.schematic import write_structure
    from sapling.structure import Structure

    tree = {(0, y, 0): "oak_log[axis=y]" for y in range(4)}
    tree.update({(dx, 4, dz): "oak_leaves[persistent=false]" for dx in (-1, 0, 1) for dz in (-1, 0, 1)})
    dirty = {**tree, (5, 8, 5): "oak_leaves[persistent=false]", (4, 0, 4): "glass",
             (1, 1, 0): "vine[east=false,north=false,south=false,up=false,west=false]"}
    write_structure(Structure.from_blocks(dirty), tmp_path / "dirty.schem")
    r = runner.invoke(app, ["postprocess", str(tmp_path / "dirty.schem"), str(tmp_path / "clean.schem"), "--report"])
    assert r.exit_code == 0, r.output
    clean = read_structure(tmp_path / "clean.schem")
    assert connectivity(clean) == 1.0 and leaf_decay_fraction(clean) == 0.0
    assert clean.num_blocks == len(tree)
    assert "wrote" in r.output

    r = runner.invoke(app, ["postprocess", str(tmp_path / "dirty.schem"), str(tmp_path / "c.schem"),
                            "--connectivity", "diagonal"])
    assert r.exit_code == 1 and "diagonal" in one_line_error(r)
    r = runner.invoke(app, ["postprocess", str(tmp_path / "missing.schem"), str(tmp_path / "c.schem")])
    assert r.exit_code == 1 and "no such file" in one_line_error(r)


def test_evaluate_writes_reports(tiny_checkpoint, tmp_path):
    import json

    prompts = tmp_path / "prompts.txt"
    prompts.write_text("# two prompts\noak tree\nbirch\n")
    r = runner.invoke(app, ["evaluate", "--checkpoint", str(tiny_checkpoint), "--prompts", str(prompts),
                            "--num-samples", "2", "--sampling-steps", "2", "--reference-count", "4",
                            "--out", str(tmp_path / "ev")])
    assert r.exit_code == 0, r.output
    report = json.loads((tmp_path / "ev" / "report.json").read_text())
    assert len(report["prompts"]) == 2
    assert (tmp_path / "ev" / "report.md").read_text().count("|") > 10
    assert len(list((tmp_path / "ev").glob("*.png"))) == 2

    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    r = runner.invoke(app, ["evaluate", "--checkpoint", str(tiny_checkpoint), "--prompts", str(empty)])
    assert r.exit_code == 1 and "error:" in r.output
    r = runner.invoke(app, ["evaluate", "--checkpoint", str(tmp_path / "missing.ckpt")])
    assert r.exit_code == 1 and "no such file" in one_line_error(r)
