"""``sapling dataset build``: grow procedural corpus trees, with captions, into a dataset.

Each tree type is grown for one size bucket (``TreeType.size``: the vanilla types for
normal, mega spruces and the ``big_*`` types for big, the ``huge_*`` types for huge).
The size mix (``DEFAULT_SIZE_MIX`` unless given) says what share of the trees is drawn
for each bucket; within a bucket types are drawn round-robin so every type is
represented, and each tree goes into the smallest requested bucket that holds it. The
held-out ("test") split is drawn evenly over tree types, deterministically from the seed.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from sapling.blocks import BlockVocab
from sapling.errors import DatasetError, StructureError
from sapling.progress import Progress, progress_bar
from sapling.structure import SIZES, Structure
from sapling.training.dataset.format import (
    DEFAULT_HOLDOUT, PathLike, ShardWriter, check_sizes, id_dtype, jsonable, split_ids, staging, table,
    write_dataset,
)

# A type whose trees fit none of the requested sizes this many times in a row is dropped.
MAX_MISFITS = 8
# Share of the trees drawn for each size bucket, renormalised over the requested sizes that
# have tree types. Normal trees are most of the prompts and the cheapest to train on; a huge
# grid holds 9 normal ones, so huge trees get the smallest share.
DEFAULT_SIZE_MIX: dict[str, float] = {"normal": 0.5, "big": 0.3, "huge": 0.2}


def parse_size_mix(mix: Mapping[str, float] | str | None) -> dict[str, float]:
    """A size mix as ``{bucket: share}`` from a mapping or ``"normal=0.5,big=0.3,huge=0.2"``.

    Shares are non-negative numbers (they need not sum to 1); buckets not named get 0.
    None gives ``DEFAULT_SIZE_MIX``. Raises ``DatasetError`` for an unknown bucket, a bad
    share or a mix without any positive share.
    """
    if mix is None:
        return dict(DEFAULT_SIZE_MIX)
    if isinstance(mix, str):
        pairs = [part.split("=", 1) for part in mix.split(",") if part.strip()]
        if any(len(p) != 2 for p in pairs):
            raise DatasetError(f"a size mix reads like normal=0.5,big=0.3,huge=0.2 (got {mix!r})")
        items = [(k.strip(), v.strip()) for k, v in pairs]
    else:
        items = list(mix.items())
    out: dict[str, float] = {}
    for name, share in items:
        if name not in SIZES:
            raise DatasetError(f"unknown size {name!r} in the size mix; choose from: {', '.join(SIZES)}")
        try:
            value = float(share)
        except (TypeError, ValueError):
            raise DatasetError(f"the share of {name} in the size mix must be a number (got {share!r})") from None
        if not value >= 0 or value == float("inf"):
            raise DatasetError(f"the share of {name} in the size mix must be 0 or more (got {share!r})")
        out[name] = value
    if not any(out.values()):
        raise DatasetError(f"the size mix gives no bucket a positive share (got {mix!r})")
    return out


@dataclass
class BuildSummary:
    """What ``build_dataset`` wrote."""

    out: Path
    count: int
    splits: dict[str, int]
    counts: dict[str, dict[str, int]]  # "type" / "species" / "size" -> name -> entries
    skipped_types: dict[str, str]  # type -> why it was dropped from the rotation
    seconds: float
    vocab_hash: str

    def to_text(self) -> str:
        lines = [
            f"Wrote {self.count} trees to {self.out} in {self.seconds:.1f} s "
            f"(train {self.splits.get('train', 0)}, test {self.splits.get('test', 0)}; "
            f"vocab {self.vocab_hash[:12]})",
            table("per type", self.counts.get("type", {})),
            table("per size", self.counts.get("size", {})),
        ]
        lines += [f"skipped {t}: {why}" for t, why in self.skipped_types.items()]
        return "\n".join(lines)


def _smallest_fit(structure: Structure, placed_in: str | None, allowed: list[str]) -> str | None:
    """The smallest allowed bucket that holds ``structure`` (already placed in ``placed_in``)."""
    if placed_in in allowed:  # generate_tree picked the smallest bucket overall
        return placed_in
    shape = structure.crop().shape
    return next((s for s in allowed if all(a <= b for a, b in zip(shape, SIZES[s]))), None)


def _rotations(types: list[str], grown_for: dict[str, str], allowed: list[str]) -> dict[str, list[str]]:
    """Types per requested bucket: each type in its own bucket, or the smallest requested one above it.

    A type grown for a bucket larger than every requested one is left out: its trees fit none.
    """
    order = list(SIZES)
    out: dict[str, list[str]] = {b: [] for b in allowed}
    for t in types:
        home = order.index(grown_for.get(t, "normal"))
        fits = [b for b in allowed if order.index(b) >= home]
        if fits:
            out[fits[0]].append(t)
    return out


def _next_bucket(shares: dict[str, float], drawn: Counter) -> str:
    """The bucket furthest behind its share of the trees drawn so far (ties: the smaller bucket), so
    the mix holds exactly over any prefix of the build, not just on average."""
    total = sum(shares.values())
    done = sum(drawn[b] for b in shares) + 1
    return max(shares, key=lambda b: (shares[b] / total * done - drawn[b], -list(SIZES).index(b)))


def build_dataset(
    out: PathLike,
    count: int,
    seed: int = 0,
    types: Sequence[str] | None = None,
    sizes: Sequence[str] | None = None,
    ground: bool = True,
    holdout: float = DEFAULT_HOLDOUT,
    shard_size: int = 1024,
    progress: Progress = True,
    overwrite: bool = False,
    captions_per_tree: int = 4,
    size_mix: Mapping[str, float] | str | None = None,
) -> BuildSummary:
    """Grow ``count`` corpus trees into a dataset folder ``out``; deterministic for (count, seed, ...).

    ``size_mix`` (``parse_size_mix``; default ``DEFAULT_SIZE_MIX``) gives each requested
    bucket its share of the trees; a type whose bucket was not requested is grown for
    the next larger requested one, or left out when there is none. Within a bucket, types are drawn round-robin (all
    registered types by default) so every type is represented. Each tree goes into the
    smallest of ``sizes`` that holds it; a type whose trees fit none of them
    ``MAX_MISFITS`` times in a row leaves the rotation. ``holdout`` is the fraction of
    trees in the test split.
    """
    from sapling.training.corpus.base import REGISTRY
    from sapling.training.corpus.captions import captions
    from sapling.training.corpus.generate import GENERATOR_VERSION, generate_tree, tree_types

    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise DatasetError(f"count must be a whole number of trees, at least 1 (got {count!r})")
    if not 0 <= holdout < 1:
        raise DatasetError(f"holdout is a fraction in [0, 1) (got {holdout!r})")
    if shard_size < 1:
        raise DatasetError(f"shard_size must be at least 1 (got {shard_size!r})")
    known = tree_types()
    if not known:
        raise DatasetError("no tree types are registered (the corpus growers are missing)")
    if isinstance(types, str):
        types = [types]
    rotation = list(known) if not types else list(dict.fromkeys(types))
    bad = [t for t in rotation if t not in known]
    if bad:
        raise DatasetError(f"unknown tree type {', '.join(map(repr, bad))}; choose from: {', '.join(known)}")
    allowed = check_sizes(sizes)
    mix = parse_size_mix(size_mix)
    rotations = _rotations(rotation, {t: REGISTRY[t].size for t in rotation}, allowed)
    if not any(mix.get(b, 0.0) > 0 for b, types_b in rotations.items() if types_b):
        raise DatasetError(f"the size mix {mix} gives no share to a requested size with tree types "
                           f"({', '.join(b for b, t in rotations.items() if t)})")

    vocab = BlockVocab.default()
    out = Path(out)
    start = time.perf_counter()
    records: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    drawn: Counter = Counter()  # trees grown per type: the per-type seed counter
    with staging(out, overwrite) as stage, progress_bar(progress, count, "Growing trees") as advance:
        writer = ShardWriter(stage, shard_size, id_dtype(vocab))
        turns: Counter = Counter()  # trees grown per bucket: the round-robin position in its rotation
        while len(records) < count:
            live = {b: mix.get(b, 0.0) for b, types_b in rotations.items() if types_b and mix.get(b, 0.0) > 0}
            if not live:
                raise DatasetError(f"no tree type fits the sizes {', '.join(allowed)}: " + "; ".join(skipped.values()))
            bucket_for_tree = _next_bucket(live, turns)
            bucket_rotation = rotations[bucket_for_tree]
            tree_type = bucket_rotation[turns[bucket_for_tree] % len(bucket_rotation)]
            for _ in range(MAX_MISFITS):
                tree_seed = seed * 2**32 + drawn[tree_type]  # distinct per (seed, type, draw)
                drawn[tree_type] += 1
                try:
                    tree = generate_tree(tree_type, tree_seed, ground=ground, vocab=vocab)
                except StructureError:  # larger than every bucket
                    continue
                bucket = _smallest_fit(tree.structure, tree.attributes.get("size"), allowed)
                if bucket is not None:
                    break
            else:
                skipped[tree_type] = f"{MAX_MISFITS} trees in a row fit none of: {', '.join(allowed)}"
                rotation.remove(tree_type)
                bucket_rotation.remove(tree_type)
                continue
            turns[bucket_for_tree] += 1
            structure = tree.structure if tree.attributes.get("size") == bucket else tree.structure.place_in(bucket)
            attrs = jsonable({**tree.attributes, "size": bucket})
            shard, row = writer.add(len(records), bucket, structure)
            caps = captions(attrs, random.Random(f"captions:{tree_type}:{tree_seed}"), n=captions_per_tree)
            records.append({"id": len(records), "size": bucket, "shard": shard, "row": row,
                            "captions": caps, "attributes": attrs})
            advance()
        shards = writer.close()
        groups: dict[str, list[int]] = {}
        for r in records:
            groups.setdefault(r["attributes"]["type"], []).append(r["id"])
        test = split_ids(groups, holdout, seed)
        for r in records:
            r["split"] = "test" if r["id"] in test else "train"
        manifest = write_dataset(stage, vocab, records, shards, {
            "kind": "corpus", "seed": seed, "generator_version": GENERATOR_VERSION, "ground": ground,
            "holdout": holdout, "types": sorted(set().union(*rotations.values()) | set(skipped)), "skipped_types": skipped,
            "captions_per_tree": captions_per_tree, "size_mix": mix,
        })
    return BuildSummary(out, count, manifest["splits"], manifest["counts"], skipped,
                        time.perf_counter() - start, vocab.content_hash)
