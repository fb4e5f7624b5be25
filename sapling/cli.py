"""The ``sapling`` command line: a thin Typer layer that parses, delegates and reports.

Every command imports its domain module inside the function, so ``sapling --help``
stays fast and never imports torch.

Errors: a user error (any ``SaplingError``, a missing or unreadable file, a bad
flag) is printed as one line, ``error: ...``, on stderr. ``SaplingError`` and file
errors exit with 1, usage errors (bad flag, missing argument) with click's usual 2.
The global ``--debug`` flag (or ``SAPLING_DEBUG=1``) lets the exception through with
its traceback. Anything else is a bug and always keeps its traceback. The rule lives
in the root group (``SaplingGroup``), so it holds for every command, whether the app
runs from ``main()`` or from a test's ``CliRunner``.
"""

import errno
import json
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Iterator, NoReturn, Optional

import typer
from typer.core import TyperGroup

from sapling import __version__
from sapling.config import HOLDOUT, IMPORT_MIN_COUNT
from sapling.errors import SaplingError, SchematicError

if TYPE_CHECKING:  # only for annotations; importing these at run time would slow --help
    from sapling.structure import Structure

_DEBUG_KEY = "sapling.debug"
# Typer may vendor its own copy of click, so take click's UsageError from Typer's
# BadParameter rather than from the `click` package.
_UsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def _fail(message: str, code: int = 1) -> NoReturn:
    """Print one ``error: ...`` line on stderr and exit with ``code``."""
    typer.echo("error: " + " ".join(message.split()), err=True)
    raise typer.Exit(code)


def _os_message(exc: OSError) -> str:
    """``FileNotFoundError(2, 'No such file or directory', 'x')`` -> ``"x: no such file or directory"``."""
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror[0].lower()}{exc.strerror[1:]}"
    return str(exc)


@contextmanager
def _user_errors(ctx: typer.Context) -> Iterator[None]:
    """Turn user errors raised inside the block into one line on stderr (see module docstring)."""
    try:
        yield
    except _UsageError as exc:
        # `sapling` alone prints the help (NoArgsIsHelpError): not an error.
        if ctx.meta.get(_DEBUG_KEY) or type(exc).__name__ == "NoArgsIsHelpError":
            raise
        where = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
        _fail(f"{exc.format_message()} (see '{where} --help')", code=exc.exit_code)
    except SaplingError as exc:
        if ctx.meta.get(_DEBUG_KEY):
            raise
        _fail(str(exc) or type(exc).__name__)
    except OSError as exc:
        if ctx.meta.get(_DEBUG_KEY) or exc.errno == errno.EPIPE:
            raise  # typer handles a closed pipe (`sapling info x | head`) quietly
        _fail(_os_message(exc))


class SaplingGroup(TyperGroup):
    """The root command group: applies the one-line error rule to every command.

    ``parse_args`` covers bad top-level flags; ``invoke`` covers everything a
    subcommand does, including parsing its own arguments.
    """

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        with _user_errors(ctx):
            return super().parse_args(ctx, args)

    def invoke(self, ctx: typer.Context) -> Any:
        with _user_errors(ctx):
            return super().invoke(ctx)


app = typer.Typer(
    name="sapling",
    cls=SaplingGroup,
    help="Sapling: text-to-tree generation for Minecraft.",
    no_args_is_help=True,
    add_completion=False,
    # Bugs keep a plain Python traceback; user errors never reach this handler.
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"sapling {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", envvar="SAPLING_DEBUG", help="Show the full traceback of an error."),
    ] = False,
) -> None:
    """Sapling: text-to-tree generation for Minecraft.

    Trees are block structures read from and written to .schem (WorldEdit), .nbt
    (structure blocks) and .litematic (Litematica) files.
    """
    ctx.meta[_DEBUG_KEY] = debug


# --- helpers shared by the commands ---

def _require_file(path: Path) -> None:
    """Fail early with a clear message for a path that is not a readable file."""
    if not path.exists():
        raise SchematicError(f"{path}: no such file")
    if not path.is_file():
        raise SchematicError(f"{path}: not a file")


