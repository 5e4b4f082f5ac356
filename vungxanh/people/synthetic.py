"""A deterministic, realistic synthetic population of a Vietnamese province (no real people).

``PopulationGenerator(seed).households(n)`` yields households whose members have consistent
family relations, names, citizen IDs, mobile numbers, occupations and comorbidities. The age and
sex structure follows Vietnam's 2019 census pyramid by 5-year bands: a feedback controller steers
every age drawn inside the window a member's role allows (a child 19-41 years younger than the
mother, say) toward the bands that are short of their census share.

Only the standard library is used; the same seed always gives the same population.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from typing import Generic, TypeVar

from vungxanh.people.identity import (
    CCCD_FIRST_YEAR,
    FEMALE,
    MALE,
    MOBILE_PREFIXES,
    fold_name,
    make_cccd,
)

Cohorts = tuple[float, float, float]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _weights(table: str) -> tuple[tuple[str, float], ...]:
    """Parse ``name:weight`` entries separated by whitespace."""
    pairs = (entry.split(":") for entry in table.split())
    return tuple((_nfc(name), float(weight)) for name, weight in pairs)


def _cohort_weights(table: str) -> tuple[tuple[str, Cohorts], ...]:
    """Parse ``name:w1/w2/w3`` entries separated by whitespace."""
    rows = []
    for entry in table.split():
        name, weights = entry.split(":")
        first, second, third = (float(weight) for weight in weights.split("/"))
        rows.append((_nfc(name), (first, second, third)))
    return tuple(rows)


def _names(table: str) -> tuple[str, ...]:
    """Parse comma-separated names."""
    return tuple(_nfc(" ".join(name.split())) for name in table.split(","))


# --- Census and survey tables ----------------------------------------------------------------

#: Vietnam 2019 census: (first age of the 5-year band, % of the population, male share).
#: Under 15: 24.3 %, 15-64: 68.0 %, 65 and over: 7.7 %; sex ratio about 0.99.
AGE_BANDS: tuple[tuple[int, float, float], ...] = (
    (0, 8.2, 0.527),
    (5, 8.5, 0.523),
    (10, 7.6, 0.520),
    (15, 6.8, 0.516),
    (20, 7.2, 0.510),
    (25, 8.4, 0.505),
    (30, 8.6, 0.502),
    (35, 7.9, 0.502),
    (40, 7.2, 0.500),
    (45, 6.6, 0.495),
    (50, 6.0, 0.487),
    (55, 5.2, 0.475),
    (60, 4.1, 0.460),
    (65, 3.0, 0.445),
    (70, 1.8, 0.425),
    (75, 1.2, 0.400),
    (80, 1.7, 0.350),  # 80 and over, spread over 80-100 by survival
)
MAX_AGE = 100
OLDEST_BAND_SURVIVAL = 0.84  # yearly decline of the single-year weights from 80 to 100

#: Vietnam 2019: share of households (%) by number of members.
HOUSEHOLD_SIZES: tuple[tuple[int, float], ...] = (
    (1, 11.0),
    (2, 18.0),
    (3, 20.0),
    (4, 27.0),
    (5, 13.0),
    (6, 6.5),
    (7, 2.7),
    (8, 1.2),
    (9, 0.6),
)

#: Family names and their share (%) in the Kinh population, with a tail of less common ones,
#: including Tày, Nùng and Dao names of the mountain districts (Bình Liêu, Ba Chẽ, Tiên Yên).
FAMILY_NAMES = _weights("""
    Nguyễn:38  Trần:11  Lê:9.5  Phạm:7  Hoàng:5  Phan:4.5  Vũ:3.9  Đặng:2.1  Bùi:2  Đỗ:1.4
    Hồ:1.3  Ngô:1.3  Dương:1  Lý:0.5  Đinh:0.8  Đào:0.7  Đoàn:0.6  Trịnh:0.6  Trương:0.5
    Mai:0.5  Lương:0.5  Hà:0.5  Lưu:0.4  Cao:0.4  Tạ:0.3  Tô:0.3  Triệu:0.3  Chu:0.3
    Phùng:0.3  Lâm:0.3  La:0.2  Vi:0.2  Nông:0.2  Thái:0.2  Bàn:0.15  Tống:0.15  Quách:0.15
    Kiều:0.15  Lục:0.1  Lộc:0.1  Khúc:0.1  Tăng:0.1  Hứa:0.1  Doãn:0.1  Giáp:0.1  Nghiêm:0.1
    Âu:0.1  Chìu:0.05  Diệp:0.05
""")

# Middle and given names as name:w1/w2/w3, the weights for people born before 1970,
# in 1970-1994 and from 1995 on.
COHORT_BREAKS = (1970, 1995)
MALE_MIDDLE_NAMES = _cohort_weights("""
    Văn:70/45/22  Đức:5/8/9  Minh:2/6/12  Quang:3/5/6  Hữu:5/5/3  Xuân:4/3/2  Đình:4/4/3
    Công:3/3/2  Ngọc:2/3/3  Thanh:3/4/4  Trọng:2/2/2  Tiến:1/2/2  Bá:2/1/0.5  Quốc:1/3/5
    Mạnh:1/2/2  Hoàng:0.5/2/4  Gia:0.2/1/6  Anh:0.2/1/3  Bảo:0.1/0.5/4  Tuấn:0.5/2/3
    Nhật:0.1/1/3  Hải:0.5/1.5/2  Duy:0.3/2/3  Trung:1/1.5/1.5  Việt:0.3/1/2  Thành:1/1.5/2
    Khánh:0.2/0.5/2  Đăng:0.2/0.5/2  Huy:0.1/0.3/1.5  Phúc:0.1/0.3/1.5
""")
FEMALE_MIDDLE_NAMES = _cohort_weights("""
    Thị:90/60/22  Ngọc:1/4/8  Thu:2/5/5  Minh:0.2/1/5  Khánh:0.1/1/5  Phương:0.3/2/5
    Thanh:1.5/4/5  Hồng:1/3/3  Mai:0.5/1.5/2  Bảo:0.01/0.3/4  Hà:0.2/1/3  Thùy:0.3/2/4
    Kim:1/2/2  Diệu:0.1/0.5/2  Quỳnh:0.2/1/3  Hải:0.2/1/2  Tuệ:0.01/0.1/2  An:0.1/0.5/2
    Gia:0.01/0.2/3  Cẩm:0.2/1/1.5  Mỹ:0.2/1/2  Hoài:0.2/1/1.5  Thảo:0.1/1/2  Lan:0.2/0.5/1
    Như:0.01/0.3/2  Vân:0.3/0.5/1  Ánh:0.1/0.5/1.5  Diễm:0.1/0.5/1.5
