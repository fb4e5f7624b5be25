"""The protocol module alone: request parsing (every field's checks) and reply building."""

import json

import numpy as np
import pytest

from sapling.errors import ServerConfigError
from sapling.server import protocol
from sapling.server.protocol import Cancel, Defaults, Generate, Info, Limits, Ping, ProtocolError, parse_message
from sapling.structure import Structure

LIMITS = Limits(max_samples=4, max_steps=32, max_prompt_chars=50)
DEFAULTS = Defaults(sampling_steps=16, postprocess="repair")


def parse(message):
    return parse_message(message if isinstance(message, (str, bytes)) else json.dumps(message), LIMITS, DEFAULTS)


def test_generate_with_only_the_required_fields_gets_the_defaults():
    req = parse({"type": "generate", "id": "a1", "prompt": "  tall birch tree "})
    assert req == Generate(id="a1", prompt="tall birch tree", size="normal", num_samples=1, sampling_steps=16,
                           guidance_scale=1.0, seed=None, postprocess="repair", stream=False, format="blocks")


def test_generate_with_every_field():
    req = parse({"type": "generate", "id": "x", "prompt": "oak tree", "size": "big", "num_samples": 2,
                 "sampling_steps": 24, "guidance_scale": 3, "seed": 7, "postprocess": "prune", "stream": True,
                 "format": "schem"})
    assert (req.size, req.num_samples, req.sampling_steps, req.guidance_scale, req.seed, req.postprocess,
            req.stream, req.format) == ("big", 2, 24, 3.0, 7, "prune", True, "schem")


def test_other_message_types():
    assert parse({"type": "cancel", "id": "a"}) == Cancel("a")
    assert parse({"type": "info"}) == Info()
    assert parse({"type": "ping"}) == Ping()


@pytest.mark.parametrize("message, field", [
    ({"type": "generate", "prompt": "oak"}, "id"),
    ({"type": "generate", "id": 5, "prompt": "oak"}, "id"),
    ({"type": "generate", "id": "x" * 200, "prompt": "oak"}, "id"),
    ({"type": "generate", "id": "a"}, "prompt"),
    ({"type": "generate", "id": "a", "prompt": "   "}, "prompt"),
    ({"type": "generate", "id": "a", "prompt": ["oak"]}, "prompt"),
    ({"type": "generate", "id": "a", "prompt": "o" * 51}, "prompt"),
    ({"type": "generate", "id": "a", "prompt": "oak", "size": "giant"}, "size"),
    ({"type": "generate", "id": "a", "prompt": "oak", "num_samples": 0}, "num_samples"),
    ({"type": "generate", "id": "a", "prompt": "oak", "num_samples": 5}, "num_samples"),
    ({"type": "generate", "id": "a", "prompt": "oak", "num_samples": "2"}, "num_samples"),
    ({"type": "generate", "id": "a", "prompt": "oak", "num_samples": True}, "num_samples"),
    ({"type": "generate", "id": "a", "prompt": "oak", "sampling_steps": 33}, "sampling_steps"),
    ({"type": "generate", "id": "a", "prompt": "oak", "sampling_steps": 2.5}, "sampling_steps"),
    ({"type": "generate", "id": "a", "prompt": "oak", "guidance_scale": -1}, "guidance_scale"),
    ({"type": "generate", "id": "a", "prompt": "oak", "guidance_scale": "high"}, "guidance_scale"),
    ({"type": "generate", "id": "a", "prompt": "oak", "seed": -3}, "seed"),
    ({"type": "generate", "id": "a", "prompt": "oak", "postprocess": "magic"}, "postprocess"),
    ({"type": "generate", "id": "a", "prompt": "oak", "stream": "yes"}, "stream"),
    ({"type": "generate", "id": "a", "prompt": "oak", "format": "png"}, "format"),
    ({"type": "generate", "id": "a", "prompt": "oak", "colour": "red"}, "colour"),
    ({"type": "cancel"}, "id"),
    ({"type": "teleport"}, "type"),
    ({"id": "a"}, "type"),
])
def test_each_bad_field_is_named(message, field):
    with pytest.raises(ProtocolError) as err:
        parse(message)
    assert err.value.code == "invalid_request"
    assert f"field '{field}'" in err.value.message


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '"generate"', "{", b'{"type":"ping"}'])
def test_malformed_messages(text):
    with pytest.raises(ProtocolError) as err:
        parse(text)
    assert err.value.code == "invalid_request"


