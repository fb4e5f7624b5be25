"""Old recipes: a config of the Lightning 3D-UNet project Sapling replaced, read as a Sapling recipe.

That project's ``config/config.yaml`` had ``data`` (input_dir, splits, random_seed),
``model`` (``sizes.*.dims``, ``text_encoder``, ``encoder.channels``, ``diffusion``, ...),
``training`` (optimizer, scheduler, ``early_stopping.enabled``, ...), ``generation``,
``hardware`` and ``blocks`` sections. ``load_recipe`` recognises that layout
(``is_old_layout``) and ``translate`` turns it into a Sapling recipe, one ``Row`` per old
key: what it became (``new.key = value``), "built in" (Sapling always does that), or
"ignored" and why. ``sapling train --config OLD.yaml --dry-run`` prints that table.

Decisions:

* The translation starts from ``config/config.yaml``, the full GPU recipe that replaced the
  old config (it keeps the old key names and the latest run's values); a key the old file
  does not give keeps that recipe's value, and what the recipe leaves out keeps the
  dataclass default (``sapling.config``). Nothing here repeats a default.
* ``data.input_dir`` that is a Sapling dataset (``manifest.json``) becomes ``data.dataset``.
  A folder of schematics is imported first, by ``sapling train`` itself
  (``DatasetImport.run``, the same as ``sapling dataset import``), into
  ``lightning_logs/imported/<name>-<fingerprint>``, which ``data.dataset`` then names; the
  fingerprint covers the files (names, sizes, times) and the split, so an unchanged folder
  is imported once and a changed one again. The held-out fraction is ``1 - train_split``
  (validation and evaluation share one held-out split), its seed ``random_seed``.
* A missing input folder, or one holding neither a dataset nor schematics, is a *problem*:
  ``--dry-run`` shows it, training refuses to start. A value of the wrong type is an error
  naming the old key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sapling.config import (  # _convert, _plain: the recipe loader's own value checks
    LOGS_DIR,
    MAX_STEPS,
    RECIPES_DIR,
    Config,
    _convert,
    _plain,
    apply_overrides,
    config_from_dict,
    config_to_dict,
    read_recipe,
    recipe_keys,
)
from sapling.errors import ConfigError
from sapling.structure import SIZES

# The recipe an old config is read on top of.
BASE_RECIPE = RECIPES_DIR / "config.yaml"
# Where `sapling train` imports an old config's folder of schematics (relative to the run folder,
# like lightning_logs/corpus_cache).
IMPORT_ROOT = Path(LOGS_DIR) / "imported"

# What only the old layout has (none of these is a Sapling recipe key; a test checks that).
OLD_SECTIONS = ("hardware", "generation", "blocks")
OLD_KEYS = {
    "data": ("input_dir", "train_split", "val_split", "test_split", "random_seed"),
    "model": ("sizes", "encoder", "diffusion"),
    "training": ("conditioning_dropout", "save_every_n_epochs", "optimizer", "scheduler"),
}
# Old text encoders that are the one Sapling ships (loaded offline from its package).
PACKAGED_ENCODER_NAMES = ("all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2")

BUILT_IN, IGNORED = "built in", "ignored"


def is_old_layout(data: Mapping[str, Any]) -> bool:
    """Whether a parsed recipe is in the old Lightning layout rather than Sapling's."""
    if any(s in data for s in OLD_SECTIONS):
        return True
    for section, keys in OLD_KEYS.items():
        if isinstance(data.get(section), Mapping) and any(k in data[section] for k in keys):
            return True
    model, training = data.get("model"), data.get("training")
    if isinstance(model, Mapping) and isinstance(model.get("text_encoder"), Mapping):
        return True
    if isinstance(training, Mapping) and isinstance(training.get("early_stopping"), Mapping):
        return any(k in training["early_stopping"] for k in ("enabled", "monitor"))
    return False


@dataclass(frozen=True)
class Row:
    """One old key: its value, what it became (``new.key = value``, "built in" or "ignored"), why."""

    old_key: str
    old_value: Any
    became: str
    why: str = ""

    @property
    def ignored(self) -> bool:
        return self.became == IGNORED


