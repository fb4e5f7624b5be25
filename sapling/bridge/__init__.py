"""In-game bridges that place generated trees; never imports torch."""
