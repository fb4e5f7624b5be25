"""Sapling: text-to-tree generation for Minecraft."""

__version__ = "0.1.0"
