"""Fine-tuning onto another vocabulary: move a network's per-block rows to the new block ids.

Two tensors of ``UNet3D`` are indexed by block id: the token embedding ``embed.weight``
``(V + 1, C)`` (the last row is the mask token) and the output head ``head.weight``
``(V, C, 1, 1, 1)`` / ``head.bias`` ``(V,)``. Everything else is shared by every
vocabulary. For the new vocabulary each row is:

* **copied** when the old vocabulary has the same state;
* else **borrowed** from the most similar old state (the same block in another state,
  else the most common kind-and-species neighbour, ``dataset.vocab.merge_group``), so a
  new ``oak_log[axis=z]`` starts as the old ``oak_log[axis=y]`` and a new flower as an old
  flower; a borrowed head row's bias is lowered by ``log 2`` so the two do not start
  equally likely where the old one was right;
* else **fresh**: the embedding the mean of the old rows, the head row zero with the
  lowest old bias (the network starts out never predicting a block it never saw).

The mask-token row is always copied. Pure functions over state dicts; no training here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from sapling.blocks import BlockVocab, parse_state

_ROWS = ("embed.weight", "head.weight", "head.bias")


@dataclass(frozen=True)
class TransferReport:
    """How the new vocabulary's rows were made (counts of states)."""

    copied: int
    borrowed: int
    fresh: int

    def to_text(self) -> str:
        return f"{self.copied} states copied, {self.borrowed} borrowed from a similar state, {self.fresh} new"


def source_rows(old: BlockVocab, new: BlockVocab) -> list[tuple[int | None, str]]:
    """For each new id: ``(old id or None, "copied" | "borrowed" | "fresh")``."""
    from sapling.training.dataset.vocab import merge_group

    exact = {s: i for i, s in enumerate(old.states)}
    by_name: dict[str, int] = {}
    by_group: dict[tuple, int] = {}
    for i, s in enumerate(old.states[1:], start=1):
        by_name.setdefault(parse_state(s)[0], i)
        by_group.setdefault(merge_group(s), i)
    out: list[tuple[int | None, str]] = []
    for s in new.states:
        if s in exact:
            out.append((exact[s], "copied"))
        elif (i := by_name.get(parse_state(s)[0], by_group.get(merge_group(s)))) is not None:
            out.append((i, "borrowed"))
        else:
            out.append((None, "fresh"))
    return out


def transfer_weights(state_dict: dict[str, torch.Tensor], old: BlockVocab,
                     new: BlockVocab) -> tuple[dict[str, torch.Tensor], TransferReport]:
    """``state_dict`` of a network over ``old`` -> the same network over ``new`` (see module docstring)."""
    missing = [k for k in _ROWS if k not in state_dict]
    if missing:
        raise KeyError(f"not a UNet3D state dict: {', '.join(missing)} missing")
    sources = source_rows(old, new)
    embed, head_w, head_b = (state_dict[k] for k in _ROWS)
    new_embed = embed[:-1].mean(0, keepdim=True).repeat(len(new) + 1, 1)
    new_embed[-1] = embed[-1]  # the mask token
    new_w = torch.zeros((len(new), *head_w.shape[1:]), dtype=head_w.dtype)
    new_b = torch.full((len(new),), float(head_b.min()), dtype=head_b.dtype)
    for j, (i, how) in enumerate(sources):
        if i is None:
            continue
        new_embed[j] = embed[i]
        new_w[j] = head_w[i]
        new_b[j] = head_b[i] - (math.log(2.0) if how == "borrowed" else 0.0)
    out = dict(state_dict)
    out.update(zip(_ROWS, (new_embed, new_w, new_b)))
    hows = [how for _, how in sources]
    return out, TransferReport(hows.count("copied"), hows.count("borrowed"), hows.count("fresh"))


__all__ = ["TransferReport", "source_rows", "transfer_weights"]
