"""Every write to cases, landmarks, contacts, tracing tasks, clusters and rule sets.

Views, the API, the laboratory app and commands call these. Each runs in one transaction,
re-checks scope, and writes the audit log. Contract for the laboratory app (keep the names):
:func:`confirm_case`, :func:`handle_positive_rapid_test`, :func:`discard_case`,
:func:`reinstate_case`, :func:`record_contact_sampled`.

What happens on confirmation (synchronously, in the same transaction, a few milliseconds at
province scale): the landmarks are built from the person's check-ins; contacts of the person
are re-graded (an F1 who becomes a case: their own tracing task closes and the F2 recorded
through them become F1 of the new case); the case joins or proposes a cluster. F1 proposals
from check-ins are not stored: they are computed when the case page asks for them
(:func:`vungxanh.cases.services.f1_candidates`, about a millisecond) and stored once an
official confirms or dismisses them.
"""

from vungxanh.cases.actions.cases import (
    confirm_case,
    discard_case,
    handle_positive_rapid_test,
    register_suspected_case,
    reinstate_case,
    update_case,
)
from vungxanh.cases.actions.clusters import (
    add_case_to_cluster,
    close_cluster,
    close_quiet_clusters,
    cluster_quiet_until,
    confirm_cluster,
    dismiss_cluster,
    linked_cases,
)
from vungxanh.cases.actions.common import FUTURE_TOLERANCE, LAB_REPORT_PERM
from vungxanh.cases.actions.contacts import (
    TASK_STEPS,
    BulkDecision,
    NewContactPerson,
    add_contact,
    add_interview_contact,
    confirm_proposals,
    decide_f2,
    decide_proposal,
    household_members,
    meets_f1_definition,
    record_contact_sampled,
    record_task_step,
)
from vungxanh.cases.actions.landmarks import (
    add_landmark,
    publish_landmark,
    refresh_landmarks,
    remove_landmark,
    withdraw_landmark,
)
from vungxanh.cases.actions.rulesets import publish_rule_set

__all__ = [
    "FUTURE_TOLERANCE",
    "LAB_REPORT_PERM",
    "TASK_STEPS",
    "BulkDecision",
    "NewContactPerson",
    "add_case_to_cluster",
    "add_contact",
    "add_interview_contact",
    "add_landmark",
    "close_cluster",
    "close_quiet_clusters",
    "cluster_quiet_until",
    "confirm_case",
    "confirm_cluster",
    "confirm_proposals",
    "decide_f2",
    "decide_proposal",
    "discard_case",
    "dismiss_cluster",
    "handle_positive_rapid_test",
    "household_members",
    "linked_cases",
    "meets_f1_definition",
    "publish_landmark",
    "publish_rule_set",
    "record_contact_sampled",
    "record_task_step",
    "refresh_landmarks",
    "register_suspected_case",
    "reinstate_case",
    "remove_landmark",
    "update_case",
    "withdraw_landmark",
]
