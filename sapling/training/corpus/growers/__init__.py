"""Tree growers, one module per family; importing this package registers every tree type."""
