"""A deterministic, realistic synthetic population of a Vietnamese province (no real people).

``PopulationGenerator(seed).households(n)`` yields households whose members have consistent
family relations, names, citizen IDs, mobile numbers, occupations and comorbidities. The age and
sex structure follows Vietnam's 2019 census pyramid by 5-year bands: a feedback controller steers
every age drawn inside the window a member's role allows (a child 19-41 years younger than the
mother, say) toward the bands that are short of their census share.

The package keeps the data (:mod:`.tables`) apart from the generator (:mod:`.generator`);
this module re-exports the public names. ``python -m vungxanh.people.synthetic`` prints the
generation speed. Only the standard library is used; the same seed always gives the same
population.
"""

from vungxanh.people.synthetic.generator import (
    PopulationGenerator,
    SynthHousehold,
    SynthPerson,
    benchmark,
    village_names,
)
from vungxanh.people.synthetic.sampling import band_of
from vungxanh.people.synthetic.tables import (
    AGE_BANDS,
    CARRIER_SHARES,
    COMORBIDITIES,
    COMORBIDITY_PREVALENCE,
    FAMILY_NAMES,
    FEMALE_GIVEN_NAMES,
    FEMALE_MIDDLE_NAMES,
    HOUSEHOLD_SIZES,
    MALE_GIVEN_NAMES,
    MALE_MIDDLE_NAMES,
    RELATIONS,
)

__all__ = [
    "AGE_BANDS",
    "CARRIER_SHARES",
    "COMORBIDITIES",
    "COMORBIDITY_PREVALENCE",
    "FAMILY_NAMES",
    "FEMALE_GIVEN_NAMES",
    "FEMALE_MIDDLE_NAMES",
    "HOUSEHOLD_SIZES",
    "MALE_GIVEN_NAMES",
    "MALE_MIDDLE_NAMES",
    "RELATIONS",
    "PopulationGenerator",
    "SynthHousehold",
    "SynthPerson",
    "band_of",
    "benchmark",
    "village_names",
]
