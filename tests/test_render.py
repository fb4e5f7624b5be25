import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sapling.blocks import BlockVocab
from sapling.errors import SaplingError
from sapling.render import (
    BACKGROUND,
    END_PALETTE,
    PALETTE,
    RenderError,
    block_color,
    game_color,
    render_grid,
    render_structure,
    save_preview,
)
from sapling.structure import Structure


def hand_tree(species: str, size: str = "normal", leaves_only: bool = False, logs_only: bool = False) -> Structure:
    """A small tree built by hand: a 6-log trunk under a round crown (a cone for spruce)."""
    blocks = {}
    if not leaves_only:
        for y in range(6):
            blocks[(0, y, 0)] = f"minecraft:{species}_log[axis=y]"
    if not logs_only:
        for x in range(-3, 4):
            for y in range(3, 10):
                for z in range(-3, 4):
                    if species == "spruce":
                        inside = x * x + z * z <= ((10 - y) * 0.45) ** 2
                    else:
                        inside = x * x + 1.5 * (y - 6) ** 2 + z * z <= 9
                    if inside and (x, y, z) not in blocks:
                        blocks[(x, y, z)] = f"minecraft:{species}_leaves[persistent=false]"
    return Structure.from_blocks(blocks, BlockVocab.default()).place_in(size)


def block_pixels(image: Image.Image, empty: Image.Image) -> np.ndarray:
    """``(N, 3)`` colours of the pixels where blocks were drawn (they differ from the empty plate)."""
    a = np.asarray(image).reshape(-1, 3).astype(int)
    b = np.asarray(empty).reshape(-1, 3).astype(int)
    return a[(a != b).any(axis=1)]


def colour_count(image: Image.Image, rgb_test) -> int:
    a = np.asarray(image).astype(int)
    return int(rgb_test(a[..., 0], a[..., 1], a[..., 2]).sum())


EMPTY = Structure.empty((16, 16, 16))


def test_tile_size_is_reasonable_and_scales_with_the_grid():
    small = render_structure(hand_tree("oak"))
    big = render_structure(hand_tree("oak", "big"))
    assert isinstance(small, Image.Image) and small.mode == "RGB"
    assert 256 <= small.width <= 400 and 256 <= small.height <= 400
    assert big.width == small.width and big.height > small.height * 1.4
    bounded = render_structure(hand_tree("oak"), size_px=200)
    assert max(bounded.size) <= 200 and max(bounded.size) > 120


def test_render_is_not_blank():
    image = render_structure(hand_tree("oak"))
    a = np.asarray(image).astype(float)
    assert a.std() > 20
    not_background = (np.abs(a - BACKGROUND).sum(axis=-1) > 30).mean()
    assert not_background > 0.1
    assert len(block_pixels(image, render_structure(EMPTY))) > 5000


def test_species_have_clearly_different_leaf_colours():
    empty = render_structure(EMPTY)
    mean = {sp: block_pixels(render_structure(hand_tree(sp, leaves_only=True)), empty).mean(axis=0)
            for sp in ("birch", "cherry", "spruce")}
    r, g, b = mean["cherry"]
    assert r > g + 40 and b > g, "cherry leaves are pink"
    for sp in ("birch", "spruce"):
        r, g, b = mean[sp]
        assert g > r and g > b, f"{sp} leaves are green"
    assert mean["birch"].sum() > mean["spruce"].sum() + 60, "spruce needles are darker than birch leaves"
    for one, two in (("birch", "cherry"), ("birch", "spruce"), ("cherry", "spruce")):
        assert np.linalg.norm(mean[one] - mean[two]) > 50


def test_birch_bark_is_white_and_spruce_bark_dark():
    empty = render_structure(EMPTY)
    birch = block_pixels(render_structure(hand_tree("birch", logs_only=True)), empty)
    spruce = block_pixels(render_structure(hand_tree("spruce", logs_only=True)), empty)
    assert np.median(birch.sum(axis=1)) > 400  # white bark, even on the shaded side
    assert (birch.sum(axis=1) < 200).mean() > 0.03  # with dark spots
    assert np.median(birch.sum(axis=1)) > 2.5 * np.median(spruce.sum(axis=1))


