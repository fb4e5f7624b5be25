"""The denoiser: a text-conditioned 3D UNet over block-id grids.

``UNet3D(config)(tokens, mask_ratio, text_tokens, text_mask, text_pooled)`` maps a
partly masked grid (B, X, Y, Z) to logits (B, vocab_size, X, Y, Z) over the
original blocks. The parts, and why:

* token embedding (vocab_size + 1 rows: the last is the mask token) plus
  coordinate channels (height above the floor, signed offset from the trunk axis,
  radial distance from it), so the global layout of a tree is easy to learn; they
  are those of the tree's whole grid, so a training window (``Window``: where a crop
  sits in its tree) knows its place;
* a conditioning vector = MLP(sinusoid(mask ratio)) + Linear(pooled prompt),
  applied in every residual block by AdaGN (GroupNorm, then scale and shift);
* residual blocks (GroupNorm, SiLU, dropout) whose last conv starts at zero, so
  every block starts as the identity and training starts stable;
* at ``attention_levels``: self-attention over voxels, then cross-attention to the
  prompt's token states (key padding from ``text_mask``); a learned null key is
  always present, so an empty prompt (all-False mask: the classifier-free
  guidance null condition) attends to it instead of producing NaNs;
* down/upsampling by 2 with skip connections; grids that are not a multiple of
  ``2 ** (levels - 1)`` are padded internally and the logits cropped back.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from sapling.config import ModelConfig

NUM_COORD_CHANNELS = 4  # the "grid" frame; the "world" frame adds the whole grid's height
# Blocks per unit of the "world" frame's channels: the tallest and the widest bucket span 1.
WORLD_HEIGHT = 64
WORLD_WIDTH = 24


def coord_channel_count(frame: str) -> int:
    return NUM_COORD_CHANNELS + (frame == "world")


class Window(NamedTuple):
    """Where each grid of a batch sits in its tree's whole grid: ``offset`` (B, 3) of its
    minimum corner and ``frame`` (B, 3), the whole grid's (X, Y, Z); both long tensors.
    (A NamedTuple: Lightning moves it to the device with the rest of the batch.)"""

    offset: torch.Tensor
    frame: torch.Tensor

    @staticmethod
    def whole(batch: int, shape: tuple[int, int, int], device: torch.device | str = "cpu") -> "Window":
        """Every grid is its whole tree (sampling; training without windows)."""
        return Window(torch.zeros(batch, 3, dtype=torch.long, device=device),
                      torch.tensor(shape, dtype=torch.long, device=device).expand(batch, 3))


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (elements) of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def coordinate_channels(shape: tuple[int, int, int], device: torch.device | str = "cpu",
                        dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(4, X, Y, Z): y / Y (height above the floor), (x - X//2) / X and (z - Z//2) / Z (signed
    offset from the trunk axis, which ``Structure.place_in`` puts at column X//2, Z//2), and the
    radial distance sqrt(dx^2 + dz^2) in the same units."""
    sx, sy, sz = shape
    x = (torch.arange(sx, device=device, dtype=torch.float32) - sx // 2) / sx
    y = torch.arange(sy, device=device, dtype=torch.float32) / sy
    z = (torch.arange(sz, device=device, dtype=torch.float32) - sz // 2) / sz
    gx, gy, gz = torch.meshgrid(x, y, z, indexing="ij")
    radial = torch.sqrt(gx * gx + gz * gz)
    return torch.stack([gy, gx, gz, radial]).to(dtype)


def window_coordinate_channels(shape: tuple[int, int, int], window: Window, frame: str = "grid",
                               dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(B, C, X, Y, Z) coordinates of grids of ``shape`` placed in their whole trees by ``window``:
    each grid gets exactly the channels of its part of the whole grid.

    ``frame`` "grid" (C = 4): ``coordinate_channels`` of the whole grid (fractions of its sides).
    "world" (C = 5): height above the whole grid's floor / WORLD_HEIGHT, signed x and z offsets
    from its trunk axis (column FX//2, FZ//2) / WORLD_WIDTH, the radial distance in those units,
    and the whole grid's height / WORLD_HEIGHT (a window of a huge tree is told from one of a big
    tree by it)."""
    device = window.offset.device
    steps = [torch.arange(s, device=device, dtype=torch.float32) for s in shape]
    off, whole = window.offset.float(), window.frame.float()
    half = torch.div(whole, 2, rounding_mode="floor")
    world = frame == "world"
    width = torch.full_like(whole[:, 0], WORLD_WIDTH)
    scale_x, scale_y, scale_z = ((width, torch.full_like(width, WORLD_HEIGHT), width) if world
                                 else (whole[:, 0], whole[:, 1], whole[:, 2]))
    x = (off[:, 0, None] + steps[0] - half[:, 0, None]) / scale_x[:, None]
    y = (off[:, 1, None] + steps[1]) / scale_y[:, None]
    z = (off[:, 2, None] + steps[2] - half[:, 2, None]) / scale_z[:, None]
    b = off.shape[0]
    gx = x[:, :, None, None].expand(b, *shape)
    gy = y[:, None, :, None].expand(b, *shape)
    gz = z[:, None, None, :].expand(b, *shape)
    channels = [gy, gx, gz, torch.sqrt(gx * gx + gz * gz)]
    if world:
        channels.append((whole[:, 1] / WORLD_HEIGHT)[:, None, None, None].expand(b, *shape))
    return torch.stack(channels, dim=1).to(dtype)


def sinusoidal_embedding(values: torch.Tensor, dim: int, scale: float = 1000.0) -> torch.Tensor:
    """(B,) floats (here mask ratios in [0, 1]) -> (B, dim) sin/cos features, as for diffusion timesteps."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=values.device, dtype=torch.float32) / half)
    args = values.float()[:, None] * scale * freqs[None]
    emb = torch.cat([torch.sin(args), torch.cos(args)], dim=1)
    return F.pad(emb, (0, dim - 2 * half))


def _group_norm(channels: int, groups: int) -> nn.GroupNorm:
    # The largest group count <= `groups` that divides the channels, so any width works.
    return nn.GroupNorm(math.gcd(groups, channels), channels)


def _zero(module: nn.Module) -> nn.Module:
    for p in module.parameters():
        nn.init.zeros_(p)
    return module


class ResBlock(nn.Module):
    """GN -> SiLU -> conv -> AdaGN(cond) -> SiLU -> dropout -> conv(zero init), plus a skip."""

    def __init__(self, in_ch: int, out_ch: int, cond_dim: int, dropout: float, groups: int):
        super().__init__()
        self.norm1 = _group_norm(in_ch, groups)
        self.conv1 = nn.Conv3d(in_ch, out_ch, 3, padding=1)
        self.film = nn.Linear(cond_dim, 2 * out_ch)
        self.norm2 = _group_norm(out_ch, groups)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = _zero(nn.Conv3d(out_ch, out_ch, 3, padding=1))
        self.skip = nn.Conv3d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.film(cond)[:, :, None, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(self.dropout(F.silu(h)))
        return self.skip(x) + h


class AttentionBlock(nn.Module):
    """Self-attention over voxels, then cross-attention to text tokens; both residual, zero-init out."""

    def __init__(self, channels: int, num_heads: int, text_dim: int, groups: int):
        super().__init__()
        self.heads = num_heads
        self.norm = _group_norm(channels, groups)
        self.qkv = nn.Linear(channels, 3 * channels)
        self.out = _zero(nn.Linear(channels, channels))
        self.norm_cross = _group_norm(channels, groups)
        self.q = nn.Linear(channels, channels)
        self.kv = nn.Linear(text_dim, 2 * channels)
        # Always-visible null key/value: an empty prompt attends here, never to nothing (NaN).
        self.null_kv = nn.Parameter(torch.zeros(2, channels))
        self.out_cross = _zero(nn.Linear(channels, channels))

    def _split(self, t: torch.Tensor) -> torch.Tensor:  # (B, N, C) -> (B, heads, N, C/heads)
        b, n, c = t.shape
        return t.reshape(b, n, self.heads, c // self.heads).transpose(1, 2)

    def _merge(self, t: torch.Tensor) -> torch.Tensor:  # (B, heads, N, d) -> (B, N, heads*d)
        b, h, n, d = t.shape
        return t.transpose(1, 2).reshape(b, n, h * d)

    def forward(self, x: torch.Tensor, text: torch.Tensor | None, text_mask: torch.Tensor | None) -> torch.Tensor:
        b, c = x.shape[:2]
        spatial = x.shape[2:]
        seq = lambda t: t.flatten(2).transpose(1, 2)  # (B, C, X, Y, Z) -> (B, N, C)
        h = seq(x)

        q, k, v = self.qkv(seq(self.norm(x))).chunk(3, dim=-1)
        attn = F.scaled_dot_product_attention(self._split(q), self._split(k), self._split(v))
        h = h + self.out(self._merge(attn))

        q = self.q(seq(self.norm_cross(h.transpose(1, 2).reshape(b, c, *spatial))))
        null_k, null_v = (t.to(q.dtype).expand(b, 1, c) for t in self.null_kv)
        if text is None:
            k, v, keep = null_k, null_v, None
        else:
            tk, tv = self.kv(text).chunk(2, dim=-1)
            k, v = torch.cat([null_k, tk.to(q.dtype)], 1), torch.cat([null_v, tv.to(q.dtype)], 1)
            keep = torch.ones(b, k.shape[1], dtype=torch.bool, device=x.device)
            if text_mask is not None:
                keep[:, 1:] = text_mask.bool()
            keep = keep[:, None, None, :]  # (B, 1, 1, L + 1), True = may attend
        attn = F.scaled_dot_product_attention(self._split(q), self._split(k), self._split(v), attn_mask=keep)
        h = h + self.out_cross(self._merge(attn))
        return h.transpose(1, 2).reshape(b, c, *spatial)


class Downsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv3d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Upsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv3d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class _Level(nn.Module):
    """One resolution step: a residual block, optionally followed by attention."""

    def __init__(self, res: ResBlock, attn: AttentionBlock | None):
        super().__init__()
        self.res, self.attn = res, attn

    def forward(self, x, cond, text, text_mask):
        x = self.res(x, cond)
        return self.attn(x, text, text_mask) if self.attn is not None else x


class UNet3D(nn.Module):
    """Masked-diffusion denoiser. See the module docstring; shapes are (B, X, Y, Z)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = cfg = config
        g, cd = cfg.num_groups, cfg.cond_dim
        self.mask_id = cfg.vocab_size

        self.embed = nn.Embedding(cfg.vocab_size + 1, cfg.base_channels)
        in_ch = cfg.base_channels + (coord_channel_count(cfg.coord_frame) if cfg.coord_channels else 0)
        self.conv_in = nn.Conv3d(in_ch, cfg.base_channels, 3, padding=1)

        self.ratio_mlp = nn.Sequential(nn.Linear(cd, cd), nn.SiLU(), nn.Linear(cd, cd))
        self.text_proj = nn.Linear(cfg.text_dim, cd)
        self.text_norm = nn.LayerNorm(cfg.text_dim)  # encoder token states have their own scale

        def level(i: int, cin: int, cout: int) -> _Level:
            attn = (AttentionBlock(cout, cfg.num_heads, cfg.text_dim, g)
                    if i in cfg.attention_levels else None)
            return _Level(ResBlock(cin, cout, cd, cfg.dropout, g), attn)

        ch = cfg.base_channels
        skips = [ch]
        self.down = nn.ModuleList()
        for i in range(cfg.num_levels):
            out = cfg.level_channels(i)
            for _ in range(cfg.num_res_blocks):
                self.down.append(level(i, ch, out))
                ch = out
                skips.append(ch)
            if i < cfg.num_levels - 1:
                self.down.append(Downsample(ch))
                skips.append(ch)

        last = cfg.num_levels - 1
        self.mid = nn.ModuleList([level(last, ch, ch), _Level(ResBlock(ch, ch, cd, cfg.dropout, g), None)])

        self.up = nn.ModuleList()
        for i in reversed(range(cfg.num_levels)):
            out = cfg.level_channels(i)
            for _ in range(cfg.num_res_blocks + 1):
                self.up.append(level(i, ch + skips.pop(), out))
                ch = out
            if i > 0:
                self.up.append(Upsample(ch))

        self.norm_out = _group_norm(ch, g)
        self.head = _zero(nn.Conv3d(ch, cfg.vocab_size, 1))  # starts uniform: loss log(V)

    @property
    def multiple(self) -> int:
        """Grid sides are padded internally to a multiple of this."""
        return 2 ** (self.config.num_levels - 1)

    def condition(self, mask_ratio: torch.Tensor, text_pooled: torch.Tensor | None) -> torch.Tensor:
        """(B,) mask ratio and (B, text_dim) pooled prompt -> (B, cond_dim), SiLU applied."""
        dtype = self.text_proj.weight.dtype  # follows the module (fp32, or bf16 after .to())
        cond = self.ratio_mlp(sinusoidal_embedding(mask_ratio, self.config.cond_dim).to(dtype))
        # No prompt = a zero pooled vector, the same null condition the pipeline passes.
        cond = cond + (self.text_proj(text_pooled.to(dtype)) if text_pooled is not None else self.text_proj.bias)
        return F.silu(cond)

    def forward(
        self,
        tokens: torch.Tensor,
        mask_ratio: torch.Tensor,
        text_tokens: torch.Tensor | None = None,
        text_mask: torch.Tensor | None = None,
        text_pooled: torch.Tensor | None = None,
        window: Window | None = None,
    ) -> torch.Tensor:
        """tokens (B, X, Y, Z) long (mask id = vocab_size), mask_ratio (B,), text_tokens
        (B, L, text_dim), text_mask (B, L) bool, text_pooled (B, text_dim) -> logits
        (B, vocab_size, X, Y, Z). None text parts act as the empty (null) prompt. ``window``:
        where each grid sits in its whole tree (training on windows); None = whole grids."""
        b, sx, sy, sz = tokens.shape
        h = self.embed(tokens).permute(0, 4, 1, 2, 3)  # (B, E, X, Y, Z)
        if self.config.coord_channels and (window is not None or self.config.coord_frame == "world"):
            window = window if window is not None else Window.whole(b, (sx, sy, sz), tokens.device)
            coords = window_coordinate_channels((sx, sy, sz), window, self.config.coord_frame, h.dtype)
            h = torch.cat([h, coords], dim=1)
        elif self.config.coord_channels:  # whole grids in the grid frame: one set for the batch
            coords = coordinate_channels((sx, sy, sz), tokens.device, h.dtype)
            h = torch.cat([h, coords.expand(b, -1, -1, -1, -1)], dim=1)
        m = self.multiple
        pad = [(-s) % m for s in (sx, sy, sz)]
        if any(pad):  # F.pad lists the last axis first
            h = F.pad(h, (0, pad[2], 0, pad[1], 0, pad[0]))

        cond = self.condition(mask_ratio.to(h.device), text_pooled)
        text = self.text_norm(text_tokens.to(h.dtype)) if text_tokens is not None else None

        h = self.conv_in(h)
        skips = [h]
        for block in self.down:
            h = block(h) if isinstance(block, Downsample) else block(h, cond, text, text_mask)
            skips.append(h)
        for block in self.mid:
            h = block(h, cond, text, text_mask)
        for block in self.up:
            if isinstance(block, Upsample):
                h = block(h)
            else:
                h = block(torch.cat([h, skips.pop()], dim=1), cond, text, text_mask)
        logits = self.head(F.silu(self.norm_out(h)))
        return logits[:, :, :sx, :sy, :sz]
