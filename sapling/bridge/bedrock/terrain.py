"""Ground under a tree, asked of a Bedrock game through its command queue (asyncio).

``sapling.bridge.ground`` is the pure search; this module sends its questions as
``execute in <dimension> if block ...`` commands and reads the answers from status codes: 0
passed, the game's failure status (``BLOCK_IN_THE_WAY``, also its "test failed") failed, anything
else (no answer, the game disconnected, a syntax error) is a ``BedrockError`` rather than a guess.

``place_tree_blocks`` puts one batch of a tree's blocks in on that ground: the ground patch (its
ground-kind blocks under the trunk base) only where ``PatchCheck`` found air or a replaceable plant,
the lowest logs over the plants the probe walked through (``replace``), the rest with ``keep``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sapling.bridge.bedrock.messages import place_command
from sapling.bridge.bedrock.queue import BLOCK_IN_THE_WAY, CommandQueue, CommandResult
from sapling.bridge.ground import Edition, Ground, GroundProbe, PatchCheck, Query, patch_blocks, replace_command
from sapling.bridge.placement import Block
from sapling.errors import BedrockError

Pos = tuple[int, int, int]


def answer_of(result: CommandResult) -> bool | None:
    """A block test's answer: True passed, False failed, None not answered (dropped, lost, refused)."""
    if result.ok:
        return True
    if result.status == BLOCK_IN_THE_WAY:
        return False
    return None


async def ask(commands: CommandQueue, query: Query, dimension: str) -> bool:
    result = await commands.run(query.command(dimension))
    answer = answer_of(result)
    if answer is None:
        raise BedrockError(f"the game did not answer a block test ({result.message or result.status})")
    return answer


async def find_surface(commands: CommandQueue, anchor: Pos, dimension: str) -> Ground:
    """``GroundProbe`` (Bedrock) in the column of ``anchor``, asked one question at a time."""
    probe = GroundProbe(anchor, Edition.BEDROCK)
    query = probe.next()
    while query is not None:
        query = probe.answer(await ask(commands, query, dimension))
    assert probe.result is not None
    return probe.result


@dataclass(frozen=True)
class Footing:
    """What a tree's placement needs to know of its ground: the trunk base height and the plants the
    probe found under the air above the ground (their blocks are replaced, not kept)."""

    base_y: int
    plants: frozenset[Pos] = frozenset()

    @classmethod
    def of(cls, ground: Ground) -> "Footing":
        assert ground.base is not None
        return cls(ground.base[1], frozenset(ground.plants))


async def place_tree_blocks(commands: CommandQueue, blocks: tuple[Block, ...], dimension: str,
                            footing: Footing | None, tag: object = None) -> list[tuple[Block, CommandResult]]:
    """Places ``blocks`` (in their order) on ``footing``: each block with the game's answer to its
    placement; patch blocks that found no open place are left out (never sent)."""
    patch = set(patch_blocks(blocks, footing.base_y)) if footing is not None else set()
    plants = footing.plants if footing is not None else frozenset()
    # Every command is written before any is sent: a block the game cannot spell fails the batch
    # with nothing placed (nothing unjournaled left behind).
    lines = [replace_command(b, Edition.BEDROCK, dimension) if b in patch or (b.x, b.y, b.z) in plants
             else place_command(b, dimension) for b in blocks]
    allowed: set[Block] = set()
    if patch:
        check = PatchCheck.of([b for b in blocks if b in patch], Edition.BEDROCK)
        results = await asyncio.gather(*(commands.run(q.command(dimension), tag=tag) for q in check.queries))
        # An unanswered question (a cancel dropped it) counts as "not open": the block stays out.
        answers = [a if a is not None else not m
                   for a, m in zip(map(answer_of, results), check.member_if_passed)]
        allowed = set(check.allowed(answers))
    chosen = [(b, line) for b, line in zip(blocks, lines) if b not in patch or b in allowed]
    results = await asyncio.gather(*(commands.run(line, tag=tag) for _, line in chosen))
    return [(b, r) for (b, _), r in zip(chosen, results)]


__all__ = ["Footing", "ask", "find_surface", "place_tree_blocks", "answer_of"]
