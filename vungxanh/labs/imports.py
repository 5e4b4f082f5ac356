"""Import of a PCR machine export (job handler, see core.jobs): every row is checked first
(a pool or single sample of this laboratory, waiting for a result, named once; a result word
the machine or a technician uses; a Ct only with a positive); any error refuses the whole file
with a per-row error report; otherwise all results are applied in one transaction. Control
wells (NTC, PC… named as such, or so marked in a Task/Content column) and empty wells hold no
tube: they are skipped and listed in the job's message."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vungxanh.core.jobs import JobRejected, Progress
from vungxanh.core.models import Job
from vungxanh.core.tabular import RowError, TableError, error_report, read_table, validate_rows
from vungxanh.labs import actions, codes
from vungxanh.labs.forms import (
    ControlRowForm,
    ResultRowForm,
    canonical_row,
    control_row,
    missing_columns,
)
from vungxanh.labs.models import Laboratory, Pool, PoolMember, ResultRecord, Run, Sample


def _actor(job: Job) -> Any:
    actor = get_user_model().objects.filter(pk=job.actor_id).first() if job.actor_id else None
    if actor is None or not actor.is_active:
        raise JobRejected(_("The person who started this job can no longer run it."))
    return actor


def targets_for(
    lab: Laboratory, rows: Sequence[Mapping[str, str]]
) -> tuple[dict[str, Pool | Sample], set[int]]:
    """The laboratory's pools and single samples named in the file, by code, and which of
    those samples were tested in a pool."""
    wanted = set()
    for row in rows:
        raw = canonical_row(row).get("code", "")
        try:
            wanted.add(codes.validate(raw))
        except codes.CodeError:
            continue
    pool_codes = [c for c in wanted if c.startswith(codes.PREFIXES["pool"])]
    sample_codes = [c for c in wanted if c.startswith(codes.PREFIXES["sample"])]
    found: dict[str, Pool | Sample] = {}
    for part in _chunks(pool_codes):
        found.update((p.code, p) for p in Pool.objects.filter(lab=lab, code__in=part))
    for part in _chunks(sample_codes):
        found.update(
            (s.code, s) for s in Sample.objects.filter(lab=lab, code__in=part, test_kind="pcr")
        )
    sample_ids = [t.pk for t in found.values() if isinstance(t, Sample)]
    pooled = {
        pk
        for part_ids in (sample_ids[i : i + 5_000] for i in range(0, len(sample_ids), 5_000))
        for pk in PoolMember.objects.filter(sample_id__in=part_ids).values_list(
            "sample_id", flat=True
        )
    }
    return found, pooled


def _chunks(items: list[str], size: int = 5_000) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def import_results(job: Job, progress: Progress) -> dict[str, Any]:
    actor = _actor(job)
    lab = (
        Laboratory.objects.restrict(actor, "change").filter(public_id=job.params.get("lab")).first()
    )
    if lab is None:
        raise JobRejected(_("You may no longer enter results for this laboratory."))
    run = None
    if job.params.get("run"):
        run = Run.objects.restrict(actor, "change").filter(public_id=job.params["run"]).first()
        if run is None:
            raise JobRejected(_("You may no longer enter results for this run."))
    try:
        rows = read_table(bytes(job.input_data or b""), job.input_name)
    except TableError as exc:
        raise JobRejected(str(exc)) from exc
    if not rows:
        raise JobRejected(_("The file has no result rows."))
    missing = missing_columns(set(rows[0]))
    if missing:
        raise JobRejected(
            _("The file has no column %(columns)s (expected: code, result, ct).")
            % {"columns": ", ".join(missing)}
        )
    targets, pooled = targets_for(lab, rows)
    seen: set[str] = set()

    def row_form(row: Mapping[str, str]) -> forms.Form:
        control = control_row(row)
        if control is not None:
            return ControlRowForm(control)
        return ResultRowForm(
            row, targets=targets, seen=seen, pooled=pooled, run_id=run.pk if run else None
        )

    cleaned, errors = validate_rows(rows, row_form, progress)
    if errors:
        raise JobRejected(
            _("%(errors)d errors in %(rows)d rows; nothing was imported.")
            % {"errors": len(errors), "rows": len(rows)},
            output=error_report(errors, job.input_name),
            rows=len(rows),
            errors=len(errors),
        )
    controls = [r["control"] for r in cleaned if "control" in r]
    entries = [
        actions.ResultEntry(r["target"], r["result"], r["ct"]) for r in cleaned if "target" in r
    ]
    if not entries:
        raise JobRejected(_("The file holds only control or empty wells; nothing to import."))
    progress(len(rows), len(rows), _("Saving…"))
    try:
        summary = actions.record_results(
            actor=actor,
            lab=lab,
            entries=entries,
            source=ResultRecord.Source.IMPORT,
            job_ref=str(job.public_id),
        )
    except ValidationError as exc:
        # Something changed between the check and the save (another technician): nothing is
        # applied; say what.
        report = [RowError(0, "", message) for message in exc.messages]
        raise JobRejected(
            _("The results changed while the file was checked; nothing was imported.")
            + " "
            + " ".join(exc.messages[:3]),
            output=error_report(report, job.input_name),
        ) from exc
    job.message = _(
        "%(rows)d results imported: %(neg)d samples negative, %(pos_pools)d positive pools "
        "(%(tasks)d persons to re-sample), %(pos)d positive samples, %(rerun)d to re-run."
    ) % {
        "rows": len(entries),
        "neg": summary.samples_negative,
        "pos_pools": summary.pools_positive,
        "tasks": summary.tasks_created,
        "pos": summary.samples_positive,
        "rerun": summary.pools_rerun + summary.samples_rerun,
    }
    if controls:
        job.message += " " + _("%(n)d control or empty wells skipped: %(names)s.") % {
            "n": len(controls),
            "names": ", ".join(controls[:10]),
        }
    out: dict[str, Any] = {
        "rows": len(entries),
        "controls_skipped": len(controls),
        **summary.report(),
    }
    if summary.cases_to_confirm:
        job.message += " " + cases_to_confirm_message(summary.cases_to_confirm)
        out["_output"] = cases_to_confirm_file(summary.cases_to_confirm, job.input_name)
    return out


def cases_to_confirm_message(problems: Sequence[actions.CaseToConfirm], shown: int = 10) -> str:
    """What the technician reads when positive results are saved but their cases were not
    confirmed: the samples (with why), for the case team to confirm by hand."""
    listed = "; ".join(f"{p.sample.code} ({p.message})" for p in problems[:shown])
    if len(problems) > shown:
        listed += " …"
    return _(
        "The results are saved, but the case of %(n)d positive samples could not be "
        "confirmed; the case team must confirm it by hand: %(list)s."
    ) % {"n": len(problems), "list": listed}


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never as a formula."""
    return f"'{text}" if text[:1] in {"=", "+", "-", "@"} else text


def cases_to_confirm_file(
    problems: Sequence[actions.CaseToConfirm], filename: str
) -> tuple[str, str, bytes]:
    """The cases to confirm by hand as a CSV (sample, person, why), the job's download."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Sample"), _("Person"), _("Why the case was not confirmed")])
    for p in problems:
        writer.writerow([p.sample.code, _cell(p.sample.person.full_name), _cell(p.message)])
    stem = filename.rsplit(".", 1)[0] or "import"
    return (
        f"{stem}-cases-to-confirm.csv",
        "text/csv; charset=utf-8",
        out.getvalue().encode("utf-8-sig"),
    )