def test_near_blocks_hide_far_blocks():
    def pink(r, g, b):
        return (r > 150) & (r > g + 40)

    vocab = BlockVocab.default()
    cherry, spruce = vocab.id("cherry_leaves[persistent=false]"), vocab.id("spruce_leaves[persistent=false]")

    def render(placed):
        grid = np.zeros((3, 3, 3), dtype=np.int16)
        for pos, block in placed.items():
            grid[pos] = block
        return render_structure(Structure(grid, vocab))

    # (1, 1, 1) is nearer the camera (at the +x +y +z corner) than (0, 0, 0).
    alone = render({(0, 0, 0): cherry})
    assert colour_count(render({(0, 0, 0): cherry, (1, 1, 1): spruce}), pink) < 0.3 * colour_count(alone, pink)
    alone = render({(1, 1, 1): cherry})
    assert colour_count(render({(1, 1, 1): cherry, (0, 0, 0): spruce}), pink) == colour_count(alone, pink)


def test_empty_structure_renders_an_empty_tile():
    image = render_structure(EMPTY)
    assert image.size == render_structure(hand_tree("oak")).size
    colours = {tuple(c) for c in np.asarray(image).reshape(-1, 3).tolist()}
    assert BACKGROUND in colours and len(colours) <= 3  # background and the checkered plate
    assert render_grid(EMPTY).size == image.size


def test_grid_layout_with_captions():
    trees = [hand_tree(sp) for sp in ("oak", "birch", "spruce", "cherry", "jungle")]
    tile = render_structure(trees[0])
    plain = render_grid(trees, columns=3)
    assert plain.size == (3 * tile.width, 2 * tile.height)
    captioned = render_grid(trees, captions=["oak", "birch", "spruce", "cherry", None], columns=3)
    assert captioned.width == 3 * tile.width
    assert captioned.height > plain.height
    caption_h = captioned.height // 2 - tile.height
    strip = np.asarray(captioned)[tile.height:tile.height + caption_h, :tile.width].astype(int)
    assert (strip.sum(axis=-1) < 300).sum() > 20  # dark text under the first tile
    long = render_grid(trees[:2], captions=["a very long caption " * 10, "short"], columns=2)
    assert long.width == 2 * tile.width  # wrapped, not widened
    assert render_grid(trees).width >= render_grid(trees).height * 0.5  # default sheet is not a strip


def test_grid_uses_one_scale_for_mixed_sizes():
    normal, big = hand_tree("oak"), hand_tree("oak", "big")
    sheet = render_grid([normal, big], columns=2)
    assert sheet.size == (2 * render_structure(big).width, render_structure(big).height)


def test_bad_grid_arguments_are_clear_errors():
    with pytest.raises(RenderError, match="captions"):
        render_grid([hand_tree("oak")] * 2, captions=["one"])
    with pytest.raises(RenderError, match="nothing to render"):
        render_grid([])
    with pytest.raises(RenderError, match="columns"):
        render_grid(hand_tree("oak"), columns=0)
    with pytest.raises(RenderError, match="size_px"):
        render_structure(hand_tree("oak"), size_px=0)


def test_save_preview_writes_png(tmp_path):
    path = save_preview(hand_tree("cherry"), tmp_path / "sub" / "tree.png", captions="cherry")
    assert path == tmp_path / "sub" / "tree.png"
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width >= 256
    many = save_preview([hand_tree("oak"), hand_tree("birch")], tmp_path / "sheet", columns=2)
    assert many.suffix == ".png" and many.exists()


