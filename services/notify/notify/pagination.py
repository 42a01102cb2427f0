"""The contract's list pages (``servicekit.pagination``), with notify's bound of page 100 000."""

from __future__ import annotations

from servicekit import pagination

MAX_PAGE = 100_000


class PageArgs(pagination.PageArgs):
    page = pagination.page_number(max_page=MAX_PAGE)