def _check_output_format(path: Path) -> None:
    """Reject an output path whose extension names no schematic format, before any work."""
    from sapling.schematic import FORMATS

    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        accepted = ", ".join("." + f for f in FORMATS)
        shown = f"'.{suffix}'" if suffix else "no extension"
        raise SchematicError(f"{path}: cannot tell the format from {shown}; use one of {accepted}")


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
        _require_file(f)
    structures = []
    with _progress() as bar:
        task = bar.add_task(what, total=len(files))
        for f in files:
            bar.update(task, description=f"{what} {f.name}")
            structures.append(read_structure(f))
            bar.advance(task)
    return structures


# --- info ---

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


@app.command()
def info(
    file: Annotated[Path, typer.Argument(help="A .schem, .nbt or .litematic file.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
) -> None:
    """Show a structure's size, origin, block counts by kind and species, and palette."""
    from sapling.schematic import read_structure

    _require_file(file)
    summary = summarize(read_structure(file))
    if as_json:
        typer.echo(json.dumps({"file": str(file), **asdict(summary)}, indent=2, default=str))
    else:
        typer.echo(_format_summary(file, summary))


# --- convert ---

@app.command()
def convert(
    src: Annotated[Path, typer.Argument(help="Input: .schem, .nbt or .litematic.", show_default=False)],
    dst: Annotated[Path, typer.Argument(help="Output; its extension picks the format.", show_default=False)],
) -> None:
    """Convert a structure between formats; every block and the origin are kept."""
    from sapling.schematic import read_structure, write_structure

    _check_output_format(dst)
    _require_file(src)
    structure = read_structure(src)
    written = write_structure(structure, dst)
    x, y, z = structure.shape
    typer.echo(f"wrote {written} ({x}x{y}x{z}, {structure.num_blocks} blocks, origin {structure.origin})")


# --- preview ---

@app.command()
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


# --- train ---

@app.command()
def train(
    config: Annotated[Path, typer.Option(
        "--config", "-c", help="YAML recipe (a file, or a packaged one: config.yaml, cpu.yaml, tiny.yaml).")]
    = Path("config/config.yaml"),
    resume: Annotated[Optional[Path], typer.Option(
        "--resume", help="Continue a run exactly from one of its checkpoints (epoch=N.ckpt or last.ckpt).")] = None,
    init_from: Annotated[Optional[Path], typer.Option(
        "--init-from", help="Start a new run from a checkpoint's EMA weights (fine-tune; fresh optimizer "
                            "and schedule). The recipe's model section must match the checkpoint's.")] = None,
    overrides: Annotated[Optional[list[str]], typer.Option(
        "--set", help="Override one recipe key: dotted (training.learning_rate=1e-4) or a name that is "
                      "unambiguous (num_epochs=4).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print the resolved recipe (and, for an old Lightning config, what each of its keys "
                          "became); train nothing.")] = False,
) -> None:
    """Train the diffusion model from a recipe; logs and checkpoints go to ./lightning_logs/.

    An old Lightning UNet config is read too; a table shows what each of its keys became.
    """
    import yaml

    from sapling.config import apply_overrides, config_from_dict, config_to_dict
    from sapling.recipe_compat import load_recipe

    sets = list(overrides or [])
    if init_from is not None:
        _require_file(init_from)
    translation = None
    if resume is not None:
        # A resumed run keeps the recipe it was started with; --set may still change keys (e.g. num_epochs).
        _require_file(resume)
        from sapling.config import Config
        from sapling.training.train import config_from_checkpoint

        cfg = config_from_dict(Config, apply_overrides(config_to_dict(config_from_checkpoint(resume)), sets))
    else:
        recipe = load_recipe(config, sets, strict=not dry_run)
        cfg, translation = recipe.config, recipe.translation
    if translation is not None:
        typer.echo(translation.table())
    if dry_run:
        source = resume if resume is not None else recipe.path
        typer.echo(f"# resolved recipe ({source}{', with --set ' + ' '.join(sets) if sets else ''}); "
                   "model.vocab_size is set from the data when training starts")
        typer.echo(yaml.safe_dump(config_to_dict(cfg), sort_keys=False, default_flow_style=None).rstrip())
        return
    from sapling.training.train import train as run

    if translation is not None and translation.dataset_import is not None:
        typer.echo(translation.dataset_import.run(progress=True))
    result = run(cfg, resume=resume, init_from=init_from)
    typer.echo(f"trained {result.epochs} epoch(s), {result.global_step} steps in {result.seconds:.0f} s")
    typer.echo(f"logs: {result.log_dir}")
    if result.last_checkpoint:
        typer.echo(f"last checkpoint: {result.last_checkpoint}")


# --- generate ---

@app.command()
def generate(
    prompt: Annotated[str, typer.Option("--prompt", "-p", help="What to grow, e.g. 'tall birch tree'.",
                                        show_default=False)],
    checkpoint: Annotated[Optional[Path], typer.Option(
        "--checkpoint", help="A checkpoint (.ckpt from training, or .pt); default: the shipped model.")] = None,
    size: Annotated[str, typer.Option("--size", help="normal (16x16x16), big (16x32x16) or huge (24x64x24).")]
    = "normal",
    num_samples: Annotated[int, typer.Option("--num-samples", "-n", help="Trees to generate.")] = 1,
    sampling_steps: Annotated[Optional[int], typer.Option(
        "--sampling-steps", help="Unmasking steps (default: the checkpoint's).")] = None,
    guidance_scale: Annotated[Optional[float], typer.Option(
        "--guidance-scale", help="Classifier-free guidance; 1 = off (default: the checkpoint's).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same trees.")] = 0,
    postprocess: Annotated[str, typer.Option(
        "--postprocess", help="none, prune or repair (default: repair when available, else prune).")] = "auto",
    fmt: Annotated[Optional[str], typer.Option(
        "--format", help="schem, nbt or litematic (default: from --out's extension, else schem).")] = None,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Output folder (one file per tree) or a file name for a single tree.")] = Path("out"),
    preview: Annotated[bool, typer.Option("--preview", help="Also write a PNG preview grid.")] = False,
    device: Annotated[str, typer.Option("--device", help="auto, cpu or cuda.")] = "auto",
) -> None:
    """Generate trees from a text prompt and write them as schematic files."""
    from sapling.generate import generate_trees

    result = generate_trees(
        prompt=prompt, checkpoint=checkpoint, size=size, num_samples=num_samples, steps=sampling_steps,
        guidance_scale=guidance_scale, seed=seed, postprocess=postprocess, fmt=fmt, out=out,
        preview=preview, device=device,
    )
    typer.echo(result.table())


# --- postprocess ---

@app.command()
def postprocess(
    src: Annotated[Path, typer.Argument(help="Input: .schem, .nbt or .litematic.", show_default=False)],
    dst: Annotated[Path, typer.Argument(help="Output; its extension picks the format.", show_default=False)],
    connectivity: Annotated[str, typer.Option(
        "--connectivity", help="any: blocks touching at a face, edge or corner are attached; face: faces only.")]
    = "any",
    drop_decaying: Annotated[bool, typer.Option(
        "--drop-decaying", help="Remove leaves too far from a log (default: make them persistent).")] = False,
    extend_trunk: Annotated[bool, typer.Option(
        "--extend-trunk", help="Extend a floating trunk down to the floor instead of lowering the tree.")] = False,
    report: Annotated[bool, typer.Option("--report", help="Print what was changed.")] = False,
) -> None:
    """Clean up any tree schematic: keep the main structure, fix leaf states, log axes and decorations."""
    from sapling.postprocess import clean
    from sapling.schematic import read_structure, write_structure

    _check_output_format(dst)
    _require_file(src)
    structure = read_structure(src)
    cleaned, rep = clean(structure, connectivity=connectivity, leaves="drop" if drop_decaying else "persist",
                         ground_mode="extend" if extend_trunk else "lower")
    written = write_structure(cleaned, dst)
    if report:
        typer.echo(rep.to_text())
    typer.echo(f"wrote {written} ({rep.blocks_after} of {rep.blocks_before} blocks kept)")


# --- evaluate ---

@app.command()
def evaluate(
    checkpoint: Annotated[Optional[Path], typer.Option(
        "--checkpoint", help="A checkpoint (.ckpt or .pt); default: the shipped model.")] = None,
    prompts: Annotated[Optional[Path], typer.Option(
        "--prompts", help="Text file, one prompt per line (# comments); default: the built-in list.")] = None,
    num_samples: Annotated[int, typer.Option("--num-samples", "-n", help="Samples per prompt.")] = 16,
    size: Annotated[str, typer.Option("--size", help="normal, big or huge.")] = "normal",
    sampling_steps: Annotated[Optional[int], typer.Option(
        "--sampling-steps", help="Unmasking steps (default: the checkpoint's).")] = None,
    guidance_scale: Annotated[Optional[float], typer.Option(
        "--guidance-scale", help="Classifier-free guidance (default: the checkpoint's).")] = None,
    postprocess: Annotated[Optional[str], typer.Option(
        "--postprocess", help="How post-processed metrics are made: none, prune or repair "
        "(default: the checkpoint's).")] = None,
    reference_count: Annotated[int, typer.Option(
        "--reference-count", help="Held-out corpus trees per species for 1-NNA, coverage and diversity.")] = 64,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    dataset: Annotated[Optional[Path], typer.Option(
        "--dataset", help="For a model trained on imported data: compare with this dataset's held-out "
        "split (and, without --prompts, prompt with its captions).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for report.json, report.md and PNG grids.")]
    = Path("eval"),
    device: Annotated[str, typer.Option("--device", help="auto, cpu or cuda.")] = "auto",
) -> None:
    """Score a checkpoint: coherence, species, realism and diversity against the corpus, speed."""
    from sapling.generate import default_checkpoint
    from sapling.model.pipeline import TreePipeline
    from sapling.prompts import load_prompts
    from sapling.training.evaluate import evaluate as run

    prompt_list = load_prompts(prompts) if prompts is not None or dataset is None else None
    if checkpoint is not None:
        _require_file(checkpoint)
    pipe = TreePipeline.from_checkpoint(checkpoint or default_checkpoint(), device=device)
    report = run(pipe, prompt_list, num_samples=num_samples, size=size, steps=sampling_steps,
                 guidance_scale=guidance_scale, seed=seed, out=out, reference_count=reference_count,
                 postprocess=postprocess or pipe.default_postprocess, dataset=dataset)
    typer.echo(report.to_text())
    typer.echo(f"report: {out / 'report.md'}")


# --- serve ---

@app.command()
def serve(
    checkpoint: Annotated[Optional[Path], typer.Option(
        "--checkpoint", help="A checkpoint (.ckpt or .pt); default: the shipped model.")] = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind; anything but loopback needs --token.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port (0 picks a free one).")] = 8765,
    device: Annotated[str, typer.Option("--device", help="auto (CUDA when there is one), cpu or cuda.")] = "auto",
    token: Annotated[Optional[str], typer.Option(
        "--token", envvar="SAPLING_TOKEN",
        help="Clients must send it (Authorization: Bearer, or ?token=). Prefer the SAPLING_TOKEN variable: "
             "a flag value shows in the process list.")] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")] = "info",
    max_samples: Annotated[int, typer.Option("--max-samples", help="Trees per request.")] = 8,
    max_steps: Annotated[int, typer.Option("--max-steps", help="Sampling steps per request.")] = 64,
    max_prompt_chars: Annotated[int, typer.Option("--max-prompt-chars", help="Characters per prompt.")] = 200,
    max_message_bytes: Annotated[int, typer.Option(
        "--max-message-bytes", help="Bytes per websocket message, both ways.")] = 1 << 20,
    max_queue: Annotated[int, typer.Option(
        "--max-queue", help="Requests waiting for the model; more are answered 'busy'.")] = 32,
    max_in_flight: Annotated[int, typer.Option(
        "--max-in-flight", help="Requests one connection may have waiting or running.")] = 4,
    batch_window_ms: Annotated[float, typer.Option(
        "--batch-window-ms", help="How long a request waits for others to share its forward pass.")] = 20.0,
    max_batch: Annotated[int, typer.Option("--max-batch", help="Trees per forward pass.")] = 16,
    shutdown_timeout: Annotated[float, typer.Option(
        "--shutdown-timeout", help="Seconds SIGINT/SIGTERM lets running requests finish.")] = 10.0,
    bedrock_trigger: Annotated[str, typer.Option(
        "--bedrock-trigger", help="Chat word of Bedrock players' commands (/connect HOST:PORT/bedrock).")] = "!tree",
    bedrock_max_size: Annotated[str, typer.Option(
        "--bedrock-max-size", help="Largest size Bedrock players may ask for.")] = "big",
) -> None:
    """Serve tree generation over a websocket (docs/protocol.md) to bridges and other clients."""
    import asyncio

    from sapling.generate import default_checkpoint
    from sapling.model.pipeline import TreePipeline
    from sapling.bridge.bedrock import endpoints
    from sapling.logs import configure_logging
    from sapling.server.app import SaplingServer, ServerConfigError, ServerSettings, model_info, serve_forever
    from sapling.server.protocol import Limits

    configure_logging(log_level)
    try:
        limits = Limits(max_samples=max_samples, max_steps=max_steps, max_prompt_chars=max_prompt_chars,
                        max_message_bytes=max_message_bytes, max_queue=max_queue, max_in_flight=max_in_flight)
    except ValueError as exc:
        raise ServerConfigError(str(exc)) from None
    if batch_window_ms < 0 or max_batch < 1 or shutdown_timeout < 0:
        raise ServerConfigError("--batch-window-ms and --shutdown-timeout must be >= 0, --max-batch >= 1")
    settings = ServerSettings(host=host, port=port, token=token, limits=limits, batch_window=batch_window_ms / 1000,
                              max_batch=max_batch, shutdown_timeout=shutdown_timeout,
                              bedrock_trigger=bedrock_trigger.strip(), bedrock_max_size=bedrock_max_size)
    settings.check()  # before the model loads: a refused setting costs nothing
    if checkpoint is not None:
        _require_file(checkpoint)
    path = checkpoint or default_checkpoint()
    pipe = TreePipeline.from_checkpoint(path, device=device)
    server = SaplingServer(pipe, settings, model_info(pipe, "default" if checkpoint is None else str(path)),
                           endpoints())
    try:
        asyncio.run(serve_forever(server))
    except OSError as exc:
        raise ServerConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


# --- bridge, place, undo ---

bridge_app = typer.Typer(
    name="bridge",
    help="Connect a running Minecraft world to 'sapling serve' (Bedrock: /connect to the server itself).",
    no_args_is_help=True,
)
app.add_typer(bridge_app)

# Options the Java bridge, place and undo share.
RconHost = Annotated[str, typer.Option("--rcon-host", help="The Minecraft server's RCON address.")]
RconPort = Annotated[int, typer.Option("--rcon-port", help="rcon.port in server.properties.")]
RconPasswordFile = Annotated[Optional[Path], typer.Option(
    "--rcon-password-file",
    help="RCON password: a file holding it (or the SAPLING_RCON_PASSWORD variable; never a flag value).")]
JournalFile = Annotated[Path, typer.Option("--journal", help="Undo journal (JSON lines).")]
ServerUrl = Annotated[str, typer.Option("--server", help="The 'sapling serve' websocket.")]
ServerToken = Annotated[Optional[str], typer.Option("--token", envvar="SAPLING_TOKEN",
                                                    help="The server's token, if it has one.")]


def _editor(rcon_host: str, rcon_port: int, rcon_password_file: Optional[Path]):
    from sapling.bridge.java import WorldEditor
    from sapling.bridge.rcon import RconClient, read_password

    client = RconClient(rcon_host, rcon_port, read_password(str(rcon_password_file) if rcon_password_file else None))
    client.connect()
    return WorldEditor(client)


@bridge_app.command("java")
def bridge_java(
    log_file: Annotated[Path, typer.Option("--log-file", help="The server's logs/latest.log (chat is read from it).",
                                           show_default=False)],
    server: ServerUrl = "ws://127.0.0.1:8765",
    token: ServerToken = None,
    rcon_host: RconHost = "127.0.0.1",
    rcon_port: RconPort = 25575,
    rcon_password_file: RconPasswordFile = None,
    trigger: Annotated[str, typer.Option("--trigger", help="The chat word that starts a command.")] = "!tree",
    allow: Annotated[Optional[list[str]], typer.Option("--allow", help="A player who may grow trees "
                                                       "(repeat; default: everyone).")] = None,
    cooldown: Annotated[float, typer.Option("--cooldown", help="Seconds between one player's trees.")] = 30.0,
    max_size: Annotated[str, typer.Option("--max-size", help="Largest size players may ask for.")] = "big",
    journal: JournalFile = Path("sapling-journal.jsonl"),
    log_level: Annotated[str, typer.Option("--log-level")] = "info",
) -> None:
    """Java Edition: '!tree <prompt>' in chat grows a tree in front of the player (RCON + server log)."""
    from sapling.bridge.java import BridgeError, BridgeSettings, JavaBridge, LogFollower
    from sapling.bridge.placement import Journal
    from sapling.logs import configure_logging

    configure_logging(log_level)
    if not log_file.is_file():
        raise BridgeError(f"{log_file}: no such log file (give the server's logs/latest.log)")
    if not trigger.strip() or " " in trigger.strip():
        raise BridgeError("--trigger must be one word, e.g. !tree")
    if cooldown < 0:
        raise BridgeError("--cooldown must be >= 0")
    settings = BridgeSettings(server=server, token=token, trigger=trigger.strip(), allow=tuple(allow or ()),
                              cooldown=cooldown, max_size=max_size)
    bridge = JavaBridge(settings, _editor(rcon_host, rcon_port, rcon_password_file), LogFollower(log_file),
                        Journal(journal))
    bridge._server()  # fail now, not at the first chat line, if the server is not there
    try:
        bridge.run()
    except KeyboardInterrupt:
        typer.echo("bridge stopped")


@app.command()
def place(
    prompt: Annotated[str, typer.Option("--prompt", "-p", help="What to grow.", show_default=False)],
    at: Annotated[tuple[int, int, int], typer.Option("--at", help="World position of the trunk base: X Y Z.",
                                                     show_default=False)],
    server: ServerUrl = "ws://127.0.0.1:8765",
    token: ServerToken = None,
    size: Annotated[str, typer.Option("--size", help="normal, big or huge.")] = "normal",
    seed: Annotated[Optional[int], typer.Option("--seed", help="Random seed (default: the server draws one).")]
    = None,
    rcon_host: RconHost = "127.0.0.1",
    rcon_port: RconPort = 25575,
    rcon_password_file: RconPasswordFile = None,
    journal: JournalFile = Path("sapling-journal.jsonl"),
) -> None:
    """Grow one tree at a world position of a running Java server (into air only; undo-able)."""
    from sapling.bridge.java import BridgeError, grow_tree, server_connection
    from sapling.bridge.placement import Journal, check_anchor

    anchor = check_anchor(at)
    editor = _editor(rcon_host, rcon_port, rcon_password_file)
    with server_connection(server, token) as ws:
        outcome = grow_tree(ws, editor, prompt, anchor, "console", size, seed)
    if outcome.entry is not None:
        Journal(journal).record(outcome.entry)
    if outcome.status != "done":
        raise BridgeError(outcome.message)
    extra = f", {outcome.skipped} skipped (not air)" if outcome.skipped else ""
    typer.echo(f"placed '{prompt}' at {anchor[0]} {anchor[1]} {anchor[2]}: {outcome.message}{extra}")


@app.command()
def undo(
    last: Annotated[int, typer.Option("--last", help="How many placements to undo, newest first.")] = 1,
    rcon_host: RconHost = "127.0.0.1",
    rcon_port: RconPort = 25575,
    rcon_password_file: RconPasswordFile = None,
    journal: JournalFile = Path("sapling-journal.jsonl"),
) -> None:
    """Remove the blocks of the last placements that are still exactly as placed."""
    from sapling.bridge.java import BridgeError, undo_entries
    from sapling.bridge.placement import Journal

    if last < 1:
        raise BridgeError("--last must be at least 1")
    j = Journal(journal)
    entries = j.last(last)
    if not entries:
        raise BridgeError(f"{journal}: nothing to undo")
    removed = undo_entries(_editor(rcon_host, rcon_port, rcon_password_file), j, entries)
    typer.echo(f"undid {len(entries)} placement(s): {removed} blocks back to air")


# --- dataset ---

dataset_app = typer.Typer(
    name="dataset",
    help="Build, import, export and inspect training datasets.",
    no_args_is_help=True,
)
app.add_typer(dataset_app)


def _csv(values: Optional[str]) -> Optional[list[str]]:
    return [v.strip() for v in values.split(",") if v.strip()] if values else None


@dataset_app.command("build")
def dataset_build(
    out: Annotated[Path, typer.Option("--out", "-o", help="Dataset folder to create.", show_default=False)],
    count: Annotated[int, typer.Option("--count", "-n", help="Number of trees.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same dataset.")] = 0,
    species: Annotated[Optional[str], typer.Option(
        "--species", help="Comma-separated tree types (e.g. oak,tall_birch,cherry); default all.")] = None,
    sizes: Annotated[Optional[str], typer.Option(
        "--sizes", help="Comma-separated size buckets (normal,big,huge); default all.")] = None,
    ground: Annotated[bool, typer.Option("--ground/--no-ground", help="Lay a ground patch under each trunk.")] = True,
    holdout: Annotated[float, typer.Option("--holdout", help="Fraction of trees held out for evaluation.")] = HOLDOUT,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing dataset in OUT.")] = False,
) -> None:
    """Grow procedural vanilla-faithful trees with captions into dataset shards."""
    from sapling.training.dataset import build_dataset

    summary = build_dataset(out, count, seed=seed, types=_csv(species), sizes=_csv(sizes), ground=ground,
                            holdout=holdout, overwrite=overwrite, progress=True)
    typer.echo(summary.to_text())


@dataset_app.command("import")
def dataset_import(
    src: Annotated[Path, typer.Argument(help="Folder of .schem/.schematic/.nbt/.litematic files.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Dataset folder to create.", show_default=False)],
    captions: Annotated[Optional[Path], typer.Option(
        "--captions", help="CSV (file,caption), JSONL, or a JSON list of {original_file, prompt, tags, size}; "
        "default: metadata JSON found in SRC, then the file names.")] = None,
    vocab: Annotated[str, typer.Option(
        "--vocab", help="'data': the files' own block states; 'tree': the shipped model's vocabulary; "
        "or a vocab.json to map onto (fine-tuning).")] = "data",
    min_count: Annotated[int, typer.Option(
        "--min-count", help="States seen fewer times are merged into a similar state (or dropped, reported).")]
        = IMPORT_MIN_COUNT,
    size: Annotated[Optional[str], typer.Option(
        "--size", help="Put every structure into this bucket (normal, big, huge).")] = None,
    holdout: Annotated[float, typer.Option(
        "--holdout", help="Fraction held out for evaluation, per size bucket.")] = HOLDOUT,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the held-out split.")] = 0,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", min=1, help="Processes reading files (default: one per core).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing dataset in OUT.")] = False,
) -> None:
    """Import your own schematics: the data's own blocks, markers and frames, captions, a held-out split."""
    from sapling.training.dataset import import_dataset

    summary = import_dataset(src, out, captions=captions, vocab=vocab, min_count=min_count, size=size,
                             holdout=holdout, seed=seed, workers=workers, overwrite=overwrite, progress=True)
    typer.echo(summary.to_text())


