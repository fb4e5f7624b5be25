"""Commands of the model: ``train``, ``generate`` and ``evaluate``.

Their defaults are those of ``sapling.generate.generate_trees`` and
``sapling.training.evaluate.evaluate`` (torch-free modules; the model loads inside the commands).
"""

from pathlib import Path
from typing import Annotated, Optional

import typer

from sapling.cli.options import Checkpoint, Device, defaults, given, one_of, require_file
from sapling.config import POSTPROCESS_MODES, check_request
from sapling.generate import generate_trees
from sapling.schematic import DEFAULT_FORMAT, FORMATS
from sapling.structure import SIZES
from sapling.training.evaluate import evaluate as evaluate_checkpoint
from sapling.transform import MIRRORS, ROTATIONS

GENERATE = defaults(generate_trees)
EVALUATE = defaults(evaluate_checkpoint)

SamplingSteps = Annotated[Optional[int], typer.Option(
    "--sampling-steps", help="Unmasking steps (default: the checkpoint's).")]
GuidanceScale = Annotated[Optional[float], typer.Option(
    "--guidance-scale", help="Classifier-free guidance; 1 = off (default: the checkpoint's).")]


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
        require_file(init_from)
    translation = None
    if resume is not None:
        # A resumed run keeps the recipe it was started with; --set may still change keys (e.g. num_epochs).
        require_file(resume)
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


def generate(
    prompt: Annotated[str, typer.Option("--prompt", "-p", help="What to grow, e.g. 'tall birch tree'.",
                                        show_default=False)],
    checkpoint: Checkpoint = GENERATE["checkpoint"],
    size: Annotated[str, typer.Option("--size", help=one_of(f"{name} ({x}x{y}x{z})"
                                                             for name, (x, y, z) in SIZES.items()) + ".")]
    = GENERATE["size"],
    num_samples: Annotated[int, typer.Option("--num-samples", "-n", help="Trees to generate.")]
    = GENERATE["num_samples"],
    sampling_steps: SamplingSteps = GENERATE["steps"],
    guidance_scale: GuidanceScale = GENERATE["guidance_scale"],
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same trees.")] = GENERATE["seed"],
    postprocess: Annotated[str, typer.Option(
        "--postprocess", help=f"{one_of(POSTPROCESS_MODES)} (default: the checkpoint's).")] = GENERATE["postprocess"],
    fmt: Annotated[Optional[str], typer.Option(
        "--format", help=f"{one_of(FORMATS)} (default: from --out's extension, else {DEFAULT_FORMAT}).")]
    = GENERATE["fmt"],
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Output folder (one file per tree) or a file name for a single tree.")]
    = GENERATE["out"],
    preview: Annotated[bool, typer.Option("--preview", help="Also write a PNG preview grid.")] = GENERATE["preview"],
    device: Device = GENERATE["device"],
    rotate: Annotated[int, typer.Option(
        "--rotate", help=f"Turn each tree {one_of(map(str, ROTATIONS))} degrees, clockwise seen from above.")]
    = GENERATE["rotate"],
    mirror: Annotated[Optional[str], typer.Option(
        "--mirror", help=f"Mirror each tree along {one_of(MIRRORS)} (before turning it).")] = GENERATE["mirror"],
) -> None:
    """Generate trees from a text prompt and write them as schematic files."""
    if checkpoint is not None:
        require_file(checkpoint)
    result = generate_trees(
        prompt=prompt, checkpoint=checkpoint, size=size, num_samples=num_samples, steps=sampling_steps,
        guidance_scale=guidance_scale, seed=seed, postprocess=postprocess, fmt=fmt, out=out,
        preview=preview, device=device, rotate=rotate, mirror=mirror,
    )
    typer.echo(result.table())


def evaluate(
    checkpoint: Checkpoint = None,
    prompts: Annotated[Optional[Path], typer.Option(
        "--prompts", help="Text file, one prompt per line (# comments); default: the built-in list.")]
    = None,
    num_samples: Annotated[int, typer.Option("--num-samples", "-n", help="Samples per prompt.")]
    = EVALUATE["num_samples"],
    size: Annotated[str, typer.Option("--size", help=f"{one_of(SIZES)}.")] = EVALUATE["size"],
    sampling_steps: SamplingSteps = EVALUATE["steps"],
    guidance_scale: GuidanceScale = EVALUATE["guidance_scale"],
    postprocess: Annotated[Optional[str], typer.Option(
        "--postprocess", help=f"How post-processed metrics are made: {one_of(POSTPROCESS_MODES)} "
        "(default: the checkpoint's).")] = EVALUATE["postprocess"],
    reference_count: Annotated[int, typer.Option(
        "--reference-count", help="Held-out corpus trees per species for 1-NNA, coverage and diversity.")]
    = EVALUATE["reference_count"],
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = EVALUATE["seed"],
    dataset: Annotated[Optional[Path], typer.Option(
        "--dataset", help="For a model trained on imported data: compare with this dataset's held-out "
        "split (and, without --prompts, prompt with its captions).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for report.json, report.md and PNG grids.")]
    = EVALUATE["out"],
    device: Device = None,
) -> None:
    """Score a checkpoint: coherence, species, realism and diversity against the corpus, speed."""
    from sapling.generate import default_checkpoint
    from sapling.prompts import load_prompts

    prompt_list = load_prompts(prompts) if prompts is not None or dataset is None else None
    # The flags, before a model (and torch) loads; the evaluator samples in chunks, so one tree here.
    check_request(prompt_list or ["tree"], size, 1, sampling_steps or 1, guidance_scale or 1.0, postprocess)
    if checkpoint is not None:
        require_file(checkpoint)
    from sapling.model.pipeline import TreePipeline

    pipe = TreePipeline.from_checkpoint(checkpoint or default_checkpoint(), **given(device=device))
    report = evaluate_checkpoint(pipe, prompt_list, num_samples=num_samples, size=size, steps=sampling_steps,
                                 guidance_scale=guidance_scale, seed=seed, out=out, reference_count=reference_count,
                                 postprocess=postprocess, dataset=dataset)
    typer.echo(report.to_text())
    typer.echo(f"report: {out / 'report.md'}")
