"""Every write of the testing capability. Views, the API, imports, the demo and the benchmark
call these; each re-checks scope inside its transaction and writes the audit log.

The chain a pooled screening sample follows: ``collect_sample`` → ``receive_samples`` →
``build_pools`` → ``create_run`` (optional) → ``record_results``: a negative pool makes
every member negative; a positive pool (or one invalid beyond the re-runs the rule set
allows) gives every member a :class:`SamplingTask` for the commune where they live; the
commune collects the individual sample with ``collect_sample(task=…)``; its result closes
the task, and a positive individual RT-PCR confirms the case (``bridge``).
"""

from vungxanh.labs.actions.common import check_ct, commune_ids, commune_of
from vungxanh.labs.actions.corrections import correct_result, correction_preview
from vungxanh.labs.actions.pools import build_pools, close_run, create_run, well_name
from vungxanh.labs.actions.results import (
    CaseToConfirm,
    ResultEntry,
    ResultSummary,
    record_result,
    record_results,
)
from vungxanh.labs.actions.samples import (
    ReceiveReport,
    cancel_task,
    collect_sample,
    collect_screening_batch,
    receive_samples,
    reject_sample,
)
from vungxanh.labs.actions.setup import (
    create_rule_set,
    create_sampling_site,
    register_laboratory,
    update_laboratory,
)

__all__ = [
    "CaseToConfirm",
    "ReceiveReport",
    "ResultEntry",
    "ResultSummary",
    "build_pools",
    "cancel_task",
    "check_ct",
    "close_run",
    "collect_sample",
    "collect_screening_batch",
    "commune_ids",
    "commune_of",
    "correct_result",
    "correction_preview",
    "create_rule_set",
    "create_run",
    "create_sampling_site",
    "receive_samples",
    "record_result",
    "record_results",
    "register_laboratory",
    "reject_sample",
    "update_laboratory",
    "well_name",
]
