"""Page arithmetic shared by every paginated list (gallery, search results, moderation queue)."""

from __future__ import annotations

import math


class Paginated:
    """Mixin for a page of results with ``page``, ``per_page`` and ``total`` attributes."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