""")
#: Share of women named "Thị" who carry a second middle name ("Nguyễn Thị Thu Hà").
DOUBLE_MIDDLE_SHARE = 0.12
THI = _nfc("Thị")
MALE_GIVEN_NAMES = _cohort_weights("""
    Hùng:6/4/1.5  Dũng:6/4/1.5  Thắng:5/3/1  Chiến:4/2/0.5  Bình:4/2/1  Hòa:4/2/0.5  Hải:4/4/2
    Sơn:4/4/2  Thành:4/4/2.5  Tuấn:3/5/3  Cường:3/4/2  Hưng:3/3/2.5  Minh:3/4/5  Nam:3/3/4
    Long:2/4/3.5  Quý:3/1.5/0.5  Lợi:3/1.5/0.5  Phú:2/1.5/1  Toàn:2/2/1  Khải:1.5/1/0.5
    Hiển:1.5/1/0.3  Lực:2/1/0.3  Thịnh:1.5/1.5/1.5  Tiến:2/2/1  Vinh:2/2/1  Trường:2/2/1
    Định:2/1/0.3  Tâm:2/1.5/1  Thanh:2/1.5/0.5  Lâm:1/1.5/2  Công:1.5/1/0.5  Đông:1.5/1/0.5
    Hậu:1.5/1/0.5  Mạnh:2/2.5/1.5  Nghĩa:2/2/1  Ninh:1.5/1/0.5  Phúc:1/1.5/3  Quang:2/2/1.5
    Quyết:2/1/0.3  Sáng:1.5/0.7/0.2  Tài:1/1.5/1.5  Thái:1/1.5/1  Thọ:2/0.5/0.1  Tùng:1/3/2
    Trung:2/3/2  Tú:1/2/1.5  Việt:1/2/2  Xuân:1.5/0.5/0.2  Hiệp:1/1.5/0.5  Hoàn:1.5/1/0.3
    Khoa:0.3/1.5/3  Kiên:1/2/1.5  Tân:1.5/1/0.5  Thuận:1.5/1/0.5  Thiện:0.5/1/1.5  Bảo:0.2/1/4
    Cảnh:1.5/1/0.3  Chính:1.5/1/0.3  Dương:0.5/1.5/2  Đạt:0.5/2.5/3  Đức:2/3/3  Giang:1/1.5/1
    Hào:0.3/1/1.5  Hiếu:0.5/2.5/3  Hoàng:0.5/2/3  Huy:0.5/3/4  Khang:0.1/0.5/4
    Khôi:0.1/0.5/3.5  Khánh:0.5/1.5/2.5  Kiệt:0.1/0.5/2.5  Lộc:1/1.5/2  Nhật:0.1/1/2.5
    Phong:1/2/2.5  Phát:0.1/0.5/2.5  Quân:0.5/2/4  Sang:0.5/1/1.5  Trí:0.5/1.5/2
    Trọng:1/1.5/1  Vũ:0.3/1.5/2.5  An:0.5/1/3.5  Anh:1/4/5  Duy:0.3/2/3  Đăng:0.1/0.5/2.5
    Nguyên:0.5/1.5/3  Thiên:0.1/0.5/2  Bách:0.1/0.3/1.5  Nhân:1/1.5/1.5  Quốc:0.5/1/1.5
    Tín:0.5/1/1.5  Hiệu:1/0.5/0.2
""")
FEMALE_GIVEN_NAMES = _cohort_weights("""
    Lan:6/4/1.5  Hương:5/5/2.5  Hoa:5/3/1  Hồng:5/3/1  Mai:4/4/2.5  Hạnh:4/4/1.5  Thủy:4/4/1.5
    Nga:4/3/1  Hà:3/4/3  Hằng:3/4/2  Huyền:2/4/3  Dung:4/3/1  Hiền:3/3/2  Liên:4/2/0.5
    Loan:3/2/0.5  Lý:2/1.5/0.5  Nhung:3/3/1  Oanh:2.5/2/1  Phương:2/4/3  Quyên:1/2/1.5
    Tâm:2/2/1.5  Thảo:1/4/4  Thu:3/2.5/1  Trang:1/5/4  Tuyết:3/2/0.5  Vân:3/2.5/1  Yến:3/3/1.5
    Xuân:3/1.5/0.5  Bích:2/1.5/0.5  Cúc:3/1/0.2  Đào:2.5/1/0.2  Điệp:1.5/1/0.5  Gấm:2/0.5/0.1
    Hải:1/1.5/1  Hậu:1.5/1.5/0.5  Huệ:3/1.5/0.5  Khuyên:1.5/1/0.3  Lệ:2/1/0.3  Liễu:2/1/0.2
    Lụa:2/0.5/0.1  Minh:1/1.5/2  Nguyệt:2/2/1  Nhàn:2/1.5/0.5  Phượng:2/2/1  Sen:2.5/0.5/0.1
    Thoa:2.5/1.5/0.3  Thơm:2.5/0.5/0.1  Thúy:3/3/1  Tình:2/1/0.3  Tươi:2/1/0.2  Uyên:0.3/1.5/3
    Vui:1.5/0.5/0.1  Anh:0.5/3/5  Chi:0.3/2/4  Diệp:0.3/0.8/1.5  Giang:1/2.5/2.5
    Hân:0.1/0.5/3.5  Linh:0.5/4/6  Ly:0.3/1.5/3  My:0.2/1.5/3.5  Ngân:0.5/2/3.5  Ngọc:1/2.5/3
    Nhi:0.2/1.5/4.5  Quỳnh:0.5/2.5/3.5  Thư:0.2/1.5/4.5  Trâm:0.3/1.5/2.5  Trinh:0.5/2/1.5
    Vy:0.1/1/4.5  An:0.3/1/4  Châu:0.5/1/2  Hoài:1/1.5/1  Khuê:0.3/0.5/1.5  Tú:1/1.5/1
    Thanh:2/2/1  Tiên:0.5/1.5/2.5  Trà:0.3/1/2  Như:0.3/1/2.5  Nhiên:0.1/0.3/2  Thương:1/2/1.5
    Duyên:1/2.5/2  Hường:2.5/2/0.5  Hòa:2/1/0.3  Mến:2/0.5/0.1  Nhâm:1.5/0.5/0.1
