"""Tracing queries: landmarks, F1 and F2 proposals, candidate sources, links between cases.

These are the hot reads of the issue (PERFORMANCE.md §5): each is one SQL statement that the
two covering btrees of ``venues_checkin`` answer with index-only probes:

* the case's own check-ins: ``(person_id, check_in) INCLUDE (venue_id, check_out)``;
* who was at the same venue at the same time: ``(venue_id, check_in) INCLUDE (check_out,
  person_id)``, the range bounded below by ``check_in >= f.check_in - max_stay`` (the
  longest stay of the check-in rules makes this safe).

Raw SQL lives here and only here; each statement is tested on SQLite and PostgreSQL (the few
dialect differences are in :class:`Dialect`). The tracing service reads check-ins of the whole
province on purpose: the contacts of a case in an official's scope may have been anywhere.
Its results are shown only on pages of objects the official may see.
"""

from vungxanh.cases.services.f1 import (
    Candidate,
    CandidatePage,
    F1Pair,
    f1_candidates,
    f1_exposure,
    f1_pairs_for_cases,
    f1_sql,
    pair_exposures,
)
from vungxanh.cases.services.f2 import F1Source, f1_source_of, f2_candidates, f2_sql
from vungxanh.cases.services.landmarks import (
    CheckInVisit,
    SourceCandidate,
    co_present_count,
    landmark_visits,
    source_candidates,
)
from vungxanh.cases.services.sql import Dialect
from vungxanh.cases.services.status import (
    f1_person_ids,
    has_epidemiological_link,
    is_under_tracing_as_f1,
)
from vungxanh.cases.services.windows import (
    commune_of,
    infectious_window,
    landmark_window,
    living_unit,
    rules_for,
)

__all__ = [
    "Candidate",
    "CandidatePage",
    "CheckInVisit",
    "Dialect",
    "F1Pair",
    "F1Source",
    "SourceCandidate",
    "co_present_count",
    "commune_of",
    "f1_candidates",
    "f1_exposure",
    "f1_pairs_for_cases",
    "f1_person_ids",
    "f1_source_of",
    "f1_sql",
    "f2_candidates",
    "f2_sql",
    "has_epidemiological_link",
    "infectious_window",
    "is_under_tracing_as_f1",
    "landmark_visits",
    "landmark_window",
    "living_unit",
    "pair_exposures",
    "rules_for",
    "source_candidates",
]
