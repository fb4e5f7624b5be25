"""Commands on structure files: ``info``, ``convert``, ``preview`` and ``postprocess``."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from sapling.cli.options import check_output_format, defaults, given, one_of, require_file
from sapling.postprocess import clean
from sapling.schematic import FORMATS

if TYPE_CHECKING:  # only for annotations
    from sapling.structure import Structure

CLEAN = defaults(clean)
FILE_TYPES = one_of("." + f for f in FORMATS)  # ".schem, .nbt or .litematic"

InputFile = Annotated[Path, typer.Argument(help=f"Input: {FILE_TYPES}.", show_default=False)]
OutputFile = Annotated[Path, typer.Argument(help="Output; its extension picks the format.", show_default=False)]


@dataclass(frozen=True)
class StructureSummary:
    """What ``sapling info`` reports about one structure.

    ``size`` is ``(X, Y, Z)``; ``origin`` is the trunk base in grid coordinates;
    ``kinds``, ``species`` and ``palette`` count blocks, most frequent first
    (``kinds`` lists every non-air kind, ``species`` only those present,
    ``palette`` every state of the file's palette, air included).
    Checked against the game's block table (``sapling.game_data``, Java ``game_version``):
    ``unknown_blocks`` counts the palette states whose block the game does not know (modded,
    misspelled); ``invalid_states`` lists, per palette state, what is wrong with the
    properties of a known block (a value the block does not allow, a property it lacks).
    """

    size: tuple[int, int, int]
    origin: tuple[int, int, int]
    blocks: int
    kinds: dict[str, int]
    species: dict[str, int]
    palette: dict[str, int]
    metadata: dict[str, Any]
    metrics: dict[str, Any]
    game_version: str = ""
    unknown_blocks: dict[str, int] = field(default_factory=dict)
    invalid_states: dict[str, list[str]] = field(default_factory=dict)


def summarize(structure: "Structure") -> StructureSummary:
    """Counts of a structure by kind, species and palette state (pure)."""
    import numpy as np

    from sapling import game_data
    from sapling.blocks import KINDS
    from sapling.metrics import tree_metrics

    vocab = structure.vocab
    per_id = np.bincount(structure.blocks.ravel(), minlength=len(vocab))
    per_kind = np.bincount(vocab.kind_ids.astype(np.int64), weights=per_id, minlength=len(KINDS))
    species: dict[str, int] = {}
    for block_id, sp in enumerate(vocab.species):
        if sp is not None and per_id[block_id]:
            species[sp] = species.get(sp, 0) + int(per_id[block_id])

    def by_count(counts: dict[str, int]) -> dict[str, int]:
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    unknown: dict[str, int] = {}
    invalid: dict[str, list[str]] = {}
    for block_id, state in enumerate(vocab.states):
        check = game_data.complete_state(state)
        if not check.known:
            unknown[state] = int(per_id[block_id])
        elif check.problems:
            invalid[state] = list(check.problems)

    return StructureSummary(
        size=structure.shape,
        origin=structure.origin,
        blocks=structure.num_blocks,
        kinds=by_count({k: int(per_kind[i]) for i, k in enumerate(KINDS) if k != "air"}),
        species=by_count(species),
        palette=by_count({s: int(per_id[i]) for i, s in enumerate(vocab.states)}),
        metadata=dict(structure.metadata),
        metrics=tree_metrics(structure).as_dict(),
        game_version=game_data.GAME_VERSION,
        unknown_blocks=by_count(unknown),
        invalid_states=dict(sorted(invalid.items())),
    )


def _format_summary(path: Path, s: StructureSummary) -> str:
    def counts(d: dict[str, int]) -> str:
        return ", ".join(f"{k} {n}" for k, n in d.items() if n) or "none"

    width = len(str(max(s.palette.values(), default=0)))
    lines = [
        str(path),
        f"  size     {s.size[0]} x {s.size[1]} x {s.size[2]}  (X x Y x Z, y up)",
        f"  origin   {s.origin}  (trunk base, grid coordinates)",
        f"  blocks   {s.blocks} (not air)",
        f"  kinds    {counts(s.kinds)}",
        f"  species  {counts(s.species)}",
        f"  palette  {len(s.palette)} states",
        *(f"    {n:>{width}}  {state}" for state, n in s.palette.items()),
    ]
    if s.unknown_blocks:
        unknown = ", ".join(f"{state} {n}" for state, n in s.unknown_blocks.items())
        lines.append(f"  unknown to Java {s.game_version}: {unknown}")
    if s.invalid_states:
        lines.append("  invalid states:")
        lines += [f"    {state} ({s.palette.get(state, 0)}): {'; '.join(problems)}"
                  for state, problems in s.invalid_states.items()]
    if not s.unknown_blocks and not s.invalid_states:
        lines.append(f"  game     every state is valid in Java {s.game_version}")
    m = s.metrics
    lines += [
        "  metrics",
        f"    connectivity {m['connectivity']:.3f} (any contact), {m['face_connectivity']:.3f} (faces); "
        f"components {m['components']}",
        f"    trunk height {m['trunk_height']}, height {m['height']}, width {m['width']}, "
        f"leaves topping the trunk: {'yes' if m['crown_above_trunk'] else 'no'}",
        f"    leaf decay fraction {m['leaf_decay_fraction']:.3f}; dominant species {m['dominant_species'] or 'none'}",
    ]
    if s.metadata:
        lines.append("  metadata")
        lines += [f"    {k}: {json.dumps(v, default=str)}" for k, v in s.metadata.items()]
    return "\n".join(lines)



def info(
    file: Annotated[Path, typer.Argument(help=f"A {FILE_TYPES} file.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
) -> None:
    """Show a structure's size, origin, block counts by kind and species, and palette."""
    from sapling.schematic import read_structure

    require_file(file)
    summary = summarize(read_structure(file))
    if as_json:
        typer.echo(json.dumps({"file": str(file), **asdict(summary)}, indent=2, default=str))
    else:
        typer.echo(_format_summary(file, summary))


def convert(src: InputFile, dst: OutputFile) -> None:
    """Convert a structure between formats; every block and the origin are kept."""
    from sapling.schematic import read_structure, write_structure

    check_output_format(dst)
    require_file(src)
    structure = read_structure(src)
    written = write_structure(structure, dst)
    x, y, z = structure.shape
    typer.echo(f"wrote {written} ({x}x{y}x{z}, {structure.num_blocks} blocks, origin {structure.origin})")


def _progress() -> Any:
    """A rich progress bar on stderr; it disappears when done, so stdout stays clean.

    Off when stderr is not a terminal: a log or a pipe would only get blank lines.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def _read_all(files: list[Path], what: str = "reading") -> list["Structure"]:
    """Read every file, with a progress bar; the first bad file stops with its error."""
    from sapling.schematic import read_structure

    for f in files:
        require_file(f)
    structures = []
    with _progress() as bar:
        task = bar.add_task(what, total=len(files))
        for f in files:
            bar.update(task, description=f"{what} {f.name}")
            structures.append(read_structure(f))
            bar.advance(task)
    return structures


def preview(
    files: Annotated[list[Path], typer.Argument(help="Structure files to draw, one tile each.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG file to write.", show_default=False)],
    columns: Annotated[
        Optional[int], typer.Option("--columns", min=1, help="Tiles per row (default: about square).")
    ] = None,
) -> None:
    """Draw one or more structures into a single PNG, one captioned tile each."""
    from sapling.render import save_preview

    structures = _read_all(files)
    with _progress() as bar:
        bar.add_task(f"rendering {len(structures)} structure(s)", total=None)
        written = save_preview(structures, out, captions=[f.name for f in files], columns=columns)
    typer.echo(f"wrote {written} ({len(structures)} structure(s))")


def postprocess(
    src: InputFile,
    dst: OutputFile,
    connectivity: Annotated[str, typer.Option(
        "--connectivity", help="any: blocks touching at a face, edge or corner are attached; face: faces only.")]
    = CLEAN["connectivity"],
    drop_decaying: Annotated[bool, typer.Option(
        "--drop-decaying", help="Remove leaves too far from a log (default: make them persistent).")] = False,
    extend_trunk: Annotated[bool, typer.Option(
        "--extend-trunk", help="Extend a floating trunk down to the floor instead of lowering the tree.")] = False,
    report: Annotated[bool, typer.Option("--report", help="Print what was changed.")] = False,
) -> None:
    """Clean up any tree schematic: keep the main structure, fix leaf states, log axes and decorations."""
    from sapling.schematic import read_structure, write_structure

    check_output_format(dst)
    require_file(src)
    structure = read_structure(src)
    # Each flag asks for the other mode; without it, clean's default (persistent leaves, a lowered tree).
    cleaned, rep = clean(structure, connectivity=connectivity, **given(
        leaves="drop" if drop_decaying else None, ground_mode="extend" if extend_trunk else None))
    written = write_structure(cleaned, dst)
    if report:
        typer.echo(rep.to_text())
    typer.echo(f"wrote {written} ({rep.blocks_after} of {rep.blocks_before} blocks kept)")