def test_save_preview_unwritable_path_is_a_sapling_error(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(RenderError, match="cannot write preview"):
        save_preview(hand_tree("oak"), blocker / "tree.png")
    folder = tmp_path / "a_folder.png"
    folder.mkdir()
    with pytest.raises(SaplingError, match="cannot write preview"):
        save_preview(hand_tree("oak"), folder)
    with pytest.raises(RenderError, match=r"\.png"):
        save_preview(hand_tree("oak"), tmp_path / "tree.jpg")


def test_palette_and_block_color():
    json.dumps({"side": PALETTE, "end": END_PALETTE})  # exportable for a web viewer
    assert block_color("minecraft:cherry_leaves[distance=2,persistent=false]") == PALETTE["cherry_leaves"]
    assert block_color("oak_log[axis=y]", "up") == END_PALETTE["oak_log"]
    assert block_color("oak_log[axis=y]", "east") == PALETTE["oak_log"]
    assert block_color("oak_log[axis=x]", "east") == END_PALETTE["oak_log"]
    assert block_color("grass_block[snowy=false]", "up") != block_color("grass_block[snowy=false]")
    # Unknown blocks: a stable colour per name; shaped variants take their material's.
    assert block_color("mymod:crystal") == block_color("mymod:crystal[lit=true]")
    assert block_color("mymod:crystal") != block_color("mymod:ore")
    assert block_color("spruce_fence[east=true]") == PALETTE["spruce_planks"]
    assert block_color("cobblestone_wall") == PALETTE["cobblestone"]
    with pytest.raises(RenderError, match="face"):
        block_color("oak_log", "sideways")


def test_unknown_and_partial_blocks_render(tmp_path):
    blocks = {
        (0, 0, 0): "glass", (2, 0, 0): "oak_fence[east=false]", (4, 0, 0): "create:shaft[axis=x]",
        (0, 0, 2): "moss_carpet", (2, 0, 2): "cocoa[age=2,facing=north]", (4, 0, 2): "oak_slab[type=bottom]",
        (0, 0, 4): "vine[east=false,north=false,south=true,up=false,west=false]",
        (2, 0, 4): "flowering_azalea_leaves[persistent=true]", (4, 0, 4): "bee_nest[facing=south,honey_level=0]",
    }
    s = Structure.from_blocks(blocks)
    empty = render_structure(Structure.empty(s.shape))
    drawn = block_pixels(render_structure(s), empty)
    assert len(drawn) > 500
    assert save_preview(s, tmp_path / "misc.png").exists()


def test_huge_structure_renders():
    blocks = np.zeros((24, 64, 24), dtype=np.int16)
    vocab = BlockVocab.default()
    blocks[11:13, :50, 11:13] = vocab.id("jungle_log[axis=y]")
    yy, xx, zz = np.meshgrid(np.arange(64), np.arange(24), np.arange(24), indexing="xy")
    crown = (xx - 11.5) ** 2 + 2 * (yy - 48) ** 2 + (zz - 11.5) ** 2 < 110
    blocks[crown & (blocks == 0)] = vocab.id("jungle_leaves[persistent=false]")
    image = render_structure(Structure(blocks, vocab))
    assert image.height <= 1024 and image.height > image.width
    assert np.asarray(image).std() > 20


# --- the game's colours for every other block ---

REPO = Path(__file__).resolve().parents[1]
COLOR_TABLE = REPO / "sapling" / "data" / "game" / "block_colors.json"
ASSETS_ENV = "SAPLING_MINECRAFT_ASSETS"


def minecraft_assets_package() -> Path | None:
    candidates = ([Path(os.environ[ASSETS_ENV])] if os.environ.get(ASSETS_ENV) else []) + [
        Path("/tmp/node_modules/minecraft-assets")]
    return next((p for p in candidates if (p / "package.json").is_file()), None)


def is_grey(c, spread=15):
    return max(c) - min(c) <= spread


@pytest.mark.parametrize("color", [block_color, lambda state, face="side": game_color(state)[
    "top" if face == "up" else "side"]], ids=["block_color", "game_color"])
def test_blocks_have_their_texture_colours(color):
    r, g, b = color("minecraft:poppy")
    assert r > g + 30 and r > b + 30  # red
    r, g, b = color("minecraft:dandelion")
    assert r > b + 60 and g > b + 60  # yellow
    r, g, b = color("minecraft:blue_orchid")
    assert b > r + 60  # blue
    assert is_grey(color("minecraft:stone")) and 100 < color("minecraft:stone")[0] < 150
    assert is_grey(color("minecraft:cobblestone"))
    assert min(color("minecraft:white_terracotta")) > 150  # light
    assert min(color("minecraft:glass")) > 160  # light: see-through, its frame is pale
    r, g, b = color("minecraft:grass_block[snowy=false]", "up")
    assert g > r + 10 and g > b + 10  # the greyscale top, tinted by the plains grass colour
    r, g, b = color("minecraft:red_mushroom")
    assert r > g + 60 and r > b + 60
    r, g, b = color("minecraft:lime_terracotta")
    assert g > r and g > b


def test_the_table_knows_see_through_blocks_and_tints():
    assert 0 < game_color("glass")["alpha"] < 0.5
    assert 0 < game_color("red_stained_glass")["alpha"] < 0.8
    assert "alpha" not in game_color("stone") and "alpha" not in game_color("oak_planks")
    for leaves in ("oak_leaves", "birch_leaves", "spruce_leaves", "jungle_leaves"):
        r, g, b = game_color(leaves)["side"]
        assert g > r and g > b, leaves  # greyscale textures, tinted green
    r, g, b = game_color("water")["side"]
    assert b > r and b > g
    assert game_color("minecraft:poppy") == game_color("poppy")
    assert game_color("create:shaft") is None and game_color("mymod:poppy") is None


def test_formerly_hashed_blocks_take_the_table_colour():
    from sapling.render import _hashed_color

    for name in ("poppy", "white_terracotta", "blue_orchid", "andesite", "red_mushroom_block", "torch"):
        state = f"minecraft:{name}"
        assert block_color(state) == game_color(name)["side"] != _hashed_color(name, "other"), name
    # A block whose top texture differs shows it on top; a stem shows its end along its axis.
    assert block_color("minecraft:crafting_table", "up") == game_color("crafting_table")["top"]
    assert block_color("minecraft:crafting_table", "up") != block_color("minecraft:crafting_table", "side")
    stem = game_color("crimson_stem")
    assert block_color("crimson_stem[axis=y]", "up") == stem["top"] == block_color("crimson_stem[axis=x]", "east")
    assert block_color("crimson_stem[axis=x]", "up") == stem["side"] == block_color("crimson_stem[axis=y]", "north")


def test_tree_and_modded_blocks_keep_their_colours():
    # Hand-tuned values, as they were before the game's table: the README pictures do not change.
    assert block_color("oak_log[axis=y]") == (104, 83, 50)
    assert block_color("oak_log[axis=y]", "up") == (164, 133, 80)
    assert block_color("birch_leaves[distance=1,persistent=false]") == (118, 158, 76)
    assert block_color("cherry_leaves") == (236, 166, 200)
    assert block_color("grass_block", "up") == (94, 156, 56) and block_color("grass_block") == (134, 96, 67)
    assert block_color("stone") == (126, 126, 126) and block_color("glass") == (206, 228, 236)
    assert block_color("vine[east=true]") == (58, 116, 26)
    assert block_color("cocoa[age=0,facing=north]") == (126, 142, 52)
    # Shapes drawn with a hand-tuned material's texture match it.
    assert block_color("spruce_fence") == PALETTE["spruce_planks"] == block_color("spruce_stairs")
    assert block_color("glass_pane") == PALETTE["glass"]
    for state in BlockVocab.default().states[1:]:  # every tree block has a hand-tuned colour
        name = state.split("[")[0].split(":")[1]
        assert name in PALETTE and (block_color(state) == PALETTE[name] or name == "cocoa"), state
    # Blocks the game does not know still get a colour hashed from their name, namespace aside.
    from sapling.render import _hashed_color

    assert block_color("mymod:crystal") == _hashed_color("crystal", "other")
    assert block_color("mymod:poppy") == _hashed_color("poppy", "other") != block_color("minecraft:poppy")


def test_the_table_is_small_sorted_and_covers_the_game():
    text = COLOR_TABLE.read_text(encoding="utf-8")
    assert len(text.encode()) < 200_000
    data = json.loads(text)
    assert {"format", "game_version", "minecraft_assets", "source"} <= set(data)
    blocks = json.loads((REPO / "sapling" / "data" / "game" / "java_blocks.json").read_text("utf-8"))
    assert data["game_version"] == blocks["game_version"]
    assert set(data["blocks"]) == set(blocks["blocks"]) - {"air", "cave_air", "void_air"}
    assert list(data["blocks"]) == sorted(data["blocks"])
    for name, entry in data["blocks"].items():
        assert set(entry) <= {"side", "top", "alpha", "axis"}, name
        assert all(len(entry[k]) == 3 and all(0 <= v <= 255 for v in entry[k]) for k in ("side", "top")), name


def test_flowers_render_in_their_colours():
    s = Structure.from_blocks({(0, 0, 0): "poppy", (2, 0, 0): "cornflower", (4, 0, 0): "stone"})
    drawn = block_pixels(render_structure(s), render_structure(Structure.empty(s.shape)))
    red = (drawn[:, 0] > drawn[:, 1] + 30) & (drawn[:, 0] > drawn[:, 2] + 30)
    blue = drawn[:, 2] > drawn[:, 0] + 30
    assert red.sum() > 50 and blue.sum() > 50


@pytest.mark.skipif(minecraft_assets_package() is None,
                    reason=f"npm package minecraft-assets not found (set ${ASSETS_ENV} or run "
                           "'cd /tmp && npm install minecraft-assets@1.19.0')")
def test_the_script_regenerates_the_shipped_colour_table_byte_identically(tmp_path):
    spec = importlib.util.spec_from_file_location("gen_block_colors", REPO / "scripts" / "gen_block_colors.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    shipped = json.loads(COLOR_TABLE.read_text(encoding="utf-8"))
    package = minecraft_assets_package()
    if json.loads((package / "package.json").read_text())["version"] != shipped["minecraft_assets"]:
        pytest.skip(f"{package} is not minecraft-assets {shipped['minecraft_assets']}")
    out = tmp_path / "colors.json"
    assert script.main(["--source", str(package), "--version", shipped["game_version"], "--out", str(out)]) == 0
    assert out.read_bytes() == COLOR_TABLE.read_bytes()
