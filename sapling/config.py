"""Configuration: frozen typed dataclasses, built from plain dicts (parsed YAML) by one function.

Every default lives here, once. ``config_from_dict(cls, data)`` builds a config
(nested configs included) from a dict, rejecting unknown keys and wrong types
with a ``ConfigError`` that names the key; ``config_to_dict`` is its inverse and
gives plain YAML-safe values (tuples become lists), so a checkpoint can embed its
config and rebuild it exactly.

Supported field types: ``bool``, ``int``, ``float`` (ints accepted), ``str``,
``Path``, ``Literal[...]``, ``X | None``, ``tuple[X, ...]``, ``tuple[X, Y]``,
``list[X]``, ``dict[str, X]`` and nested config dataclasses.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Mapping, Sequence, TypeVar

from sapling.errors import ConfigError, GenerationError
from sapling.structure import SIZES

# Request ceilings of the pipeline, here so that torch-free code (the server protocol, bridges)
# can check requests without loading the model.
MAX_STEPS = 256  # beyond this sampling only gets slower: a masked model converges in tens of steps
MAX_SAMPLES = 64  # per call; the server and the CLI batch at most this many trees
MAX_PROMPT_CHARS = 200
POSTPROCESS_MODES = ("none", "prune", "repair")
DEFAULT_DEVICE = "auto"  # CUDA when there is one, else the CPU (sapling.model.checkpoint.resolve_device)
MAX_GUIDANCE = 20.0  # classifier-free guidance beyond this only distorts trees
# In-game chat: the word a command starts with, and the largest size players may ask for
# (both bridges and the server's Bedrock endpoint; each takes a flag to change them).
CHAT_TRIGGER = "!tree"
CHAT_MAX_SIZE = "big"
# Where a run writes its checkpoints and the built-in corpus cache (Lightning's folder name:
# lightning_logs/version_N/checkpoints/epoch=N.ckpt, as the old recipe's runs did).
LOGS_DIR = "lightning_logs"
# Datasets: the held-out fraction of `dataset build` and `dataset import` (the split evaluation uses),
# and the import's --min-count (rarer block states are merged into a similar state).
HOLDOUT = 0.05
IMPORT_MIN_COUNT = 8


def check_request(prompts: Sequence[str], size: str, num_samples: int, steps: int,
                  guidance_scale: float, postprocess: str | None) -> None:
    """Raise ``GenerationError`` for a request the pipeline would refuse (cheap, torch-free: the CLI
    checks its flags with it before a model loads)."""
    if not prompts:
        raise GenerationError("give at least one prompt")
    for p in prompts:
        if not isinstance(p, str) or not p.strip():
            raise GenerationError("a prompt must be non-empty text")
        if len(p) > MAX_PROMPT_CHARS:
            raise GenerationError(f"prompt is {len(p)} characters long; at most {MAX_PROMPT_CHARS} are accepted")
    if size not in SIZES:
        raise GenerationError(f"unknown size {size!r}; choose one of: {', '.join(SIZES)}")
    if not 1 <= steps <= MAX_STEPS:
        raise GenerationError(f"sampling steps must be between 1 and {MAX_STEPS}, got {steps}")
    if not 1 <= num_samples * len(prompts) <= MAX_SAMPLES:
        raise GenerationError(
            f"number of samples must be between 1 and {MAX_SAMPLES} per call, got {num_samples * len(prompts)}")
    if not 0.0 <= guidance_scale <= MAX_GUIDANCE:
        raise GenerationError(f"guidance scale must be between 0 and {MAX_GUIDANCE:g}, got {guidance_scale}")
    if postprocess is not None and postprocess not in POSTPROCESS_MODES:
        raise GenerationError(
            f"unknown post-processing {postprocess!r}; choose one of: {', '.join(POSTPROCESS_MODES)}")


C = TypeVar("C")


def _default_vocab_size() -> int:
    from sapling.blocks import BlockVocab  # no torch; the model vocabulary is the default

    return len(BlockVocab.default())


@dataclass(frozen=True)
class ModelConfig:
    """The denoising network and what it is conditioned on (see DESIGN.md, "The model")."""

    # number of block states the model predicts; the mask token is id vocab_size (input only).
    # Training sets it from the data (a dataset's own vocabulary, or the tree vocabulary)
    vocab_size: int = field(default_factory=_default_vocab_size)
    # channels at the first UNet level; every other level is a multiple of it
    base_channels: int = 32
    # per-level channel multipliers; len = number of levels, each level below the first halves the grid
    channel_mult: tuple[int, ...] = (1, 2, 4)
    # residual blocks per level on the way down (the way up has one more, for the skip)
    num_res_blocks: int = 2
    # level indices where voxel self-attention + cross-attention to prompt tokens run (cheap at the coarsest)
    attention_levels: tuple[int, ...] = (2,)
    # attention heads; must divide the channels of every attention level
    num_heads: int = 4
    # dropout inside residual blocks; trees are few, regularise
    dropout: float = 0.1
    # width of the text encoder's token states (384 for all-MiniLM-L6-v2)
    text_dim: int = 384
    # add height / trunk-offset / radial coordinates as input channels so global layout is easy
    coord_channels: bool = True
    # what the coordinates measure. "grid": fractions of the tree's whole grid (a tree fills its
    # grid alike at every size). "world": blocks from the whole grid's floor and trunk axis, plus
    # that grid's height (a window then also knows which bucket its tree is from). Either way a
    # training window (data.window) gets the coordinates of its part of the whole grid
    coord_frame: Literal["grid", "world"] = "grid"
    # width of the conditioning vector (mask ratio + pooled text) that drives FiLM in every res block
    cond_dim: int = 256
    # GroupNorm groups (reduced to a divisor of the channel count where needed)
    num_groups: int = 8
    # text encoder name or local path; None = the packaged all-MiniLM-L6-v2 (offline)
    text_encoder: str | None = None
    # longest prompt in tokens the text encoder keeps
    text_max_length: int = 32
    # masking schedule shared by training and sampling: fraction masked at progress r
    mask_schedule: Literal["cosine", "linear"] = "cosine"

    def __post_init__(self) -> None:
        positive = ("vocab_size", "base_channels", "num_res_blocks", "num_heads", "text_dim",
                    "cond_dim", "num_groups", "text_max_length")
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"model.{name} must be at least 1, got {getattr(self, name)}")
        if not self.channel_mult or min(self.channel_mult) < 1:
            raise ConfigError(f"model.channel_mult must be a non-empty list of positive ints, got {list(self.channel_mult)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"model.dropout must be in [0, 1), got {self.dropout}")
        if self.coord_frame not in ("grid", "world"):
            raise ConfigError(f"model.coord_frame must be grid or world, got {self.coord_frame!r}")
        levels = len(self.channel_mult)
        for level in self.attention_levels:
            if not 0 <= level < levels:
                raise ConfigError(
                    f"model.attention_levels has level {level}, but channel_mult gives levels 0..{levels - 1}"
                )
            ch = self.level_channels(level)
            if ch % self.num_heads:
                raise ConfigError(
                    f"model.num_heads ({self.num_heads}) must divide the {ch} channels of attention level {level}"
                )

    @property
    def num_levels(self) -> int:
        return len(self.channel_mult)

    def level_channels(self, level: int) -> int:
        return self.base_channels * self.channel_mult[level]


@dataclass(frozen=True)
class SampleConfig:
    """Sampling defaults a checkpoint carries; the CLI and server override them per request."""

    # unmasking steps; a masked model needs tens, not the hundreds of pixel diffusion
    sampling_steps: int = 24
    # classifier-free guidance; 1 = off (the design's findings: guidance costs coherence)
    guidance_scale: float = 1.0
    # scale of the annealed Gumbel noise on confidences: higher = more varied unmasking order
    temperature: float = 1.0
    # added to the air logit of every forward pass. Training weighs air's loss by
    # training.air_weight, which shifts the network's air probability by that factor, so trees come
    # out denser than the corpus; log(1 / air_weight) undoes it all (1.2 for 0.3), half of that (the
    # recipes' 0.6) brings trees to the corpus's size at every size without thinning big crowns to
    # bare trunks (docs/MODEL.md, "Air weight undone"). 0 keeps the network's own odds
    air_logit_bias: float = 0.0
    # "plain": MaskGIT as is; "connected": a solid block is only accepted when it touches (by faces)
    # the structure grown from an anchored trunk base. Measured on the shipped model (docs/MODEL.md):
    # plain trees are 97% fully connected raw and full-sized; connected ones never float but come
    # out a fifth of the size, so plain + repair is the default
    sampler: Literal["connected", "plain"] = "plain"
    # after the first step, keep one species for logs, one for leaves and one ground block per tree
    # (the most probable over the whole grid): independent per-voxel draws otherwise mix species
    species_lock: bool = True
    # after the last step, add each decoration the prompt asks for ("with a bee nest") and the tree
    # lacks, at its most probable spot where it would stay in game: the network draws such one-block
    # features too rarely to honour the request on its own (docs/MODEL.md, "Decorations")
    place_decorations: bool = True
    # logit penalty on decoration blocks (vines, cocoa, bee nests, hanging moss) the prompt does not
    # name. The built-in corpus names every such decoration in every caption of a tree that has
    # it, so "jungle tree" should get none; its recipes set this. 0 (off) suits imported files,
    # whose captions never name them: there vines are part of what "jungle tree" means (`sapling
    # train` turns this and the other CORPUS_SAMPLING_RULES off for data.dataset)
    unasked_decoration_penalty: float = 0.0
    # after the last step, a tree of a one-crown species (metrics.ONE_CROWN_SPECIES) whose leaf
    # layers leave a gap has the leaves on the gap's smaller side drawn again with leaves ruled
    # out, while they are at most this share of its leaves: the network now and then sets a leaf on
    # the ground patch or the bare trunk, which reads as a second crown. A real second crown (more
    # than this share) stays. 0 (off) suits imported files, whose species may grow several crowns
    stray_leaf_fraction: float = 0.0
    # after the last step, leaves the game would decay (not persistent, more than 6 steps from a
    # log: constraints.decaying_leaves) are drawn again with leaves ruled out, so a wide canopy that
    # grew past the branch logs feeding it ends where the game would let it (air there, or a
    # branch log where the network puts one). False keeps them (post-processing then makes every
    # leaf persistent, so nothing decays in game either way)
    redraw_decaying_leaves: bool = False
    # a tree whose main structure (by faces) is under this share of leaves (a bare trunk, a crown
    # floating apart that repair would lose) is drawn again from scratch with its generator going
    # on, up to pipeline.MAX_CROWN_REDRAWS times (every built-in corpus tree is at least 24% leaves).
    # 0 (off) suits imported files of rocks, grass or dead trees, which have no leaves (and is what
    # `sapling train` sets for data.dataset)
    min_leaf_share: float = 0.0
    # huge trees coarse to fine (sapling.model.coarse): sampled at big size, scaled by 1.5 about the
    # trunk, then leaves and the air near them re-predicted at huge size for half the steps. A
    # network trained on windows of huge trees lays out whole trees at big size but fills a whole
    # huge grid with a leaf pillar (docs/MODEL.md, "Huge trees: coarse to fine"); False samples
    # huge grids directly
    coarse_to_fine: bool = False
    # the share of those leaves and near air the fine pass re-predicts (the rest keeps the big
    # tree's layout): lower keeps the coarse shape, higher gives the fine pass more say
    refine_fraction: float = 0.6
    # post-processing when a request does not say: none, prune or repair (see sapling.postprocess)
    postprocess: Literal["none", "prune", "repair"] = "repair"

    def __post_init__(self) -> None:
        if self.sampling_steps < 1:
            raise ConfigError(f"sampling.sampling_steps must be at least 1, got {self.sampling_steps}")
        if not 0.0 < self.refine_fraction <= 1.0:
            raise ConfigError(f"sampling.refine_fraction must be in (0, 1], got {self.refine_fraction}")
        if not 0.0 <= self.stray_leaf_fraction <= 1.0:
            raise ConfigError(f"sampling.stray_leaf_fraction must be in [0, 1], got {self.stray_leaf_fraction}")
        if not 0.0 <= self.min_leaf_share <= 1.0:
            raise ConfigError(f"sampling.min_leaf_share must be in [0, 1], got {self.min_leaf_share}")
        if not math.isfinite(self.air_logit_bias):
            raise ConfigError(f"sampling.air_logit_bias must be a finite number, got {self.air_logit_bias}")
        if self.guidance_scale < 0 or self.temperature < 0 or self.unasked_decoration_penalty < 0:
            raise ConfigError("sampling.guidance_scale, sampling.temperature and "
                              "sampling.unasked_decoration_penalty must not be negative")


# Sampler rules that describe the built-in corpus, not structures in general: its captions name
# every decoration, its one-crown species grow one crown, its leaves reach a log, every tree is a
# quarter leaves. Off (these values) for a model trained on an imported dataset (``for_dataset``).
CORPUS_SAMPLING_RULES: dict[str, float | bool] = {
    "unasked_decoration_penalty": 0.0,
    "stray_leaf_fraction": 0.0,
    "redraw_decaying_leaves": False,
    "min_leaf_share": 0.0,
}


def for_dataset(sampling: SampleConfig) -> tuple[SampleConfig, list[str]]:
    """``sampling`` with the ``CORPUS_SAMPLING_RULES`` off, and the names of those that were on."""
    on = [k for k, off in CORPUS_SAMPLING_RULES.items() if getattr(sampling, k) != off]
    return replace(sampling, **{k: CORPUS_SAMPLING_RULES[k] for k in on}), on


@dataclass(frozen=True)
class DataConfig:
    """What a recipe trains on."""

    # a dataset folder (from `sapling dataset build/import`); null = the built-in corpus, built from `seed`
    dataset: Path | None = None
    # trees in the built-in corpus (built once, cached under lightning_logs/corpus_cache)
    corpus_size: int = 4000
    # seed of the built-in corpus (independent of the training seed: same data, other runs)
    seed: int = 0
    # tree types of the built-in corpus; empty = every type
    types: tuple[str, ...] = ()
    # size buckets to train on; a batch never mixes buckets
    sizes: tuple[str, ...] = tuple(SIZES)
    # lay a ground patch under each corpus trunk (trees then stand on dirt, grass, podzol, mud)
    ground: bool = True
    # fraction of the built-in corpus held out for validation and evaluation
    holdout: float = HOLDOUT
    # DataLoader worker processes; 0 keeps everything in the training process (best on 2 cores)
    num_workers: int = 0
    # the largest grid (X, Y, Z) a training step sees; a bucket larger along an axis trains on
    # random windows of this size (a huge tree costs a few normal grids instead of nine), then
    # samples whole. Empty = whole grids
    window: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.window and (len(self.window) != 3 or min(self.window) < 4):
            raise ConfigError(f"data.window must be [X, Y, Z] with each side at least 4, got {list(self.window)}")
        bad = [s for s in self.sizes if s not in SIZES]
        if bad or not self.sizes:
            raise ConfigError(f"data.sizes must list some of {', '.join(SIZES)}; got {list(self.sizes)}")
        if self.corpus_size < 2:
            raise ConfigError(f"data.corpus_size must be at least 2, got {self.corpus_size}")
        if not 0.0 < self.holdout < 1.0:
            raise ConfigError(f"data.holdout must be between 0 and 1, got {self.holdout}")


@dataclass(frozen=True)
class EarlyStoppingConfig:
    # validation checks without improvement of val/loss before training stops; 0 = never stop early
    patience: int = 75


@dataclass(frozen=True)
class TrainingConfig:
    """Optimisation, schedule, hardware and the periodic checks of a run."""

    # peak AdamW learning rate, reached after warmup
    learning_rate: float = 5e-5
    # passes over the training trees (the LR schedule spans all of them)
    num_epochs: int = 300
    # stop after this many epochs while the schedule still spans num_epochs (null: run them all):
    # reproduces a run stopped early on purpose, as the shipped model's phase 3 was (after 7 of 24)
    stop_after_epochs: int | None = None
    # epochs of linear warmup before the cosine decay
    warmup_epochs: int = 10
    # stop when the validation loss stalls
    early_stopping: EarlyStoppingConfig = field(default_factory=EarlyStoppingConfig)
    # trees per optimisation step (per device)
    batch_size: int = 32
    # AdamW weight decay
    weight_decay: float = 0.01
    # final LR as a fraction of the peak
    min_lr_factor: float = 0.05
    # gradient-norm clipping; 0 = off
    grad_clip: float = 1.0
    # loss weight of air targets: trees are ~90% air, full weight teaches the model to predict nothing
    air_weight: float = 0.3
    # probability of training a tree with the null prompt, so classifier-free guidance is possible
    text_drop_prob: float = 0.15
    # EMA decay of the weights used for sampling and shipped in checkpoints
    ema_decay: float = 0.999
    # Lightning precision, or "auto": bf16 autocast where it pays (GPUs, CPUs with bf16 units: ~2.3x
    # faster than fp32), fp32 elsewhere (on an AVX2-only CPU bf16 is emulated, many times slower)
    precision: str = "auto"
    # Lightning accelerator: auto picks the GPU when there is one
    accelerator: str = "auto"
    # devices per node ("auto", a count, or a list as a string)
    devices: int | str = "auto"
    # Lightning strategy: "auto", or "ddp" for several GPUs / nodes
    strategy: str = "auto"
    # machines for multi-node DDP
    num_nodes: int = 1
    # write epoch=N.ckpt every K epochs (last.ckpt always)
    checkpoint_every_n_epochs: int = 10
    # validate every K epochs (early stopping counts validation checks)
    val_every_n_epochs: int = 1
    # sample the prompts below every K epochs and log their metrics and a preview; 0 = never
    sample_every_n_epochs: int = 50
    # prompts for the periodic samples; one that starts with a trained size ("huge acacia tree") is drawn at it
    sample_prompts: tuple[str, ...] = ("oak tree", "tall birch tree", "spruce tree", "cherry tree")
    # samples per prompt in the periodic check
    sample_num_samples: int = 2
    # fraction (<= 1.0) or number (> 1) of training batches per epoch
    limit_train_batches: float = 1.0
    # log metrics every N optimisation steps
    log_every_n_steps: int = 10
    # training seed (initialisation, masking, caption choice)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.learning_rate <= 0:
            raise ConfigError(f"training.learning_rate must be positive, got {self.learning_rate}")
        for name in ("num_epochs", "batch_size", "num_nodes", "checkpoint_every_n_epochs", "val_every_n_epochs",
                     "log_every_n_steps", "sample_num_samples"):
            if getattr(self, name) < 1:
                raise ConfigError(f"training.{name} must be at least 1, got {getattr(self, name)}")
        if not 0 <= self.warmup_epochs <= self.num_epochs:
            raise ConfigError(f"training.warmup_epochs must be between 0 and num_epochs, got {self.warmup_epochs}")
        if self.stop_after_epochs is not None and not 1 <= self.stop_after_epochs <= self.num_epochs:
            raise ConfigError("training.stop_after_epochs must be between 1 and num_epochs (or null), "
                              f"got {self.stop_after_epochs}")
        if not 0.0 <= self.text_drop_prob < 1.0:
            raise ConfigError(f"training.text_drop_prob must be in [0, 1), got {self.text_drop_prob}")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ConfigError(f"training.ema_decay must be in [0, 1), got {self.ema_decay}")


@dataclass(frozen=True)
class Config:
    """A whole recipe: `sapling train --config FILE` reads one of these from YAML."""

    # a short name recorded in checkpoints (e.g. "cpu", "tiny")
    name: str = "custom"
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    sampling: SampleConfig = field(default_factory=SampleConfig)


# --- recipes: YAML files -> Config ---------------------------------------------------------------

RECIPES_DIR = Path(__file__).parent / "recipes"


def resolve_recipe(path: str | Path) -> Path:
    """A recipe path as given, else a packaged recipe of that file name (so `config/tiny.yaml` works anywhere)."""
    p = Path(path)
    if p.is_file():
        return p
    packaged = RECIPES_DIR / p.name
    if packaged.is_file():
        return packaged
    names = ", ".join(sorted(f.name for f in RECIPES_DIR.glob("*.yaml")))
    raise ConfigError(f"recipe {path} not found (packaged recipes: {names})")


@functools.cache
def _yaml_loader() -> type:
    """PyYAML's safe loader, also reading ``1e-4`` as a number (YAML 1.1 wants ``1.0e-4``), and
    refusing a key given twice in one mapping (PyYAML would keep the last one without a word)."""
    import re

    import yaml

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:  # the mapping's own keys (a "<<" merge may be overridden)
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} is given twice", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
        list("-+0123456789."),
    )
    return Loader


def parse_yaml(text: str, where: str) -> Any:
    """Parse YAML text; a syntax error becomes a one-line ``ConfigError`` naming ``where`` and the line."""
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())  # a SafeLoader subclass: safe
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"{where} is not valid YAML: {problem}{at}") from None


def _parse_value(text: str) -> Any:
    try:
        return parse_yaml(text, "--set value")
    except ConfigError:
        return text


def recipe_keys(cls: type | None = None) -> dict[str, Any]:
    """Every key of a recipe, dotted (sections too), with its type annotation: ``{"training.seed": int, ...}``."""
    cls = Config if cls is None else cls
    out: dict[str, Any] = {}
    for name, hint in typing.get_type_hints(cls).items():
        if name not in {f.name for f in dataclasses.fields(cls) if f.init}:
            continue
        out[name] = hint
        if dataclasses.is_dataclass(hint):
            out.update({f"{name}.{k}": v for k, v in recipe_keys(hint).items()})
    return out


def resolve_key(key: str, schema: type | None = None) -> str:
    """The full dotted recipe key that ``key`` names: itself, or the one key ending in ``.key``.

    ``num_epochs`` is ``training.num_epochs`` and ``early_stopping.patience`` is
    ``training.early_stopping.patience``; a name that ends several keys (``seed``) or no
    key at all is a ``ConfigError`` listing the candidates.
    """
    import difflib

    keys = recipe_keys(schema)
    if key in keys:
        return key
    parts = key.split(".")
    for i in range(1, len(parts)):  # inside a leaf that is a mapping (a dict field): not ours to check
        head = ".".join(parts[:i])
        if head in keys and not dataclasses.is_dataclass(keys[head]):
            return key
    matches = [k for k in keys if k.endswith("." + key)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ConfigError(f"--set {key} is ambiguous: it names {', '.join(matches)}; give the full key")
    leaves = {k.rsplit(".", 1)[-1]: k for k in keys}
    close = difflib.get_close_matches(key, list(keys), n=2, cutoff=0.8) or [
        leaves[m] for m in difflib.get_close_matches(parts[-1], list(leaves), n=2, cutoff=0.8)]
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise ConfigError(f"--set {key}: unknown key{hint}")


def apply_overrides(data: dict[str, Any], overrides: list[str], schema: type | None = None) -> dict[str, Any]:
    """Apply ``key=value`` overrides (YAML values) to a plain config dict.

    A key is dotted for nesting (``training.learning_rate``), or any unambiguous tail of a
    key of ``schema`` (default: ``Config``): ``num_epochs=4`` sets ``training.num_epochs``.
    """
    import copy

    out = copy.deepcopy(data)
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set takes key=value (e.g. training.learning_rate=1e-4), got {item!r}")
        key, value = item.split("=", 1)
        key = ".".join(p for p in key.strip().split(".") if p)
        if not key:
            raise ConfigError(f"--set has an empty key in {item!r}")
        parts = resolve_key(key, schema).split(".")
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {key}: {p} is not a section")
        node[parts[-1]] = _parse_value(value)
    return out


def read_recipe(path: str | Path, _seen: tuple[Path, ...] = ()) -> tuple[Path, dict[str, Any]]:
    """The recipe file ``path`` resolves to (see ``resolve_recipe``) and its parsed mapping.

    A recipe may start from another (``base: cpu.yaml``: a path beside it, else a packaged
    recipe) and then says only what differs; its sections are merged key by key over the base's.
    """
    p = resolve_recipe(path)
    try:
        text = p.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"recipe {p} cannot be read: {exc}") from None
    data = parse_yaml(text, f"recipe {p}") or {}
    if not isinstance(data, dict):
        raise ConfigError(f"recipe {p} must be a mapping of sections (model, data, training, sampling)")
    if "base" not in data:
        return p, data
    base = data.pop("base")
    if not isinstance(base, str) or not base.strip():
        raise ConfigError(f"recipe {p}: base must name another recipe file, e.g. base: cpu.yaml")
    beside = p.parent / base
    if p.resolve() in _seen:
        raise ConfigError(f"recipe {p}: its bases lead back to itself")
    _, base_data = read_recipe(beside if beside.is_file() else base, _seen + (p.resolve(),))
    return p, merge_recipes(base_data, data)


def merge_recipes(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: mappings merge key by key, anything else (lists too) replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_recipes(out[key], value)
        else:
            out[key] = value
    return out


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read a YAML recipe (file or packaged name), apply ``--set`` overrides, validate.

    A file in the old Lightning layout (``hardware``/``generation`` sections, ...) is
    translated first; ``sapling.recipe_compat.load_recipe`` also returns what each key became.
    """
    from sapling.recipe_compat import load_recipe

    return load_recipe(path, overrides).config


