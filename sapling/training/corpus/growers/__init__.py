"""Tree growers, one module per family; importing this package registers every tree type."""

from . import broadleaf, conifer  # noqa: F401
from . import special, tropical  # noqa: F401
