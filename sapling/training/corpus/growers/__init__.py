"""Tree growers, one module per family; importing this package registers every tree type."""

from . import broadleaf, conifer  # noqa: F401
from . import special, tropical  # noqa: F401
from . import large  # noqa: F401  (after the vanilla families, whose placers it scales)