def test_bad_field_error_carries_the_request_id():
    with pytest.raises(ProtocolError) as err:
        parse({"type": "generate", "id": "r9", "prompt": "oak", "size": 3})
    assert err.value.request_id == "r9"


def tree() -> Structure:
    blocks = {(0, y, 0): "oak_log[axis=y]" for y in range(5)}
    blocks.update({(dx, 5, dz): "oak_leaves[persistent=false]" for dx in range(-2, 3) for dz in range(-2, 3)})
    blocks[(0, -1, 0)] = "dirt"
    s = Structure.from_blocks(blocks, origin=(0, 0, 0)).place_in("normal")
    return s


def test_structure_message_is_in_the_request_frame():
    s = tree()
    [msg] = protocol.structure_messages("a", 0, s, {"blocks": s.num_blocks}, None, 1 << 20)
    assert msg["type"] == "structure" and msg["size"] == [16, 16, 16] and msg["origin"] == [8, 1, 8]
    assert msg["palette"][0] == "minecraft:air"
    placed = {(x, y, z): msg["palette"][i] for x, y, z, i in msg["blocks"]}
    assert placed[(0, 0, 0)] == "minecraft:oak_log[axis=y]"  # trunk base at the origin
    assert placed[(0, -1, 0)] == "minecraft:dirt"
    assert len(placed) == s.num_blocks
    assert "schem" not in msg


def test_large_structures_are_split_into_parts_that_fit_and_add_up():
    s = tree()
    schem = bytes(range(256)) + bytes(44)
    whole = protocol.structure_messages("a", 1, s, {"blocks": s.num_blocks}, schem, 1 << 20)[0]
    parts = protocol.structure_messages("a", 1, s, {"blocks": s.num_blocks}, schem, 800)
    assert len(parts) > 1
    assert all(len(protocol.encode(p)) <= 800 for p in parts)
    assert all(p["type"] == "structure_part" and p["parts"] == len(parts) for p in parts)
    assert [p["part"] for p in parts] == list(range(len(parts)))
    assert "schem" in parts[0] and all("schem" not in p for p in parts[1:])
    assert protocol.assemble(list(reversed(parts))) == whole
    with pytest.raises(ValueError, match="missing"):
        protocol.assemble(parts[1:])


def test_progress_uses_the_same_frame():
    msg = protocol.progress("a", 0, 1, 4, (16, 16, 16), [(8, 1, 8, "minecraft:oak_log[axis=y]")])
    assert msg["blocks"] == [[0, 0, 0, "minecraft:oak_log[axis=y]"]]
    assert protocol.frame_origin((24, 64, 24)) == (12, 1, 12)


def test_limits_are_checked():
    with pytest.raises(ServerConfigError, match="max_samples must be at least 1"):
        Limits(max_samples=0)
    with pytest.raises(ServerConfigError, match="max_steps can be at most"):
        Limits(max_steps=10_000)
    with pytest.raises(ValueError):
        protocol.error("teapot", "?")
    info = protocol.info({"name": "tiny"}, DEFAULTS, LIMITS)
    assert info["limits"]["max_samples"] == 4 and info["defaults"]["sampling_steps"] == 16
    assert info["sizes"]["huge"] == [24, 64, 24]
    assert np.isscalar(info["limits"]["max_queue"])


def test_structure_messages_say_which_species_the_tree_got_and_why():
    s = tree()
    [msg] = protocol.structure_messages("a", 0, s, {}, None, 1 << 20)
    assert "species" not in msg  # a structure the sampler said nothing about
    assert protocol.species_field(s) == {"chosen": None, "by": "model", "plain": False, "why": ""}
    s.metadata["species"] = {"chosen": "jungle", "by": "prompt", "plain": False,
                             "why": "no known tree named; closest in meaning: jungle", "prior_source": "similarity"}
    [whole] = protocol.structure_messages("a", 0, s, {}, None, 1 << 20)
    parts = protocol.structure_messages("a", 0, s, {}, None, len(protocol.encode(whole)) - 1)
    assert len(parts) > 1 and all(p["species"]["chosen"] == "jungle" for p in parts)
    assert protocol.assemble(parts)["species"] == protocol.species_field(s)
    assert protocol.species_field(s) == {"chosen": "jungle", "by": "prompt", "plain": False,
                                         "why": "no known tree named; closest in meaning: jungle"}