# --- dict <-> dataclass ---------------------------------------------------------------------------


def config_from_dict(cls: type[C], data: Mapping[str, Any] | None, *, prefix: str = "") -> C:
    """Build the frozen config ``cls`` from ``data``; missing keys keep their defaults.

    Raises ``ConfigError`` naming the dotted key (e.g. ``model.channel_mult``) for
    an unknown key, a value of the wrong type or a missing required value.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a config dataclass")
    where = prefix.rstrip(".") or cls.__name__
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where} must be a mapping of keys to values, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = [k for k in data if k not in fields]
    if unknown:
        raise ConfigError(
            f"unknown key {prefix}{unknown[0]!s} in {where}; accepted keys: {', '.join(fields)}"
        )
    kwargs = {name: _convert(data[name], hints[name], f"{prefix}{name}") for name in fields if name in data}
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field without a default was left out
        missing = [n for n, f in fields.items() if n not in data and f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING]
        if missing:
            raise ConfigError(f"missing key {prefix}{missing[0]} in {where}") from exc
        raise


def config_to_dict(config: Any) -> dict[str, Any]:
    """Plain, YAML-safe dict of a config (nested configs as dicts, tuples as lists, paths as str)."""
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise TypeError(f"{config!r} is not a config instance")
    return {f.name: _plain(getattr(config, f.name)) for f in dataclasses.fields(config)}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return config_to_dict(value)
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    return value


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _convert(value: Any, tp: Any, key: str) -> Any:
    """Check ``value`` against the annotation ``tp`` and convert it (lists -> tuples, int -> float)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)

    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for option in (a for a in args if a is not type(None)):
            try:
                return _convert(value, option, key)
            except ConfigError:
                continue
        accepted = " or ".join(_type_name(a) for a in args).replace("NoneType", "null")
        raise ConfigError(f"{key} must be {accepted}, got {value!r}")
    if origin is Literal:
        if value in args and not isinstance(value, bool):
            return value
        raise ConfigError(f"{key} must be one of {', '.join(map(repr, args))}; got {value!r}")
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        return config_from_dict(tp, value, prefix=f"{key}.")
    if origin in (tuple, list):
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key} must be a list, got {value!r}")
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if args and len(args) != len(value):
                raise ConfigError(f"{key} must be a list of {len(args)} values, got {len(value)}: {value!r}")
            items = [_convert(v, a, f"{key}[{i}]") for i, (v, a) in enumerate(zip(value, args or [Any] * len(value)))]
        else:
            item_type = args[0] if args else Any
            items = [_convert(v, item_type, f"{key}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{key} must be a mapping, got {value!r}")
        ktype, vtype = args if args else (Any, Any)
        return {_convert(k, ktype, f"{key} key"): _convert(v, vtype, f"{key}.{k}") for k, v in value.items()}
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{key} must be true or false, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{key} must be an integer, got {value!r}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        raise ConfigError(f"{key} must be a finite number, got {value!r}")
    if tp is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{key} must be a string, got {value!r}")
    if tp is Path:
        if isinstance(value, (str, Path)):
            return Path(value)
        raise ConfigError(f"{key} must be a path, got {value!r}")
    raise TypeError(f"config field {key} has an unsupported type {tp!r}")
