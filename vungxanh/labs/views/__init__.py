"""Pages of the testing capability (function views; one module per part of the work)."""

from vungxanh.labs.views.corrections import pool_correct, sample_correct
from vungxanh.labs.views.dashboard import dashboard, planner
from vungxanh.labs.views.runs import (
    pool_build,
    pool_detail,
    pool_label,
    pool_list,
    pool_result,
    result_import,
    result_import_template,
    run_close,
    run_create,
    run_detail,
    run_list,
)
from vungxanh.labs.views.samples import (
    sample_create,
    sample_detail,
    sample_label,
    sample_list,
    sample_receive,
    sample_reject,
    sample_result,
)
from vungxanh.labs.views.screening import screening_labels, screening_session
from vungxanh.labs.views.setup import laboratory_detail, laboratory_list, ruleset_list, site_list
from vungxanh.labs.views.tasks import task_cancel, task_detail, task_list

__all__ = [
    "dashboard",
    "laboratory_detail",
    "laboratory_list",
    "planner",
    "pool_build",
    "pool_correct",
    "pool_detail",
    "pool_label",
    "pool_list",
    "pool_result",
    "result_import",
    "result_import_template",
    "ruleset_list",
    "run_close",
    "run_create",
    "run_detail",
    "run_list",
    "sample_correct",
    "sample_create",
    "sample_detail",
    "sample_label",
    "sample_list",
    "sample_receive",
    "sample_reject",
    "sample_result",
    "screening_labels",
    "screening_session",
    "site_list",
    "task_cancel",
    "task_detail",
    "task_list",
]
