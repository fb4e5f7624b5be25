"""``sapling generate``: prompt -> TreePipeline -> schematic files (+ preview), with a summary table.

The I/O edge around ``TreePipeline``: resolving the checkpoint (the shipped default
model when none is given), naming and writing one file per tree, and reporting
per-sample metrics.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sapling.config import DEFAULT_DEVICE, check_request
from sapling.errors import GenerationError, ModelError
from sapling.metrics import tree_metrics
from sapling.schematic.files import DEFAULT_FORMAT, FORMATS
from sapling.structure import DEFAULT_SIZE, Structure
from sapling.transform import DEFAULT_MIRROR, DEFAULT_ROTATION, check_transform, transform

DEFAULT_MODEL = Path(__file__).parent / "data" / "model" / "default.pt"


def default_checkpoint() -> Path:
    """The model shipped inside the package; ``ModelError`` if this install has none."""
    if not DEFAULT_MODEL.is_file():
        raise ModelError(f"no default model in this install ({DEFAULT_MODEL} is missing); pass --checkpoint")
    return DEFAULT_MODEL


@dataclass(frozen=True)
class SampleRow:
    """One generated tree as the summary table shows it."""

    path: Path
    blocks: int
    connectivity: float  # raw, before post-processing
    connectivity_after: float
    removed: int  # blocks post-processing removed
    species_purity: float | None
    seconds: float
    species: str | None = None  # the species the tree got (the species lock's choice)


@dataclass
class GenerateResult:
    rows: list[SampleRow]
    preview: Path | None = None
    structures: list[Structure] = field(default_factory=list)
    species_note: str = ""  # how the species was chosen, when the prompt does not name it plainly
    decoration_note: str = ""  # which trees got the decorations the prompt asks for

    def table(self) -> str:
        """A fixed-width table, one line per tree, plus where the preview went."""
        head = (f"{'file':<44} {'blocks':>6} {'conn raw':>8} {'conn out':>8} {'removed':>7} {'species':>8} "
                f"{'purity':>6} {'time':>6}")
        lines = [head, "-" * len(head)]
        for r in self.rows:
            purity = "-" if r.species_purity is None else f"{r.species_purity:.2f}"
            lines.append(f"{str(r.path)[-44:]:<44} {r.blocks:>6} {r.connectivity:>8.3f} {r.connectivity_after:>8.3f} "
                         f"{r.removed:>7} {(r.species or '-'):>8} {purity:>6} {r.seconds:>5.2f}s")
        if self.species_note:
            lines.append(f"species: {self.species_note}")
        if self.decoration_note:
            lines.append(f"decorations: {self.decoration_note}")
        if self.preview is not None:
            lines.append(f"preview: {self.preview}")
        return "\n".join(lines)


def _output_paths(out: Path, fmt: str | None, prompt: str, seed: int, count: int) -> tuple[list[Path], str]:
    """One path per tree: ``OUT/<slug>-<seed>-<i>.<fmt>`` for a folder, ``OUT`` itself for one file."""
    from sapling.prompts import slug

    suffix = out.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        if fmt is not None and fmt != suffix:
            raise GenerationError(f"--format {fmt} disagrees with the extension of --out {out}")
        if count != 1:
            raise GenerationError(f"--out {out} names one file but {count} trees were asked for; give a folder")
        return [out], suffix
    if suffix and not out.is_dir():
        raise GenerationError(f"--out {out}: unknown extension .{suffix}; use a folder or one of "
                              + ", ".join("." + f for f in FORMATS))
    fmt = fmt or DEFAULT_FORMAT
    if fmt not in FORMATS:
        raise GenerationError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if out.exists() and not out.is_dir():
        raise GenerationError(f"--out {out} exists and is not a folder")
    return [out / f"{slug(prompt)}-{seed}-{i}.{fmt}" for i in range(count)], fmt


def _check_writable(paths: list[Path]) -> None:
    """Fail before sampling if the output folder cannot be created or written."""
    folder = paths[0].parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GenerationError(f"cannot create output folder {folder}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK):
        raise GenerationError(f"output folder {folder} is not writable")


def generate_trees(
    prompt: str,
    checkpoint: Path | None = None,
    size: str = DEFAULT_SIZE,
    num_samples: int = 1,
    steps: int | None = None,
    guidance_scale: float | None = None,
    seed: int = 0,
    postprocess: str = "auto",
    fmt: str | None = None,
    out: Path = Path("out"),
    preview: bool = False,
    device: str = DEFAULT_DEVICE,
    pipeline=None,
    rotate: int = DEFAULT_ROTATION,
    mirror: str | None = DEFAULT_MIRROR,
) -> GenerateResult:
    """Generate ``num_samples`` trees for ``prompt`` and write them; see ``sapling generate --help``.

    ``mirror`` then ``rotate`` (``sapling.transform``) turn each tree before it is written;
    the metadata records them as ``transform``. ``pipeline`` may be given to reuse a loaded
    model (tests, notebooks).
    """
    from sapling.schematic import write_structure
    from sapling.prompts import species_from_prompt

    rotate, mirror = check_transform(rotate, mirror)
    paths, fmt = _output_paths(Path(out), fmt, prompt, seed, num_samples)
    if pipeline is None:
        # Validate cheap arguments before loading a model (and torch).
        check_request([prompt], size, num_samples, steps or 1, guidance_scale or 1.0,
                      None if postprocess == "auto" else postprocess)
        from sapling.model.pipeline import TreePipeline

        pipeline = TreePipeline.from_checkpoint(checkpoint or default_checkpoint(), device=device)
    if postprocess == "auto":
        postprocess = pipeline.default_postprocess
    _check_writable(paths)

    structures = pipeline(prompt, size=size, num_samples=num_samples, steps=steps, guidance_scale=guidance_scale,
                          seed=seed, postprocess=postprocess)
    if rotate != DEFAULT_ROTATION or mirror != DEFAULT_MIRROR:
        structures = [transform(s, rotate, mirror) for s in structures]
        for s in structures:
            s.metadata["transform"] = {"rotate": rotate, "mirror": mirror}
    species = species_from_prompt(prompt)
    rows = []
    for path, s in zip(paths, structures):
        m = tree_metrics(s, species)
        report = s.metadata.get("postprocess", {})
        # Timing stays out of the file: same seed, same bytes.
        write_structure(Structure(s.blocks, s.vocab, s.origin, {k: v for k, v in s.metadata.items() if k != "seconds"}),
                        path)
        rows.append(SampleRow(path, m.blocks, report.get("connectivity_before", m.connectivity), m.connectivity,
                              max(0, report.get("blocks_before", m.blocks) - m.blocks), m.species_purity,
                              s.metadata.get("seconds", 0.0), (s.metadata.get("species") or {}).get("chosen")))
    png = None
    if preview:
        from sapling.render import save_preview

        png = save_preview(structures, paths[0].with_name(paths[0].stem.rsplit("-", 1)[0] + "-preview.png")
                           if num_samples > 1 else paths[0].with_suffix(".png"),
                           captions=[f"{p.name} · conn {r.connectivity:.2f}" for p, r in zip(paths, rows)])
    return GenerateResult(rows, png, structures, species_note(structures), decoration_note(structures))


# Why an asked-for decoration may be missing from a tree (DECORATION_BLOCKS names).
_DECORATION_NEEDS = {"cocoa": "cocoa grows only on jungle logs", "bee_nest": "a bee nest hangs beside a log",
                     "vines": "a vine needs a block behind it", "hanging_moss": "hanging moss needs a block above"}


def decoration_note(structures: list[Structure]) -> str:
    """One line on the decorations the prompt asks for: on how many trees each is, how many the
    sampler added (``TreePipeline`` places one where the network drew none) and, where some trees
    have none, why; empty for a prompt that asks for none."""
    from sapling.metrics import decorations_present

    asked = sorted({d for s in structures for d in (s.metadata.get("decorations") or {}).get("asked", ())})
    parts = []
    for d in asked:
        have = sum(d in decorations_present(s) for s in structures)
        added = sum(d in (s.metadata.get("decorations") or {}).get("placed", ()) for s in structures)
        text = f"{d.replace('_', ' ')} on {have} of {len(structures)} tree{'s' if len(structures) != 1 else ''}"
        if added:
            text += f" ({added} added where the model drew none)"
        if have < len(structures):
            who = "no tree has a spot" if have == 0 else "the others have no spot"
            text += f"; {who} for it ({_DECORATION_NEEDS.get(d, 'it needs a block to hang on')})"
        parts.append(text)
    return "; ".join(parts)


def species_note(structures: list[Structure]) -> str:
    """One line on how the trees' species was chosen, for a prompt that does not name it plainly
    (another language, a biome, a look, or no known tree: "palm tree"); empty for "birch tree"."""
    info = (structures[0].metadata.get("species") or {}) if structures else {}
    if not info or info.get("plain"):
        return ""
    chosen = ", ".join(dict.fromkeys(str((s.metadata.get("species") or {}).get("chosen") or "-") for s in structures))
    if info.get("by") == "prompt":
        return f"{chosen} ({info.get('why')})"
    return f"{chosen}, chosen by the model ({info.get('why')})"