@dataclass(frozen=True)
class DatasetImport:
    """A folder of schematics that training imports first into ``out`` (``sapling dataset import``)."""

    src: Path
    out: Path
    holdout: float
    seed: int
    files: int

    def command(self) -> str:
        return f"sapling dataset import {self.src} --out {self.out} --holdout {self.holdout:g} --seed {self.seed}"

    @property
    def done(self) -> bool:
        return (self.out / "manifest.json").is_file()

    def run(self, progress: bool = True) -> str:
        """Import unless an earlier run already did (the folder name holds the files' fingerprint)."""
        if self.done:
            return f"dataset: {self.out} (imported earlier from {self.src}; the files are unchanged)"
        from sapling.training.dataset import import_dataset

        summary = import_dataset(self.src, self.out, holdout=self.holdout, seed=self.seed, progress=progress)
        return summary.to_text()


@dataclass(frozen=True)
class Translation:
    """An old-layout file read as a Sapling recipe (a plain dict, before ``--set``)."""

    source: Path
    base: Path
    recipe: dict[str, Any]
    rows: tuple[Row, ...]
    dataset_import: DatasetImport | None = None
    problems: tuple[str, ...] = ()

    def check(self) -> None:
        """Refuse to train on a translation with a problem (a missing data folder, ...)."""
        if self.problems:
            raise ConfigError(self.problems[0])

    def table(self) -> str:
        """What each old key became, as an aligned plain-text table with a summary line."""
        head = ("OLD KEY", "VALUE", "BECAME", "WHY")
        cells = [(r.old_key, show(r.old_value), r.became, r.why) for r in self.rows]
        widths = [max(len(c[i]) for c in [head, *cells]) for i in range(3)]
        lines = [f"{self.source} is an old Lightning config; read on top of {_short(self.base)}:"]
        for c in [head, *cells]:
            lines.append("  ".join(v.ljust(w) for v, w in zip(c[:3], widths)) + "  " + c[3])
        n_ignored = sum(r.ignored for r in self.rows)
        n_built_in = sum(r.became == BUILT_IN for r in self.rows)
        lines.append(f"{len(self.rows)} keys: {len(self.rows) - n_ignored - n_built_in} mapped, "
                     f"{n_built_in} built in, {n_ignored} ignored")
        if self.dataset_import is not None:
            d = self.dataset_import
            state = "already imported" if d.done else "imported first, once"
            lines.append(f"data: {d.files} schematic files in {d.src}, {state}: {d.command()}")
        lines += [f"problem: {p}" for p in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class Recipe:
    """A loaded recipe: the config, and for an old-layout file the translation behind it."""

    path: Path
    config: Config
    translation: Translation | None = None


def load_recipe(path: str | Path, overrides: list[str] | None = None, *, strict: bool = True) -> Recipe:
    """Read a recipe in either layout, apply ``--set`` overrides (Sapling keys), validate.

    ``strict=False`` (a dry run) keeps a translation's problems in the result instead of raising.
    """
    p, data = read_recipe(path)
    translation = None
    if is_old_layout(data):
        translation = translate(data, p)
        if strict:
            translation.check()
        data = translation.recipe
    merged = apply_overrides(data, list(overrides or []))
    try:
        config = config_from_dict(Config, merged)
    except ConfigError as exc:
        if translation is None:
            raise
        raise ConfigError(f"{p} (read as an old Lightning config): {exc}") from None
    return Recipe(p, config, translation)


def translate(data: Mapping[str, Any], source: Path, base: Path = BASE_RECIPE) -> Translation:
    """Translate a parsed old-layout config into a Sapling recipe dict (see the module docstring)."""
    _, base_data = read_recipe(base)
    recipe = config_to_dict(config_from_dict(Config, base_data))  # every key spelled out
    recipe["name"] = source.stem
    return _Translator(data, source, recipe).run(base)


# --- the translation ------------------------------------------------------------------------------


def show(value: Any, limit: int = 48) -> str:
    """A value as the table shows it: YAML-like and short."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, Mapping):
        text = f"{{{len(value)} entries}}"
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(show(v, limit) for v in value) + "]"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(RECIPES_DIR.parent.parent))
    except ValueError:
        return str(path)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v and key != "blocks":
            yield from _flatten(v, key + ".")
        else:
            yield key, v


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "data"


class _Translator:
    def __init__(self, data: Mapping[str, Any], source: Path, recipe: dict[str, Any]):
        self.leaves = dict(_flatten(data))
        self.order = {k: i for i, k in enumerate(self.leaves)}
        self.source = source
        self.recipe = recipe
        self.keys = recipe_keys(Config)
        self.rows: dict[str, Row] = {}
        self.problems: list[str] = []
        self.dataset_import: DatasetImport | None = None

    def run(self, base: Path) -> Translation:
        for step in (self._data, self._model, self._training, self._generation, self._hardware, self._rest):
            step()
        rows = tuple(sorted(self.rows.values(), key=lambda r: self.order[r.old_key]))
        return Translation(self.source, base, self.recipe, rows, self.dataset_import, tuple(self.problems))

    # -- bookkeeping --

    def take(self, section: str, *names: str) -> list[tuple[str, Any]]:
        """Remove and return the old keys under ``section`` (at any depth) whose last part is one of ``names``."""
        found = [(k, v) for k, v in self.leaves.items()
                 if k.startswith(section + ".") and k.rsplit(".", 1)[-1] in names]
        for k, _ in found:
            del self.leaves[k]
        return found

    def one(self, section: str, *names: str) -> tuple[str, Any] | None:
        """The first old key ``take`` finds; any further one (the same setting twice) is ignored."""
        found = self.take(section, *names)
        for k, v in found[1:]:
            self.ignore(k, v, f"given twice; {found[0][0]} is used")
        return found[0] if found else None

    def get(self, key: str) -> Any:
        node: Any = self.recipe
        for p in key.split("."):
            node = node[p]
        return node

    def value(self, old_key: str, old_value: Any, new_key: str, value: Any) -> Any:
        """``value`` checked and converted as the recipe key ``new_key`` takes it (errors name the old key)."""
        hint = self.keys[new_key]
        if isinstance(value, str) and hint in (int, float, int | str):  # "1e-4" in quotes, as old configs had
            try:
                number = float(value)
                value = int(number) if hint is not float and number.is_integer() else number
            except ValueError:
                pass
        try:
            return _plain(_convert(value, hint, new_key))
        except ConfigError as exc:
            where = "" if old_key == new_key else f"{old_key} (as {new_key}): "
            raise ConfigError(f"{self.source}: {where}{exc}") from None

    def set(self, old_key: str, old_value: Any, assignments: Mapping[str, Any], why: str = "") -> None:
        shown = []
        for new_key, value in assignments.items():
            value = self.value(old_key, old_value, new_key, value)
            *parents, leaf = new_key.split(".")
            node = self.recipe
            for p in parents:
                node = node.setdefault(p, {})
            node[leaf] = value
            shown.append(f"{new_key} = {show(value)}")
        self.rows[old_key] = Row(old_key, old_value, ", ".join(shown), why)

    def map(self, found: tuple[str, Any] | None, new_key: str, why: str = "") -> None:
        if found is not None:
            self.set(found[0], found[1], {new_key: found[1]}, why)

    def note(self, old_key: str, old_value: Any, became: str, why: str) -> None:
        self.rows[old_key] = Row(old_key, old_value, became, why)

    def built_in(self, old_key: str, old_value: Any, why: str) -> None:
        self.note(old_key, old_value, BUILT_IN, why)

    def ignore(self, old_key: str, old_value: Any, why: str) -> None:
        self.note(old_key, old_value, IGNORED, why)

    def number(self, old_key: str, value: Any) -> float:
        try:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{self.source}: {old_key} must be a number, got {show(value)}") from None

    # -- sections --

    def _data(self) -> None:
        seed = self.one("data", "random_seed")
        splits = {name: self.one("data", name) for name in ("train_split", "val_split", "test_split")}
        holdout = None
        if splits["train_split"] is not None:
            holdout = 1.0 - self.number(*splits["train_split"])
        elif splits["val_split"] or splits["test_split"]:
            holdout = sum(self.number(*s) for s in (splits["val_split"], splits["test_split"]) if s)
        if holdout is not None:
            holdout = round(holdout, 6)
            if not 0.0 < holdout < 1.0:
                key = next(s for s in splits.values() if s)[0]
                raise ConfigError(f"{self.source}: {key}: the held-out fraction (1 - train_split) must be "
                                  f"between 0 and 1, got {holdout:g}")
        src = self.one("data", "input_dir")
        kind = self._input_dir(src, holdout, seed) if src is not None else "corpus"

        held_key = next((s[0] for s in splits.values() if s), None)
        for found in splits.values():
            if found is None:
                continue
            k, v = found
            if kind == "dataset":
                self.ignore(k, v, "a dataset's held-out split is fixed when it is made (dataset import --holdout)")
            elif k != held_key:
                self.note(k, v, f"folded into {held_key}", "one held-out split serves validation and evaluation")
            elif kind == "import":
                self.note(k, v, f"import --holdout {holdout:g}",
                          "held out for validation and evaluation (1 - train_split)")
            else:
                self.set(k, v, {"data.holdout": holdout},
                         "the built-in corpus's held-out part, for validation and evaluation")
        if seed is not None:
            k, v = seed
            if kind == "dataset":
                self.ignore(k, v, "seeds the built-in corpus; this dataset's split is already made")
            elif kind == "import":
                self.note(k, v, f"import --seed {self.dataset_import.seed}", "seed of the held-out split")
            else:
                self.set(k, v, {"data.seed": v}, "seed of the built-in corpus and its held-out split")

    def _input_dir(self, found: tuple[str, Any], holdout: float | None, seed: tuple[str, Any] | None) -> str:
        key, value = found
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{self.source}: {key} must be a folder path, got {show(value)}")
        src = Path(value).expanduser()
        if (src / "manifest.json").is_file():
            self.set(key, value, {"data.dataset": str(src)}, "a Sapling dataset folder (manifest.json)")
            return "dataset"
        if not src.is_dir():
            self.ignore(key, value, "folder not found")
            self.problems.append(
                f"{key}: {src} does not exist (relative paths are read from the folder you run sapling in); "
                "give a folder of schematics, or a dataset made by `sapling dataset import`")
            return "corpus"
        from sapling.training.dataset.importer import SCHEMATIC_SUFFIXES

        files = sorted(p for p in src.rglob("*") if p.is_file())
        schematics = [p for p in files if p.suffix.lower() in SCHEMATIC_SUFFIXES]
        if not schematics:
            self.ignore(key, value, "no schematic files in it")
            self.problems.append(
                f"{key}: {src} holds no {'/'.join(SCHEMATIC_SUFFIXES)} files and is not a Sapling dataset "
                "(no manifest.json); Sapling trains on schematics (`sapling dataset import`) or on its built-in "
                "corpus (leave input_dir out)")
            return "corpus"
        held = holdout if holdout is not None else self.get("data.holdout")
        split_seed = self.value(seed[0], seed[1], "data.seed", seed[1]) if seed else 0
        digest = hashlib.sha256(f"{held}|{split_seed}".encode())
        for p in files:  # captions and metadata files count too
            st = p.stat()
            digest.update(f"{p.relative_to(src).as_posix()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
        out = IMPORT_ROOT / f"{_slug(src.resolve().name)}-{digest.hexdigest()[:10]}"
        self.dataset_import = DatasetImport(src, out, held, split_seed, len(schematics))
        self.set(key, value, {"data.dataset": str(out)},
                 f"{len(schematics)} schematic files; `sapling train` imports them there first (see below)")
        return "import"

    def _model(self) -> None:
        self._sizes()
        for k, v in [*self.take("model.text_encoder", "model_name", "name")]:
            if isinstance(v, str) and v.strip().lower() in PACKAGED_ENCODER_NAMES:
                self.set(k, v, {"model.text_encoder": None}, "the packaged all-MiniLM-L6-v2 (offline)")
            else:
                self.set(k, v, {"model.text_encoder": v},
                         "a local folder or a model in the local Hugging Face cache; nothing is downloaded")
        self.map(self.one("model.text_encoder", "embedding_dim", "dim"), "model.text_dim",
                 "width of the encoder's token states")
        self.map(self.one("model.text_encoder", "max_length", "max_seq_length"), "model.text_max_length")
        for k, v in self.take("model.text_encoder", "freeze", "frozen", "trainable"):
            self.built_in(k, v, "the text encoder is always frozen")

        channels = self.one("model", "channels")
        if channels is not None:
            self._channels(*channels)
        for k, v in self.take("model", "num_timesteps", "timesteps"):
            self.ignore(k, v, "masked diffusion has no fixed timestep count; sampling.sampling_steps is used")
        for k, v in self.take("model", "noise_schedule", "schedule", "beta_schedule"):
            options = typing.get_args(self.keys["model.mask_schedule"])
            if isinstance(v, str) and v.lower() in options:
                self.set(k, v, {"model.mask_schedule": v.lower()}, "the fraction masked over the steps")
            else:
                self.ignore(k, v, f"blocks are masked, not noised; the masking schedule is one of {', '.join(options)}")
        self.map(self.one("model", "num_res_blocks"), "model.num_res_blocks", "per level on the way down")
        self.map(self.one("model", "dropout"), "model.dropout", "inside residual blocks")
        self.map(self.one("model", "num_heads", "attention_heads"), "model.num_heads")
        levels = self.one("model", "attention_levels")
        if levels is not None:
            self._attention_levels(*levels)
        self._sampling_steps(self.one("model", "sampling_steps"))

    def _sizes(self) -> None:
        found = [(k, v) for k, v in self.leaves.items() if k.startswith("model.sizes.")]
        fixed = ", ".join(f"{n} {'x'.join(map(str, d))}" for n, d in SIZES.items())
        matched = []
        for k, v in found:
            del self.leaves[k]
            parts = k.split(".")
            if len(parts) > 4 or (len(parts) == 4 and parts[3] not in ("dims", "shape", "size")):
                self.ignore(k, v, "unknown key")
                continue
            name = parts[2]
            if name not in SIZES:
                self.ignore(k, v, f"not a Sapling size bucket ({fixed}); a structure goes to the smallest "
                                  "bucket that fits")
            elif isinstance(v, (list, tuple)) and [*v] == [*SIZES[name]]:
                matched.append(name)
                self.note(k, v, f"data.sizes has {name}", "the same bucket")
            else:
                self.ignore(k, v, f"Sapling's buckets are fixed ({fixed}); a structure goes to the smallest that "
                                  "fits, larger ones are skipped at import")
        if matched:
            self.recipe["data"]["sizes"] = [n for n in SIZES if n in matched]

    def _channels(self, key: str, value: Any) -> None:
        if (not isinstance(value, (list, tuple)) or not value
                or not all(isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in value)):
            raise ConfigError(f"{self.source}: {key} must be a list of positive channel counts, got {show(value)}")
        base = value[0]
        odd = [c for c in value if c % base]
        if odd:
            raise ConfigError(f"{self.source}: {key} = {show(value)}: Sapling's levels are multiples of the first "
                              f"level's {base} channels, and {odd[0]} is not; use e.g. "
                              f"{show([base * max(1, round(c / base)) for c in value])}")
        self.set(key, value, {"model.base_channels": base, "model.channel_mult": [c // base for c in value]},
                 "level i has channels[i]; each level below the first halves the grid")

    def _attention_levels(self, key: str, value: Any) -> None:
        n = len(self.get("model.channel_mult"))
        if isinstance(value, int) and not isinstance(value, bool):
            value_list: Any = [value]
        else:
            value_list = value
        if not isinstance(value_list, (list, tuple)):
            raise ConfigError(f"{self.source}: {key} must be a list of level indices, got {show(value)}")
        if value_list and all(isinstance(b, bool) for b in value_list):  # one flag per level
            if len(value_list) != n:
                raise ConfigError(f"{self.source}: {key} has {len(value_list)} flags for {n} levels")
            self.set(key, value, {"model.attention_levels": [i for i, b in enumerate(value_list) if b]},
                     "one flag per level, read as the indices of the levels that are on")
            return
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in value_list):
            raise ConfigError(f"{self.source}: {key} must be a list of level indices, got {show(value)}")
        if all(0 <= i < n for i in value_list):
            self.set(key, value, {"model.attention_levels": list(value_list)},
                     "same indexing: level i is the one with channels[i], 0 = full resolution")
        elif value_list and min(value_list) >= 1 and max(value_list) == n:
            self.set(key, value, {"model.attention_levels": [i - 1 for i in value_list]},
                     f"read as counted from 1 (there is no level {n} counting from 0); Sapling counts from 0")
        else:
            raise ConfigError(f"{self.source}: {key} = {show(value)}: the model has levels 0..{n - 1} "
                              "(one per entry of encoder.channels, 0 = full resolution)")

    def _sampling_steps(self, found: tuple[str, Any] | None) -> None:
        if found is None:
            return
        k, v = found
        if "sampling.sampling_steps" in {r.became.split(" = ")[0] for r in self.rows.values()}:
            self.ignore(k, v, "sampling steps given twice; the first is used")
            return
        steps = self.value(k, v, "sampling.sampling_steps", v)
        if steps > MAX_STEPS:
            self.set(k, v, {"sampling.sampling_steps": MAX_STEPS},
                     f"capped at {MAX_STEPS}: a masked model converges in tens of steps")
        else:
            self.set(k, v, {"sampling.sampling_steps": steps}, "unmasking steps")

    def _training(self) -> None:
        self.map(self.one("training", "lr"), "training.learning_rate")
        self.map(self.one("training", "conditioning_dropout", "cond_drop_prob", "text_dropout"),
                 "training.text_drop_prob", "probability of training on the empty prompt (for guidance)")
        self.map(self.one("training", "save_every_n_epochs"), "training.checkpoint_every_n_epochs",
                 "epoch=N.ckpt every N epochs; last.ckpt always")
        self.map(self.one("training", "gradient_clip_val", "gradient_clip"), "training.grad_clip")
        for k, v in self.take("training", "optimizer"):
            if isinstance(v, str) and v.lower().replace("_", "") == "adamw":
                self.built_in(k, v, "Sapling trains with AdamW (learning_rate, weight_decay)")
            else:
                self.ignore(k, v, "Sapling always trains with AdamW (learning_rate, weight_decay)")
        for k, v in self.take("training", "scheduler", "lr_scheduler"):
            why = (f"linear warmup for warmup_epochs, then cosine decay to "
                   f"training.min_lr_factor = {show(self.get('training.min_lr_factor'))} of the peak")
            if isinstance(v, str) and "cosine" in v.lower():
                self.built_in(k, v, why)
            else:
                self.ignore(k, v, "the schedule is always: " + why)
        enabled = self.one("training.early_stopping", "enabled")
        patience = self.one("training.early_stopping", "patience")
        if enabled is not None:
            k, v = enabled
            if not isinstance(v, bool):
                raise ConfigError(f"{self.source}: {k} must be true or false, got {show(v)}")
            if v:
                self.built_in(k, v, "on while training.early_stopping.patience > 0")
            else:
                self.set(k, v, {"training.early_stopping.patience": 0}, "patience 0 = never stop early")
        if patience is not None:
            if enabled is not None and enabled[1] is False:
                self.ignore(*patience, "early stopping is off (enabled: false)")
            else:
                self.map(patience, "training.early_stopping.patience",
                         "validation checks without a better val/loss (one check per epoch by default)")
        for k, v in self.take("training.early_stopping", "monitor"):
            if isinstance(v, str) and v.lower().replace("/", "_") in ("val_loss", "validation_loss"):
                self.built_in(k, v, "early stopping watches val/loss")
            else:
                self.ignore(k, v, "only val/loss is supported")
        for k, v in self.take("training.early_stopping", "mode"):
            (self.built_in if v == "min" else self.ignore)(k, v, "a lower val/loss is better")

    def _generation(self) -> None:
        for k, v in self.take("generation", "num_samples"):
            self.ignore(k, v, "asked per request: sapling generate --num-samples N")
        self.map(self.one("generation", "temperature"), "sampling.temperature",
                 "scale of the noise on the unmasking order; 1 = as trained")
        self.map(self.one("generation", "guidance_scale", "cfg_scale"), "sampling.guidance_scale",
                 "classifier-free guidance, 1 = off (generate --guidance-scale overrides)")
        self._sampling_steps(self.one("generation", "sampling_steps", "num_steps", "steps"))

    def _hardware(self) -> None:
        device = self.one("hardware", "device", "accelerator")
        accelerator = None
        if device is not None:
            k, v = device
            name = str(v).lower().split(":")[0]
            accelerator = {"cuda": "gpu", "gpu": "gpu", "cpu": "cpu", "mps": "mps", "auto": "auto"}.get(name)
            if accelerator is None:
                self.ignore(k, v, "not a device Sapling trains on (cuda, cpu, mps, auto)")
            else:
                why = "Lightning accelerator" + (
                    "; the device index is not kept, choose GPUs with CUDA_VISIBLE_DEVICES" if ":" in str(v) else "")
                self.set(k, v, {"training.accelerator": accelerator}, why)
        gpus = self.one("hardware", "num_gpus", "gpus", "devices")
        if gpus is not None:
            k, v = gpus
            if accelerator == "cpu":
                self.ignore(k, v, "device is cpu")
            elif isinstance(v, (list, tuple)):
                self.set(k, v, {"training.devices": ",".join(map(str, v)) + ("," if len(v) == 1 else "")},
                         "these GPU indices")
            elif v == 0:
                self.set(k, v, {"training.accelerator": "cpu", "training.devices": 1}, "no GPU: train on the CPU")
                accelerator = "cpu"
            else:
                self.set(k, v, {"training.devices": v},
                         "-1 = every GPU; several devices run DDP (training.strategy: auto)" if v != 1 else "")
        precision = self.one("hardware", "precision")
        if precision is not None:
            k, v = precision
            text = str(v).lower()
            canonical = {"16": "16-mixed", "16-mixed": "16-mixed", "fp16": "16-mixed", "bf16": "bf16-mixed",
                         "bf16-mixed": "bf16-mixed", "32": "32-true", "32-true": "32-true", "fp32": "32-true",
                         "64": "64-true", "64-true": "64-true", "bf16-true": "bf16-true", "16-true": "16-true"}
            value = canonical.get(text)
            if value is None:
                raise ConfigError(f"{self.source}: {k} = {show(v)} is not a Lightning precision "
                                  "(16-mixed, bf16-mixed, 32-true, ...)")
            if value == "16-mixed" and accelerator == "cpu":
                self.set(k, v, {"training.precision": "auto"},
                         "fp16 autocast does not run on a CPU: bf16 where the CPU has bf16 units, else fp32")
            else:
                self.set(k, v, {"training.precision": value}, "Lightning precision")
        self.map(self.one("hardware", "num_workers"), "data.num_workers", "DataLoader worker processes")
        self.map(self.one("hardware", "strategy"), "training.strategy")
        self.map(self.one("hardware", "num_nodes"), "training.num_nodes")

    def _rest(self) -> None:
        if "blocks" in self.leaves:
            self.ignore("blocks", self.leaves.pop("blocks"),
                        "the vocabulary comes from the data (a dataset's vocab.json, or the tree vocabulary)")
        for k, v in list(self.leaves.items()):
            del self.leaves[k]
            hint = self.keys.get(k)
            if hint is not None and not dataclasses.is_dataclass(hint):
                self.set(k, v, {k: v}, "same key")
            else:
                self.ignore(k, v, "unknown key")


__all__ = [
    "BASE_RECIPE",
    "IMPORT_ROOT",
    "DatasetImport",
    "Recipe",
    "Row",
    "Translation",
    "is_old_layout",
    "load_recipe",
    "show",
    "translate",
]
