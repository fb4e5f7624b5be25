"""Schematic files: ``.schem`` (Sponge v2; reads v1-v3), vanilla ``.nbt``, ``.litematic`` and Bedrock ``.mcstructure``.

``read_structure(path)`` and ``write_structure(structure, path)`` pick the format by
extension. A structure read from a file keeps the file's own palette (any block,
modded names too, canonicalised), so converting between Java formats is lossless (a
``.mcstructure`` keeps what Bedrock blocks can hold: see ``mcstructure``). Writers
name every property of every block the game knows (``game_data.full_state``): a state
that leaves a property out gets the game's default written, spelled out.

Origin (the trunk base, ``Structure.origin``, in grid coordinates) per format:

* ``.schem``: WorldEdit pastes the clipboard so that the block at the minimum
  corner lands at ``player + WEOffset``; writing ``WEOffset = -origin`` therefore
  puts the trunk base at the player's feet. Reading: ``origin = -WEOffset`` (v1/v2),
  ``origin = -Offset`` (v3, same meaning); no offset -> ``(0, 0, 0)``.
* ``.litematic``: region positions are relative to the schematic origin, which
  Litematica puts at the placement position; we write one region at ``-origin``.
* ``.nbt``: vanilla has no origin; we keep ours in an extra ``SaplingOrigin`` tag
  (vanilla ignores unknown tags) and estimate the trunk base for foreign files
  (``metrics.estimate_trunk_base``).
* ``.mcstructure`` (Bedrock): as ``.nbt``, a structure block places the minimum corner; our
  origin travels in the same ``SaplingOrigin`` tag. Blocks are translated with the game
  data's Java-to-Bedrock table, and back with its inverse (``mcstructure.to_java``).

``structure.metadata`` travels as a JSON string in a ``SaplingMetadata`` tag. A
foreign file yields ``{"data_version": N}`` (its Minecraft DataVersion), which a
later write keeps, so converted files are not stamped with a wrong game version.

Files are untrusted input: every size is checked before anything is allocated
and any problem raises ``SchematicError`` naming the file.

``.nbt`` and ``.mcstructure`` files leave air out (a structure block then keeps whatever
stands around the tree); missing blocks and ``structure_void`` read as air. Block
entities and entities are ignored: trees have none.

One module per role: ``files`` (the public functions: format by extension, atomic
writes, bundled examples), ``nbt`` (what every format shares: safe NBT loading,
limits, typed tag access, palettes), and one reader and writer per format:
``sponge`` (``.schem``), ``vanilla`` (``.nbt``), ``litematic`` (``.litematic``),
``mcstructure`` (``.mcstructure``: little-endian NBT, not gzipped).
"""

from sapling.schematic.files import (
    DATA_VERSION, DEFAULT_FORMAT, FORMATS, example_path, read_structure, structure_bytes, with_full_states, write_structure,
)
from sapling.schematic.nbt import MAX_AXIS, MAX_NBT_BYTES, MAX_NBT_DEPTH, MAX_NBT_TAGS, MAX_PALETTE, MAX_VOLUME
from sapling.schematic.nbt import METADATA_TAG
from sapling.schematic.vanilla import ORIGIN_TAG

__all__ = [
    "DATA_VERSION", "DEFAULT_FORMAT", "FORMATS", "MAX_AXIS", "MAX_NBT_BYTES", "MAX_NBT_DEPTH", "MAX_NBT_TAGS", "MAX_PALETTE",
    "MAX_VOLUME", "METADATA_TAG", "ORIGIN_TAG", "example_path", "read_structure", "structure_bytes",
    "with_full_states", "write_structure",
]