""")

#: Province of birth registration (the CCCD's first 3 digits) of residents born elsewhere:
#: Quảng Ninh's neighbours and the big cities that send workers.
NEIGHBOUR_BIRTH_PROVINCES: dict[str, tuple[tuple[str, float], ...]] = {
    "22": (
        ("031", 4.0),  # Hải Phòng
        ("030", 3.0),  # Hải Dương
        ("034", 2.0),  # Thái Bình
        ("024", 2.0),  # Bắc Giang
        ("001", 2.0),  # Hà Nội
        ("036", 1.5),  # Nam Định
        ("020", 1.5),  # Lạng Sơn
    ),
}
HOME_BIRTH_PROVINCE_SHARE = 0.85
OTHER_BIRTH_PROVINCES = ("001", "031", "030", "034", "036", "024", "020", "079", "038", "040")

#: Share of mobile subscribers by network operator.
CARRIER_SHARES: dict[str, float] = {
    "Viettel": 0.50,
    "Vinaphone": 0.25,
    "MobiFone": 0.20,
    "Vietnamobile": 0.025,
    "Gmobile": 0.01,
    "Itelecom": 0.01,
    "Reddi": 0.005,
}

COMORBIDITIES = (
    "hypertension",
    "diabetes",
    "cardiovascular",
    "copd",
    "asthma",
    "chronic_kidney",
    "cancer",
    "obesity",
    "liver",
)
#: Prevalence (%) by age group (first age of each group) as (male, female) pairs, in the
#: order of COMORBIDITIES. Shaped on Vietnamese STEPS surveys: hypertension about 25 % of
#: people 50+, diabetes about 7 % of adults and rising with age.
COMORBIDITY_AGE_GROUPS = (0, 18, 40, 50, 60, 70)
COMORBIDITY_PREVALENCE: dict[str, tuple[tuple[float, float], ...]] = {
    "hypertension": ((0.1, 0.1), (4, 2.5), (13, 10), (20, 16), (28, 26), (36, 37)),
    "diabetes": ((0.1, 0.1), (2, 2), (6.5, 6.5), (11, 11), (15, 15), (17, 17)),
    "cardiovascular": ((0.2, 0.2), (0.5, 0.5), (2, 1.5), (3.5, 3), (6, 5.5), (12, 12)),
    "copd": ((0, 0), (0.5, 0.3), (2.5, 1), (4, 1.5), (8, 3), (11, 4)),
    "asthma": ((4, 3.5), (2.5, 3), (2.5, 3), (3, 3.5), (4, 4), (5, 5)),
    "chronic_kidney": ((0.1, 0.1), (0.5, 0.5), (2, 2), (3, 3), (4, 4.5), (6, 6)),
    "cancer": ((0.05, 0.05), (0.1, 0.15), (0.5, 0.7), (1, 1.1), (1.6, 1.4), (2, 1.6)),
    "obesity": ((2.5, 1.5), (2, 2), (3, 3.5), (3, 3.5), (2.5, 3), (1.5, 2)),
    "liver": ((0.1, 0.1), (1.5, 0.7), (3.5, 1.2), (4, 1.5), (3.5, 1.5), (3, 1.5)),
}
MINER_COPD_FACTOR = 2.0

#: Chance (%) that a woman of this age (first age of the group) is pregnant on the day.
PREGNANCY_BY_AGE = ((18, 2.0), (20, 4.5), (30, 3.0), (35, 1.5), (40, 0.4), (46, 0.0))
_PREGNANCY_STARTS = [start for start, _percent in PREGNANCY_BY_AGE]
PREGNANCY_WEEKS = (5, 40)

STUDENT = _nfc("Học sinh")
CHILD = _nfc("Trẻ em")
MINER = _nfc("Thợ mỏ")
#: Occupations of working-age adults: (label, weight for men, weight for women).
WORKING_OCCUPATIONS: tuple[tuple[str, float, float], ...] = (
    ("Công nhân", 17, 16),
    ("Nông dân", 13, 14),
    ("Ngư dân", 5, 1.5),
    (MINER, 10, 1.5),
    ("Buôn bán", 7, 13),
    ("Lao động tự do", 13, 10),
    ("Nhân viên văn phòng", 6, 8),
    ("Cán bộ, công chức", 6, 6),
    ("Giáo viên", 1.5, 4.5),
    ("Tài xế", 4.5, 0.2),
    ("Du lịch - dịch vụ", 6, 8),
    ("Nội trợ", 0.3, 7),
    ("Nhân viên y tế", 1, 2),
    ("Lực lượng vũ trang", 2.5, 0.3),
    ("Không có việc làm", 2.5, 2.5),
)
YOUNG_ADULT_OCCUPATIONS: tuple[tuple[str, float, float], ...] = (
    ("Sinh viên", 35, 38),
    ("Công nhân", 18, 20),
    ("Lao động tự do", 12, 8),
    ("Du lịch - dịch vụ", 8, 12),
    ("Buôn bán", 4, 6),
    ("Nông dân", 5, 4),
    ("Ngư dân", 2, 0.3),
    (MINER, 5, 0.3),
    ("Nhân viên văn phòng", 3, 4),
    ("Lực lượng vũ trang", 5, 0.5),
    ("Nội trợ", 0.1, 3),
    ("Không có việc làm", 3, 3),
)
RETIRED_OCCUPATIONS: tuple[tuple[str, float, float], ...] = (
    ("Hưu trí", 38, 34),
    ("Nông dân", 22, 20),
    ("Nội trợ", 1, 20),
    ("Buôn bán", 5, 7),
    ("Lao động tự do", 8, 5),
    ("Ngư dân", 2, 0.2),
    ("Không có việc làm", 8, 8),
)
TEEN_OCCUPATIONS: tuple[tuple[str, float, float], ...] = (
    (STUDENT, 86, 90),
    ("Lao động tự do", 6, 4),
    ("Công nhân", 4, 3),
    ("Buôn bán", 2, 2.5),
    ("Nông dân", 2, 0.5),
)
#: Retirement ages in 2021 (the reform raises them gradually from 60 and 55).
RETIREMENT_AGE = {MALE: 60, FEMALE: 55}

RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "other")

# Ages by role, in completed years. A mother is 19-41 years older than her child, so the birth
# dates differ by more than 18 and less than 42 years; a father at least 20.
MOTHER_GAP = (19, 41)
FATHER_GAP = (20, 55)
COUPLE_GAP_MEAN, COUPLE_GAP_SD, COUPLE_GAP_RANGE = 3.0, 3.5, (-3, 12)
MIN_WIFE_AGE, MIN_HUSBAND_AGE = 19, 20
CARD_AGE = 14  # citizens get an ID card at 14
MALE_BIRTH_SHARE = 0.52
EITHER = "either"  # a role open to both sexes
OLDEST_COUPLE_AGE = 80  # the wife's age at most when both elders of a household are alive
#: Mother's age at the birth of her youngest child (mean for one child, +1.5 per extra child).
LAST_BIRTH_AGE_MEAN, LAST_BIRTH_AGE_SD = 26.0, 4.5

_REFRESH_HOUSEHOLDS = 16  # how often the age controller re-weighs the bands
# Serials are offset + n * stride modulo the serial space: a stride coprime with the space makes
# the first (space) values of n all different, so numbers never collide within a run.
_CCCD_SPACE, _CCCD_STRIDE = 1_000_000, 387_419
_PHONE_SPACE, _PHONE_STRIDE = 10_000_000, 3_141_593


# --- Data classes ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SynthPerson:
    """One synthetic resident."""

    full_name: str
    family_name: str
    middle_name: str
    given_name: str
    sex: str
    birth_date: date
    cccd: str | None
    phone: str | None
    occupation: str
    comorbidities: tuple[str, ...]
    pregnancy_week: int | None
    relation_to_head: str


@dataclass(frozen=True, slots=True)
class SynthHousehold:
    """A household; ``members[0]`` is its head."""

    members: list[SynthPerson] = field(default_factory=list)

    @property
    def head(self) -> SynthPerson:
        return self.members[0]


@dataclass(slots=True)
class _Member:
    """A planned member before names, IDs and health are drawn."""

    relation: str
    sex: str
    age: int
    family_name: str


# --- Weighted choice helpers -----------------------------------------------------------------


T = TypeVar("T")


class _Choice(Generic[T]):
    """Weighted choice by bisection over cumulative weights (faster than ``rng.choices``)."""

    __slots__ = ("cumulative", "total", "values")

    def __init__(self, values: Sequence[T], weights: Sequence[float]) -> None:
        self.values = tuple(values)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect_right(self.cumulative, rng.random() * self.total)]


def _cohort_choices(
    table: Sequence[tuple[str, Cohorts]],
) -> tuple[_Choice[str], _Choice[str], _Choice[str]]:
    names = [name for name, _weights in table]
    return (
        _Choice(names, [weights[0] for _name, weights in table]),
        _Choice(names, [weights[1] for _name, weights in table]),
        _Choice(names, [weights[2] for _name, weights in table]),
    )


def _occupation_choices(
    table: Sequence[tuple[str, float, float]], *, mining: bool
) -> dict[str, _Choice[str]]:
    rows = [row for row in table if mining or row[0] != MINER]
    labels = [_nfc(row[0]) for row in rows]
    return {
        MALE: _Choice(labels, [row[1] for row in rows]),
        FEMALE: _Choice(labels, [row[2] for row in rows]),
    }


def _single_year_targets() -> dict[str, list[float]]:
    """Share of the population at each single year of age, by sex, from :data:`AGE_BANDS`."""
    targets: dict[str, list[float]] = {MALE: [0.0] * (MAX_AGE + 1), FEMALE: [0.0] * (MAX_AGE + 1)}
    for index, (start, share, male_share) in enumerate(AGE_BANDS):
        if index + 1 < len(AGE_BANDS):
            ages = list(range(start, AGE_BANDS[index + 1][0]))
            shape = [1.0] * len(ages)
        else:
            ages = list(range(start, MAX_AGE + 1))
            shape = [OLDEST_BAND_SURVIVAL ** (age - start) for age in ages]
        scale = share / sum(shape)
        for age, weight in zip(ages, shape, strict=True):
            targets[MALE][age] = weight * scale * male_share
            targets[FEMALE][age] = weight * scale * (1 - male_share)
    return targets


def band_of(age: int) -> int:
    """Index in :data:`AGE_BANDS` of the 5-year band holding ``age``."""
    return min(age // 5, len(AGE_BANDS) - 1)


_BAND_OF_AGE = [band_of(age) for age in range(MAX_AGE + 1)]


class _AgeController:
    """Draws ages inside role windows, steering the age and sex structure to the census.

    Every few households each (sex, band) weight is multiplied by (expected / generated) ** 16,
    so cells that fall behind their census share are favoured wherever a role leaves a choice.
    Members whose role allows either sex get an age first (from both sexes' weights), then a
    sex tilted the same way within that age band.
    """

    GAIN = 16
    SEX_GAIN = 8
    SMOOTHING = 50.0

    def __init__(self) -> None:
        self.targets = _single_year_targets()
        total = sum(self.targets[MALE]) + sum(self.targets[FEMALE])
        self.band_shares = {
            sex: [
                sum(share for age, share in enumerate(self.targets[sex]) if band_of(age) == band)
                / total
                for band in range(len(AGE_BANDS))
            ]
            for sex in (MALE, FEMALE)
        }
        self.counts = {MALE: [0] * len(AGE_BANDS), FEMALE: [0] * len(AGE_BANDS)}
        self.total = 0
        self.male_bias = [1.0] * len(AGE_BANDS)
        self.cumulative: dict[str, list[float]] = {}
        self.refresh()

    def _ratios(self, sex: str) -> list[float]:
        return [
            (share * self.total + self.SMOOTHING) / (count + self.SMOOTHING)
            for share, count in zip(self.band_shares[sex], self.counts[sex], strict=True)
        ]

    def refresh(self) -> None:
        """Re-weigh the single years by how far each cell is from its census share."""
        ratios = {sex: self._ratios(sex) for sex in (MALE, FEMALE)}
        weights: dict[str, list[float]] = {}
        for sex in (MALE, FEMALE):
            factors = [min(100.0, max(0.01, ratio**self.GAIN)) for ratio in ratios[sex]]
            weights[sex] = [
                w * factors[band] for w, band in zip(self.targets[sex], _BAND_OF_AGE, strict=True)
            ]
            self.cumulative[sex] = [0.0, *accumulate(weights[sex])]
        both = [male + female for male, female in zip(weights[MALE], weights[FEMALE], strict=True)]
        self.cumulative[EITHER] = [0.0, *accumulate(both)]
        self.male_bias = [
            min(10.0, max(0.1, (male / female) ** self.SEX_GAIN))
            for male, female in zip(ratios[MALE], ratios[FEMALE], strict=True)
        ]

    def draw(self, rng: random.Random, sex: str, low: int, high: int) -> int:
        """An age in ``[low, high]`` (clipped to 0-100) for ``sex`` or :data:`EITHER`."""
        low, high = max(0, low), min(MAX_AGE, high)
        if low > high:
            raise ValueError(f"empty age window {low}-{high}")
        cumulative = self.cumulative[sex]
        start, end = cumulative[low], cumulative[high + 1]
        age = bisect_right(cumulative, start + rng.random() * (end - start), low + 1, high + 1) - 1
        return min(max(age, low), high)

    def male_chance(self, base: float, age: int) -> float:
        """``base`` (a role's usual share of men) tilted toward the census sex ratio at ``age``."""
        odds = base * self.male_bias[_BAND_OF_AGE[age]]
        return odds / (odds + 1 - base)

    def record(self, sex: str, age: int) -> None:
        self.counts[sex][_BAND_OF_AGE[age]] += 1
        self.total += 1


# --- The generator ---------------------------------------------------------------------------


class PopulationGenerator:
    """Deterministic synthetic households for one province.

    ``province_code`` is the 2-digit GSO code (``"22"`` Quảng Ninh); it drives the citizen
    ID prefixes and local occupations (coal mining in Quảng Ninh). Ages are counted on
    ``reference_date``. Calling :meth:`households` again continues the same stream, so IDs and
    phone numbers stay unique across calls.
    """

    def __init__(
        self, seed: int, province_code: str = "22", reference_date: date = date(2021, 10, 1)
    ) -> None:
        if reference_date.year - MAX_AGE - 1 < CCCD_FIRST_YEAR:
            raise ValueError("reference_date must be in 2001 or later (citizen IDs start in 1900)")
        self.seed = seed
        self.province_code = f"{int(province_code):02d}"
        self.reference_date = reference_date
        self.rng = random.Random(seed)
        self._ages = _AgeController()
        self._households_made = 0
        self._sizes = _Choice(
            [size for size, _share in HOUSEHOLD_SIZES],
            [share for _size, share in HOUSEHOLD_SIZES],
        )
        self._family_names = _Choice(
            [name for name, _share in FAMILY_NAMES],
            [share for _name, share in FAMILY_NAMES],
        )
        self._middle = {
            MALE: _cohort_choices(MALE_MIDDLE_NAMES),
            FEMALE: _cohort_choices(FEMALE_MIDDLE_NAMES),
        }
        female_seconds = [row for row in FEMALE_MIDDLE_NAMES if row[0] != THI]
        self._second_middle = _cohort_choices(female_seconds)
        self._given = {
            MALE: _cohort_choices(MALE_GIVEN_NAMES),
            FEMALE: _cohort_choices(FEMALE_GIVEN_NAMES),
        }
        mining = self.province_code == "22"
        self._occupations = {
            "working": _occupation_choices(WORKING_OCCUPATIONS, mining=mining),
            "young": _occupation_choices(YOUNG_ADULT_OCCUPATIONS, mining=mining),
            "retired": _occupation_choices(RETIRED_OCCUPATIONS, mining=mining),
            "teen": _occupation_choices(TEEN_OCCUPATIONS, mining=mining),
        }
        home = f"{int(province_code):03d}"
        neighbours = NEIGHBOUR_BIRTH_PROVINCES.get(
            self.province_code,
            tuple((code, 1.0) for code in OTHER_BIRTH_PROVINCES if code != home),
        )
        away = sum(weight for _code, weight in neighbours)
        home_weight = away * HOME_BIRTH_PROVINCE_SHARE / (1 - HOME_BIRTH_PROVINCE_SHARE)
        self._birth_provinces = _Choice(
            [home, *(code for code, _weight in neighbours)],
            [home_weight, *(weight for _code, weight in neighbours)],
        )
        self._carriers = _Choice(list(CARRIER_SHARES), list(CARRIER_SHARES.values()))
        self._cccd_series: dict[str, list[int]] = {}
        self._phone_series: dict[str, list[int]] = {}
        self._birth_spans = [self._birth_span(age) for age in range(MAX_AGE + 1)]
        self._comorbidity_tables = {
            (group, sex): self._comorbidity_table(group, sex)
            for group in range(len(COMORBIDITY_AGE_GROUPS))
            for sex in (MALE, FEMALE)
        }

    # -- public API --

    def households(self, n_people_target: int) -> Iterator[SynthHousehold]:
        """Yield households until exactly ``n_people_target`` people have been generated."""
        remaining = n_people_target
        while remaining > 0:
            size = min(self._sizes.pick(self.rng), remaining)
            members = [self._person(member) for member in self._plan(size)]
            remaining -= len(members)
            self._households_made += 1
            if self._households_made % _REFRESH_HOUSEHOLDS == 0:
                self._ages.refresh()
            yield SynthHousehold(members)

    # -- household composition --

    def _age(self, sex: str, low: int, high: int) -> int:
        """An age drawn by the census controller inside the window a role allows."""
        age = self._ages.draw(self.rng, sex, low, high)
        self._ages.record(sex, age)
        return age

    def _fixed_age(self, sex: str, age: int) -> int:
        """An age that follows from someone else's (a spouse's, a child's), counted too."""
        age = min(max(age, 0), MAX_AGE)
        self._ages.record(sex, age)
        return age

    def _sex(self, male_share: float, age: int) -> str:
        """The sex of someone aged ``age`` whose role allows either, nudged toward the census."""
        return MALE if self.rng.random() < self._ages.male_chance(male_share, age) else FEMALE

    def _anyone(self, male_share: float, low: int, high: int) -> tuple[str, int]:
        """Sex and age of a member whose role allows either sex, counted."""
        age = self._ages.draw(self.rng, EITHER, low, high)
        sex = self._sex(male_share, age)
        self._ages.record(sex, age)
        return sex, age

    def _couple_gap(self) -> int:
        gap = round(self.rng.gauss(COUPLE_GAP_MEAN, COUPLE_GAP_SD))
        return min(max(gap, COUPLE_GAP_RANGE[0]), COUPLE_GAP_RANGE[1])

    def _couple(self, low: int, high: int) -> tuple[int, int]:
        """Ages (husband, wife): one drawn in the window, the other by the age gap."""
        gap = self._couple_gap()
        if self.rng.random() < 0.5:
            husband = self._age(MALE, max(low, MIN_HUSBAND_AGE), high)
            return husband, self._fixed_age(FEMALE, max(husband - gap, MIN_WIFE_AGE))
        wife = self._age(FEMALE, max(low - 3, MIN_WIFE_AGE), high - 3)
        return self._fixed_age(MALE, max(wife + gap, MIN_HUSBAND_AGE)), wife

    def _pair(
        self, husband_age: int, wife_age: int, family_name: str, *, male_head_share: float = 0.88
    ) -> list[_Member]:
        """Head and spouse of a couple; the husband usually heads the household."""
        husband = _Member("head", MALE, husband_age, family_name)
        wife = _Member("spouse", FEMALE, wife_age, self._family_names.pick(self.rng))
        if self.rng.random() < male_head_share:
            return [husband, wife]
        husband.relation, wife.relation = "spouse", "head"
        return [wife, husband]

    def _offspring(
        self, n: int, family_name: str, *, relation: str = "child", max_age: int = 40
    ) -> tuple[list[_Member], int, int]:
        """``n`` siblings and the ages of their mother and father (not yet counted).

        The youngest is drawn first and fixes the mother's age through her age at that birth;
        the older ones are drawn between the youngest and the mother's age less 19.
        """
        rng = self.rng
        sex, youngest = self._anyone(MALE_BIRTH_SHARE, 0, max_age)
        children = [_Member(relation, sex, youngest, family_name)]
        at_birth = round(rng.gauss(LAST_BIRTH_AGE_MEAN + 1.5 * (n - 1), LAST_BIRTH_AGE_SD))
        at_birth = min(max(at_birth, MOTHER_GAP[0]), MOTHER_GAP[1])
        mother = self._ages.draw(  # counted by the caller, who may make her a parent-in-law
            rng,
            FEMALE,
            youngest + max(MOTHER_GAP[0], at_birth - 4),
            youngest + min(MOTHER_GAP[1], at_birth + 4),
        )
        oldest_possible = max(youngest, min(mother - MOTHER_GAP[0], max_age))
        for _ in range(n - 1):
            sex, age = self._anyone(MALE_BIRTH_SHARE, youngest, oldest_possible)
            children.append(_Member(relation, sex, age, family_name))
        children.sort(key=lambda child: -child.age)
        father = max(mother + self._couple_gap(), children[0].age + FATHER_GAP[0])
        return children, mother, father

    def _single(self, roll: float) -> list[_Member]:
        if roll < 0.40:  # mostly widows
            sex, age = self._anyone(0.25, 60, MAX_AGE)
        elif roll < 0.62:
            sex, age = self._anyone(0.55, 35, 59)
        else:  # young workers, many of them miners and factory hands from elsewhere
            sex, age = self._anyone(0.6, 18, 34)
        return [_Member("head", sex, age, self._family_names.pick(self.rng))]

    def _childless_couple(self) -> list[_Member]:
        low, high = (20, 32) if self.rng.random() < 0.4 else (50, 82)
        husband, wife = self._couple(low, high)
        return self._pair(husband, wife, self._family_names.pick(self.rng))

    def _nuclear(self, n_children: int) -> list[_Member]:
        family = self._family_names.pick(self.rng)
        children, mother, father = self._offspring(n_children, family, max_age=35)
        husband, wife = self._fixed_age(MALE, father), self._fixed_age(FEMALE, mother)
        return [*self._pair(husband, wife, family), *children]

    def _lone_parent(self, n_children: int) -> list[_Member]:
        names = self._family_names
        family = names.pick(self.rng)  # the children carry their father's family name
        children, mother, father = self._offspring(n_children, family, max_age=30)
        if self._sex(0.2, mother) == MALE:
            head = _Member("head", MALE, self._fixed_age(MALE, father), family)
        else:
            head = _Member("head", FEMALE, self._fixed_age(FEMALE, mother), names.pick(self.rng))
        return [head, *children]

    def _parents_of(self, head: _Member, count: int) -> list[_Member]:
        """One or two parents of the head (the father shares the head's family name)."""
        rng = self.rng
        if count == 1 and rng.random() < 0.2:  # widowers are rarer than widows
            age = self._age(MALE, head.age + MOTHER_GAP[0] + 3, head.age + MOTHER_GAP[1] + 3)
            return [_Member("parent", MALE, age, head.family_name)]
        low, high = head.age + MOTHER_GAP[0], head.age + MOTHER_GAP[1]
        if count == 2:  # both alive: few such couples are past 80
            high = max(low, min(high, OLDEST_COUPLE_AGE))
        mother_age = self._age(FEMALE, low, high)
        mother = _Member("parent", FEMALE, mother_age, self._family_names.pick(rng))
        if count == 1:
            return [mother]
        father_age = max(mother_age + max(self._couple_gap(), 0), head.age + FATHER_GAP[0])
        father = _Member("parent", MALE, self._fixed_age(MALE, father_age), head.family_name)
        return [father, mother]

    def _with_parents(self, *, children: int, parents: int) -> list[_Member]:
        """A couple, their young children and the head's widowed parent or both parents."""
        family = self._family_names.pick(self.rng)
        kids: list[_Member] = []
        if children:
            kids, mother, father = self._offspring(children, family, max_age=18)
            husband, wife = self._fixed_age(MALE, father), self._fixed_age(FEMALE, mother)
        else:
            husband, wife = self._couple(22, 55)
        couple = self._pair(husband, wife, family)
        older = self._parents_of(couple[0], parents)
        if self.rng.random() < 0.15:  # the spouse's parents rather than the head's
            for parent in older:
                parent.relation = "other"
                parent.family_name = self._family_names.pick(self.rng)
        return [*couple, *older, *kids]

    def _grandparents(self, *, couple: bool) -> list[_Member]:
        """Grandparents raising a grandchild whose parents work away."""
        rng = self.rng
        names = self._family_names
        if couple:
            husband, wife = self._couple(50, 85)
            members = self._pair(husband, wife, names.pick(rng))
            youngest, family = min(husband, wife), members[0].family_name
            if members[0].sex == FEMALE:
                family = members[1].family_name
        else:
            sex, age = self._anyone(0.3, 50, 85)
            head = _Member("head", sex, age, names.pick(rng))
            members, youngest = [head], head.age
            family = head.family_name if sex == MALE else names.pick(rng)
        sex, age = self._anyone(MALE_BIRTH_SHARE, youngest - 80, min(youngest - 38, 17))
        return [*members, _Member("grandchild", sex, age, family)]

    def _elder_headed(self, size: int) -> list[_Member]:
        """Three generations under the eldest: elders, a married child and spouse, grandchildren,
        and unmarried children of the elders if room is left."""
        rng = self.rng
        names = self._family_names
        elder_family, in_law_family = names.pick(rng), names.pick(rng)
        both_elders = rng.random() < 0.7
        n_grandchildren = min(size - (4 if both_elders else 3), 4)
        married_son = rng.random() < 0.85  # a son usually brings his wife home
        young_family = elder_family if married_son else in_law_family
        grandchildren, young_mother, young_father = self._offspring(
            n_grandchildren, young_family, relation="grandchild", max_age=15
        )
        young_father = self._fixed_age(MALE, young_father)
        young_mother = self._fixed_age(FEMALE, young_mother)
        if married_son:
            married = _Member("child", MALE, young_father, elder_family)
            in_law = _Member("other", FEMALE, young_mother, in_law_family)
        else:
            married = _Member("child", FEMALE, young_mother, elder_family)
            in_law = _Member("other", MALE, young_father, in_law_family)
        low, high = married.age + MOTHER_GAP[0], married.age + MOTHER_GAP[1]
        if both_elders:
            elder_mother = self._age(FEMALE, low, max(low, min(high, OLDEST_COUPLE_AGE)))
            elder_father = self._fixed_age(
                MALE, max(elder_mother + self._couple_gap(), married.age + FATHER_GAP[0])
            )
            elders = self._pair(elder_father, elder_mother, elder_family, male_head_share=0.95)
        elif self._sex(0.25, low + 10) == MALE:
            elder_father = self._age(MALE, low + 3, high + 3)
            elder_mother = elder_father - 3
            elders = [_Member("head", MALE, elder_father, elder_family)]
        else:
            elder_mother = self._age(FEMALE, low, high)
            elder_father = elder_mother + 3
            elders = [_Member("head", FEMALE, elder_mother, names.pick(rng))]
        members = [*elders, married, in_law, *grandchildren]
        while len(members) < size:  # unmarried children of the elders
            sex, age = self._anyone(
                0.5,
                max(elder_mother - MOTHER_GAP[1], elder_father - FATHER_GAP[1]),
                min(elder_mother - MOTHER_GAP[0], elder_father - FATHER_GAP[0]),
            )
            members.append(_Member("child", sex, age, elder_family))
        return members

    def _plan(self, size: int) -> list[_Member]:
        """The members of a household of ``size`` people, head first."""
        roll = self.rng.random()
        if size == 1:
            return self._single(roll)
        if size == 2:
            if roll < 0.60:
                return self._childless_couple()
            if roll < 0.84:
                return self._lone_parent(1)
            if roll < 0.95:
                return self._grandparents(couple=False)
            members = self._single(0.99)  # young adults sharing with a sibling or relative
            self._fill(members, 2)
            return members
        if size == 3:
            if roll < 0.77:
                return self._nuclear(1)
            if roll < 0.87:
                return self._lone_parent(2)
            if roll < 0.92:
                return self._with_parents(children=0, parents=1)
            return self._grandparents(couple=True)
        if size == 4:
            if roll < 0.78:
                return self._nuclear(2)
            if roll < 0.92:
                return self._with_parents(children=1, parents=1)
            if roll < 0.95:
                return self._lone_parent(3)
            members = self._nuclear(1)
            self._fill(members, 4)
            return members
        if size == 5:
            if roll < 0.45:
                return self._nuclear(3)
            if roll < 0.80:
                return self._with_parents(children=2, parents=1)
            if roll < 0.90:
                return self._with_parents(children=1, parents=2)
            return self._elder_headed(size)
        if roll < 0.5:
            parents = 2 if self.rng.random() < 0.5 else 1
            members = self._with_parents(children=min(size - 2 - parents, 4), parents=parents)
            self._fill(members, size)
            return members
        return self._elder_headed(size)

    def _fill(self, members: list[_Member], size: int) -> None:
        """Top a household up to ``size`` with siblings of the head or other relatives."""
        rng = self.rng
        head = members[0]
        while len(members) < size:
            if rng.random() < 0.6:
                low = max(15, head.age - 12)
                sex, age = self._anyone(0.5, low, max(low, min(head.age + 12, 90)))
                members.append(_Member("sibling", sex, age, head.family_name))
            else:
                sex, age = self._anyone(0.5, 10, 70)
                members.append(_Member("other", sex, age, self._family_names.pick(rng)))

    # -- individual attributes --

    def _birth_span(self, age: int) -> tuple[int, int]:
        """First ordinal and number of days of the birth dates that give ``age`` on the day."""
        latest = _years_before(self.reference_date, age)
        earliest = _years_before(self.reference_date, age + 1).toordinal() + 1
        return earliest, latest.toordinal() - earliest + 1

    def _person(self, member: _Member) -> SynthPerson:
        rng = self.rng
        sex, age = member.sex, member.age
        first, span = self._birth_spans[age]
        birth_date = date.fromordinal(first + int(rng.random() * span))
        cohort = bisect_right(COHORT_BREAKS, birth_date.year)
        middle = self._middle[sex][cohort].pick(rng)
        if middle == THI and rng.random() < DOUBLE_MIDDLE_SHARE:
            middle = f"{middle} {self._second_middle[cohort].pick(rng)}"
        given = self._given[sex][cohort].pick(rng)
        while middle.endswith(given):
            given = self._given[sex][cohort].pick(rng)
        full_name = f"{member.family_name} {middle} {given}"
        occupation = self._occupation(sex, age)
        return SynthPerson(
            full_name=full_name,
            family_name=member.family_name,
            middle_name=middle,
            given_name=given,
            sex=sex,
            birth_date=birth_date,
            cccd=self._cccd(birth_date.year, sex) if self._has_card(age) else None,
            phone=self._phone() if self._has_phone(age) else None,
            occupation=occupation,
            comorbidities=self._comorbidities(sex, age, occupation),
            pregnancy_week=self._pregnancy(age) if sex == FEMALE else None,
            relation_to_head=member.relation,
        )

    def _has_card(self, age: int) -> bool:
        if age < CARD_AGE:
            return False
        return self.rng.random() < (0.97 if age < 80 else 0.9)

    def _has_phone(self, age: int) -> bool:
        if age < 12:
            chance = 0.0
        elif age < 15:
            chance = 0.08
        elif age < 18:
            chance = 0.7
        elif age < 65:
            chance = 0.96
        elif age < 80:
            chance = 0.9
        else:
            chance = 0.72
        return self.rng.random() < chance

    def _cccd(self, birth_year: int, sex: str) -> str:
        rng = self.rng
        province = self._birth_provinces.pick(rng)
        key = f"{province}{sex[0]}{birth_year}"
        series = self._cccd_series.get(key)
        if series is None:
            series = self._cccd_series[key] = [0, rng.randrange(_CCCD_SPACE)]
        if series[0] == _CCCD_SPACE:
            raise RuntimeError(f"no citizen ID serial left for {key}")
        serial = (series[1] + series[0] * _CCCD_STRIDE) % _CCCD_SPACE
        series[0] += 1
        return make_cccd(province, birth_year, sex, serial)

    def _phone(self) -> str:
        rng = self.rng
        prefixes = MOBILE_PREFIXES[self._carriers.pick(rng)]
        prefix = prefixes[int(rng.random() * len(prefixes))]
        series = self._phone_series.get(prefix)
        if series is None:
            series = self._phone_series[prefix] = [0, rng.randrange(_PHONE_SPACE)]
        if series[0] == _PHONE_SPACE:
            raise RuntimeError(f"no phone number left with prefix {prefix}")
        subscriber = (series[1] + series[0] * _PHONE_STRIDE) % _PHONE_SPACE
        series[0] += 1
        return f"+84{prefix[1:]}{subscriber:07d}"

    def _occupation(self, sex: str, age: int) -> str:
        rng = self.rng
        if age < 6:
            return CHILD
        if age < 15:
            return STUDENT
        if age < 18:
            return self._occupations["teen"][sex].pick(rng)
        if age < 23:
            return self._occupations["young"][sex].pick(rng)
        retirement = RETIREMENT_AGE[sex]
        if age < retirement or (age < retirement + 5 and rng.random() < 0.4):
            return self._occupations["working"][sex].pick(rng)
        return self._occupations["retired"][sex].pick(rng)

    @staticmethod
    def _comorbidity_table(group: int, sex: str) -> tuple[float, list[float], list[float]]:
        """(chance of none, each condition's chance, chance of none among the later ones)."""
        column = 0 if sex == MALE else 1
        chances = [COMORBIDITY_PREVALENCE[code][group][column] / 100 for code in COMORBIDITIES]
        none_after = [1.0] * (len(chances) + 1)
        for index in range(len(chances) - 1, -1, -1):
            none_after[index] = none_after[index + 1] * (1 - chances[index])
        return none_after[0], chances, none_after

    def _comorbidities(self, sex: str, age: int, occupation: str) -> tuple[str, ...]:
        rng = self.rng
        group = bisect_right(COMORBIDITY_AGE_GROUPS, age) - 1
        p_none, chances, none_after = self._comorbidity_tables[(group, sex)]
        if occupation == MINER:  # coal dust: draw independently with a raised COPD risk
            chances = list(chances)
            chances[3] = min(1.0, chances[3] * MINER_COPD_FACTOR)
            return tuple(
                code for code, p in zip(COMORBIDITIES, chances, strict=True) if rng.random() < p
            )
        if rng.random() < p_none:
            return ()
        # At least one condition: condition each draw on that until one is found, then draw
        # the later ones independently.
        found: list[str] = []
        for index, code in enumerate(COMORBIDITIES):
            p = chances[index]
            if not found:  # P(this one | at least one of this and the later ones)
                remaining = 1 - none_after[index]
                p = p / remaining if remaining > 0 else 0.0
            if rng.random() < p:
                found.append(code)
        return tuple(found)

    def _pregnancy(self, age: int) -> int | None:
        if not 18 <= age <= 45:
            return None
        index = bisect_right(_PREGNANCY_STARTS, age) - 1
        if self.rng.random() * 100 >= PREGNANCY_BY_AGE[index][1]:
            return None
        return self.rng.randint(*PREGNANCY_WEEKS)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


# --- Village names ---------------------------------------------------------------------------

#: Village names of lowland and coastal communes (after "Thôn").
LOWLAND_VILLAGES = _names("""
    Đông, Tây, Nam, Bắc, Trung, Thượng, Hạ, Tân Lập, Tân Tiến, Tân Thành, Tân Hưng, Đồng Tâm,
    Quyết Tiến, Quyết Thắng, Thắng Lợi, Hòa Bình, Bình Minh, Đoàn Kết, Yên Mỹ, Yên Hưng,
    An Biên, Cẩm Hưng, Phú Hải, Nam Hải, Đồng Sơn, Hải Yến, Vĩnh Thông, Trại Gạo, Cống Mương,
    Đầm Buôn, Cổ Lễ, Xuân Quang, Hưng Học, Bãi Dài, Cái Tràng, Cầu Trắng, Phúc Tiến,
    Thành Công
""")
#: Tày, Nùng and Dao village names of mountain communes ("Bản" + start + end).
MOUNTAIN_VILLAGE_STARTS = _names("""
    Khe, Nà, Pắc, Cốc, Khau, Lòng, Đồng, Bắc, Pò
""")
MOUNTAIN_VILLAGE_ENDS = _names("""
    Mằn, Lèn, Vàng, Hoi, Tâm, Mo, Pạt, Nhâu, Coóc, Sáu, Lạn, Ngàn, Phạ, Cáy, Liềng, Luông, Tấu,
    Mạ, Dằn, Nặm
""")
_URBAN_KINDS = {"phuong", "ward", "thi tran", "thi_tran", "town"}
_RURAL_KINDS = {"xa", "commune"}


def village_names(
    commune_kind: str, count: int, rng: random.Random, *, mountain: bool = False
) -> list[str]:
    """``count`` distinct names of the villages (thôn, bản) or urban zones (khu, tổ dân phố)
    of one commune. ``commune_kind`` is "Phường", "Thị trấn" or "Xã" (diacritics optional)."""
    kind = fold_name(commune_kind)
    if count < 0:
        raise ValueError("count must not be negative")
    if kind in _URBAN_KINDS:
        label = "Khu" if rng.random() < 0.6 else "Tổ dân phố"
        return [f"{label} {number}" for number in range(1, count + 1)]
    if kind not in _RURAL_KINDS:
        raise ValueError(f"unknown commune kind: {commune_kind!r}")
    if not mountain and rng.random() < 0.3:  # many communes simply number their villages
        return [f"Thôn {number}" for number in range(1, count + 1)]
    pool: list[str] = [f"Thôn {name}" for name in LOWLAND_VILLAGES]
    if mountain:
        pool += [
            f"Bản {start} {end}"
            for start in MOUNTAIN_VILLAGE_STARTS
            for end in MOUNTAIN_VILLAGE_ENDS
        ]
    names = rng.sample(pool, min(count, len(pool)))
    number = 1
    while len(names) < count:  # more villages than plausible names: number the rest
        candidate = f"Thôn {number}"
        if candidate not in names:
            names.append(candidate)
        number += 1
    return names


# --- Benchmark -------------------------------------------------------------------------------


def benchmark(n_people: int = 1_320_000, seed: int = 1) -> float:
    """Generate ``n_people`` and return people per second."""
    started = time.perf_counter()
    generated = sum(
        len(household.members) for household in PopulationGenerator(seed).households(n_people)
    )
    return generated / (time.perf_counter() - started)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m vungxanh.people.synthetic --people 1320000``: print the generation speed."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--people", type=int, default=1_320_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    speed = benchmark(args.people, args.seed)
    sys.stdout.write(f"{args.people} people, {speed:,.0f} people/s\n")


if __name__ == "__main__":
    main()
