"""Cases (F0), their epidemiological landmarks, contacts (F1/F2), tracing tasks, clusters and
the versioned tracing rule sets.

Jurisdiction follows SORMAS: a case belongs to its responsible unit and to the unit where
the person lives; a tracing task belongs to the commune where the contact lives (and is also
followed by the case's responsible unit); a contact is visible to the case's units and to the
contact's own commune. Nobody else sees anything of a case.
"""

from vungxanh.cases.models.cases import (
    Basis,
    Case,
    CaseCounter,
    CaseQuerySet,
    ExposureType,
    PositiveRapidTest,
)
from vungxanh.cases.models.clusters import Cluster, ClusterMember, ClusterQuerySet
from vungxanh.cases.models.contacts import (
    Contact,
    ContactQuerySet,
    TracingTask,
    TracingTaskQuerySet,
)
from vungxanh.cases.models.landmarks import Landmark, LandmarkQuerySet
from vungxanh.cases.models.rulesets import RuleSet, RuleSetQuerySet

__all__ = [
    "Basis",
    "Case",
    "CaseCounter",
    "CaseQuerySet",
    "Cluster",
    "ClusterMember",
    "ClusterQuerySet",
    "Contact",
    "ContactQuerySet",
    "ExposureType",
    "Landmark",
    "LandmarkQuerySet",
    "PositiveRapidTest",
    "RuleSet",
    "RuleSetQuerySet",
    "TracingTask",
    "TracingTaskQuerySet",
]
