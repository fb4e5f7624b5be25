"""Procedural trees that reproduce vanilla Minecraft (Java 1.21) tree features."""
