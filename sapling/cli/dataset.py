"""``sapling dataset``: build, import, export and inspect training datasets.

The defaults are those of ``sapling.training.dataset`` (torch-free).
"""

from pathlib import Path
from typing import Annotated, Optional

import typer

from sapling.cli.options import defaults, one_of
from sapling.schematic import FORMATS
from sapling.structure import SIZES
from sapling.training.dataset import build_dataset, export_dataset, import_dataset
from sapling.training.dataset.build import DEFAULT_SIZE_MIX
from sapling.training.dataset.importer import SCHEMATIC_SUFFIXES

BUILD = defaults(build_dataset)
IMPORT = defaults(import_dataset)
EXPORT = defaults(export_dataset)

app = typer.Typer(
    name="dataset",
    help="Build, import, export and inspect training datasets.",
    no_args_is_help=True,
)

DatasetOut = Annotated[Path, typer.Option("--out", "-o", help="Dataset folder to create.", show_default=False)]
DatasetRoot = Annotated[Path, typer.Argument(help="Dataset folder.", show_default=False)]
Overwrite = Annotated[bool, typer.Option("--overwrite", help="Replace an existing dataset in OUT.")]


def _csv(values: Optional[str]) -> Optional[list[str]]:
    return [v.strip() for v in values.split(",") if v.strip()] if values else None


@app.command("build")
def dataset_build(
    out: DatasetOut,
    # build_dataset has no default count: this one is the CLI's own.
    count: Annotated[int, typer.Option("--count", "-n", help="Number of trees.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same dataset.")] = BUILD["seed"],
    species: Annotated[Optional[str], typer.Option(
        "--species", help="Comma-separated tree types (e.g. oak,tall_birch,cherry); default all.")] = None,
    sizes: Annotated[Optional[str], typer.Option(
        "--sizes", help=f"Comma-separated size buckets ({','.join(SIZES)}); default all.")] = None,
    size_mix: Annotated[Optional[str], typer.Option(
        "--size-mix", help="Share of trees per size bucket, e.g. normal=0.6,big=0.25,huge=0.15; default "
        + ",".join(f"{k}={v:g}" for k, v in DEFAULT_SIZE_MIX.items()) + ".")] = None,
    ground: Annotated[bool, typer.Option("--ground/--no-ground", help="Lay a ground patch under each trunk.")]
    = BUILD["ground"],
    holdout: Annotated[float, typer.Option("--holdout", help="Fraction of trees held out for evaluation.")]
    = BUILD["holdout"],
    overwrite: Overwrite = BUILD["overwrite"],
) -> None:
    """Grow procedural vanilla-faithful trees with captions into dataset shards."""
    summary = build_dataset(out, count, seed=seed, types=_csv(species), sizes=_csv(sizes), ground=ground,
                            holdout=holdout, overwrite=overwrite, progress=True, size_mix=size_mix)
    typer.echo(summary.to_text())


@app.command("import")
def dataset_import(
    src: Annotated[Path, typer.Argument(help=f"Folder of {'/'.join(SCHEMATIC_SUFFIXES)} files.", show_default=False)],
    out: DatasetOut,
    captions: Annotated[Optional[Path], typer.Option(
        "--captions", help="CSV (file,caption), JSONL, or a JSON list of {original_file, prompt, tags, size}; "
        "default: metadata JSON found in SRC, then the file names.")] = IMPORT["captions"],
    vocab: Annotated[str, typer.Option(
        "--vocab", help="'data': the files' own block states; 'tree': the shipped model's vocabulary; "
        "or a vocab.json to map onto (fine-tuning).")] = IMPORT["vocab"],
    min_count: Annotated[int, typer.Option(
        "--min-count", help="States seen fewer times are merged into a similar state (or dropped, reported).")]
    = IMPORT["min_count"],
    size: Annotated[Optional[str], typer.Option(
        "--size", help=f"Put every structure into this bucket ({', '.join(SIZES)}).")] = IMPORT["size"],
    holdout: Annotated[float, typer.Option(
        "--holdout", help="Fraction held out for evaluation, per size bucket.")] = IMPORT["holdout"],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the held-out split.")] = IMPORT["seed"],
    workers: Annotated[Optional[int], typer.Option(
        "--workers", min=1, help="Processes reading files (default: one per core).")] = IMPORT["workers"],
    overwrite: Overwrite = IMPORT["overwrite"],
) -> None:
    """Import your own schematics: the data's own blocks, markers and frames, captions, a held-out split."""
    summary = import_dataset(src, out, captions=captions, vocab=vocab, min_count=min_count, size=size,
                             holdout=holdout, seed=seed, workers=workers, overwrite=overwrite, progress=True)
    typer.echo(summary.to_text())


@app.command("export")
def dataset_export(
    root: DatasetRoot,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the schematic files.", show_default=False)],
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Export at most this many entries.")]
    = EXPORT["limit"],
    fmt: Annotated[str, typer.Option("--format", help=f"{one_of(FORMATS)}.")] = EXPORT["format"],
) -> None:
    """Write dataset entries back as schematic files plus captions.jsonl."""
    n = export_dataset(root, out, limit=limit, format=fmt, progress=True)
    typer.echo(f"exported {n} structure(s) to {out}")


@app.command("stats")
def dataset_stats(
    root: DatasetRoot,
    preview_png: Annotated[Optional[Path], typer.Option(
        "--preview", help="Also write a PNG grid of sample trees.")] = None,
) -> None:
    """Counts per species and size, height and block histograms of a dataset."""
    from sapling.training.dataset import dataset_stats as stats_of

    stats = stats_of(root)
    typer.echo(stats.to_text())
    if preview_png is not None:
        typer.echo(f"wrote {stats.preview(preview_png)}")
