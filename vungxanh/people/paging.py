"""Pagination without COUNT(*): a page of a list over 1.3 million persons asks for one row
more than it shows to know whether a next page exists. Deep pages are capped; past them the
user narrows the filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

MAX_PAGE = 200


@dataclass
class SlicePage:
    object_list: list[Any]
    number: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)

    @property
    def at_limit(self) -> bool:
        return self.number >= MAX_PAGE and self.has_next

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def page_number(request: HttpRequest) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def slice_page(request: HttpRequest, items: Any, per_page: int = 50) -> SlicePage:
    number = page_number(request)
    start = (number - 1) * per_page
    rows = list(items[start : start + per_page + 1])
    return SlicePage(rows[:per_page], number, per_page, len(rows) > per_page)
