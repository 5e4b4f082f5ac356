"""The registry's one search box: what a user typed, understood.

* 12 digits → a citizen ID (CCCD), exact;
* 9 digits → an old identity card (CMND), exact;
* a Vietnamese mobile number in any usual writing (``0912 345 678``, ``+84912345678``) →
  the person's main or other phone, exact;
* anything else → a name, with or without diacritics ("nguyen van an" finds "Nguyễn Văn
  An"): the folded name equal to, starting with, or containing the folded text. A four-digit
  year among the words narrows to that year of birth ("nguyen van an 1985").

On PostgreSQL "containing" uses the pg_trgm GIN index on the folded name (migration 0002);
elsewhere it is a plain LIKE.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.expressions import Expression

from vungxanh.people.identity import IdentityError, fold_name, normalize_phone

_DIGITS_ONLY = re.compile(r"[0-9]+")
_SEPARATORS = re.compile(r"[\s.\-()]+")
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")
#: Shorter folded text is matched as a whole name or a prefix only (a trigram index cannot
#: help with one or two letters, and "an" is inside half the names of a province).
MIN_CONTAINS = 3
#: Longer text is cut: nobody's name or number is longer, and a LIKE pattern of thousands of
#: characters is refused by SQLite ("pattern too complex") and slow elsewhere.
MAX_QUERY = 100


@dataclass(frozen=True)
class SearchQuery:
    kind: str  # "cccd", "cmnd", "phone", "name" or "empty"
    value: str
    condition: Q | None
    birth_year: int | None = None

    def ranking(self) -> Expression | None:
        """For a name search, exact names first, then names that start with the text."""
        if self.kind != "name":
            return None
        return Case(
            When(name_folded=self.value, then=Value(0)),
            When(name_folded__startswith=self.value, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )


def search_q(text: str) -> SearchQuery:
    raw = (text or "").strip()[:MAX_QUERY].strip()
    if not raw:
        return SearchQuery("empty", "", None)
    compact = _SEPARATORS.sub("", raw)
    if _DIGITS_ONLY.fullmatch(compact):
        if len(compact) == 12:
            return SearchQuery("cccd", compact, Q(cccd=compact))
        if len(compact) == 9 and not compact.startswith("0"):
            return SearchQuery("cmnd", compact, Q(cmnd=compact))
    if compact.startswith(("0", "+84", "84")) and _DIGITS_ONLY.fullmatch(compact.lstrip("+")):
        try:
            phone = normalize_phone(compact)
        except IdentityError:
            pass
        else:
            return SearchQuery("phone", phone, Q(phone=phone) | Q(other_phone=phone))
    words = fold_name(raw).split()
    years = [w for w in words if _YEAR.fullmatch(w)]
    name = " ".join(w for w in words if not _YEAR.fullmatch(w))
    year = int(years[0]) if years else None
    if not name:
        if year is None:
            return SearchQuery("empty", "", None)
        return SearchQuery("name", "", Q(birth_year=year), year)
    if len(name) < MIN_CONTAINS:
        condition = Q(name_folded=name) | Q(name_folded__startswith=name + " ")
    else:
        condition = Q(name_folded__contains=name)
    if year is not None:
        condition &= Q(birth_year=year)
    return SearchQuery("name", name, condition, year)


class RankedNames:
    """Pages of a name search in rank order (the exact name, then names starting with the
    text, then the others that contain it; each in name order), read branch by branch.

    One ``ORDER BY rank`` over every name that contains "nguyen van hung" makes the
    database gather and sort thousands of rows in a province, and a query that says both
    "equals" and "contains" tempts the planner into the trigram index; read in branches,
    the first page of a common name comes from the exact-name index alone. ``queryset`` is
    the user's scope with every other filter, but not the name condition."""

    def __init__(self, queryset: Any, query: SearchQuery, related: Sequence[str] = ()) -> None:
        self.queryset = queryset
        self.query = query
        self.related = tuple(related)

    def branches(self) -> list[Any]:
        value = self.query.value
        qs = self.queryset
        if self.query.birth_year is not None:
            qs = qs.filter(birth_year=self.query.birth_year)
        assert self.query.condition is not None
        return [
            qs.filter(name_folded=value).order_by("id"),
            qs.filter(name_folded__startswith=value)
            .exclude(name_folded=value)
            .order_by("name_folded", "id"),
            qs.filter(self.query.condition)
            .exclude(name_folded__startswith=value)
            .order_by("name_folded", "id"),
        ]

    def __getitem__(self, window: slice) -> list[Any]:
        start, stop = window.start or 0, window.stop
        if stop is None:
            raise ValueError("a RankedNames window needs an end")
        ids: list[int] = []
        for branch in self.branches():
            if len(ids) >= stop:
                break
            ids += list(branch.values_list("id", flat=True)[: stop - len(ids)])
        wanted = ids[start:stop]
        if not wanted:
            return []
        rows = self.queryset.model.objects.filter(pk__in=wanted).select_related(*self.related)
        by_id = {row.pk: row for row in rows}
        return [by_id[pk] for pk in wanted if pk in by_id]
