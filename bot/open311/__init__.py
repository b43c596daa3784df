"""Open311 GeoReport v2 API (开放接口) under ``/open311/v2/`` — the HTTP edge.

The blueprint (:data:`bp`) parses and checks parameters, classifies descriptions and
renders JSON; the domain work is in :mod:`core.open311`. ``flask open311 points FILE``
loads the coordinates that place coordinate-only reports. See ``docs/open311.md``.
"""

from bot.open311 import cli as _cli  # noqa: F401  (adds ``flask open311 points``)
from bot.open311.views import bp

__all__ = ["bp"]