@dataset_app.command("export")
def dataset_export(
    root: Annotated[Path, typer.Argument(help="Dataset folder.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the schematic files.", show_default=False)],
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Export at most this many entries.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="schem, nbt or litematic.")] = "schem",
) -> None:
    """Write dataset entries back as schematic files plus captions.jsonl."""
    from sapling.training.dataset import export_dataset

    n = export_dataset(root, out, limit=limit, format=fmt, progress=True)
    typer.echo(f"exported {n} structure(s) to {out}")


@dataset_app.command("stats")
def dataset_stats(
    root: Annotated[Path, typer.Argument(help="Dataset folder.", show_default=False)],
    preview_png: Annotated[Optional[Path], typer.Option(
        "--preview", help="Also write a PNG grid of sample trees.")] = None,
) -> None:
    """Counts per species and size, height and block histograms of a dataset."""
    from sapling.training.dataset import dataset_stats as stats_of

    stats = stats_of(root)
    typer.echo(stats.to_text())
    if preview_png is not None:
        typer.echo(f"wrote {stats.preview(preview_png)}")


# ===========================================================================


def main() -> None:
    """Entry point of the ``sapling`` console script and ``python -m sapling``.

    The one-line error rule is applied by ``SaplingGroup`` around every command,
    so it holds here and under ``typer.testing.CliRunner`` alike.
    """
    app(prog_name="sapling")
