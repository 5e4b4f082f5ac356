"""The generator: households of consistent families, with names, citizen IDs, phones,
occupations and comorbidities drawn from :mod:`.tables`, and an age controller that keeps the
population on the census pyramid. Only the standard library is used."""

from __future__ import annotations

import random
import time
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from vungxanh.people.identity import (
    CCCD_FIRST_YEAR,
    FEMALE,
    MALE,
    MOBILE_PREFIXES,
    fold_name,
    make_cccd,
)
from vungxanh.people.synthetic.sampling import (
    AgeController,
    Choice,
    cohort_choices,
    occupation_choices,
)
from vungxanh.people.synthetic.tables import (
    _CCCD_SPACE,
    _CCCD_STRIDE,
    _PHONE_SPACE,
    _PHONE_STRIDE,
    _PREGNANCY_STARTS,
    _REFRESH_HOUSEHOLDS,
    _RURAL_KINDS,
    _URBAN_KINDS,
    CARD_AGE,
    CARRIER_SHARES,
    CHILD,
    COHORT_BREAKS,
    COMORBIDITIES,
    COMORBIDITY_AGE_GROUPS,
    COMORBIDITY_PREVALENCE,
    COUPLE_GAP_MEAN,
    COUPLE_GAP_RANGE,
    COUPLE_GAP_SD,
    DOUBLE_MIDDLE_SHARE,
    EITHER,
    FAMILY_NAMES,
    FATHER_GAP,
    FEMALE_GIVEN_NAMES,
    FEMALE_MIDDLE_NAMES,
    HOME_BIRTH_PROVINCE_SHARE,
    HOUSEHOLD_SIZES,
    LAST_BIRTH_AGE_MEAN,
    LAST_BIRTH_AGE_SD,
    LOWLAND_VILLAGES,
    MALE_BIRTH_SHARE,
    MALE_GIVEN_NAMES,
    MALE_MIDDLE_NAMES,
    MAX_AGE,
    MIN_HUSBAND_AGE,
    MIN_WIFE_AGE,
    MINER,
    MINER_COPD_FACTOR,
    MOTHER_GAP,
    MOUNTAIN_VILLAGE_ENDS,
    MOUNTAIN_VILLAGE_STARTS,
    NEIGHBOUR_BIRTH_PROVINCES,
    OLDEST_COUPLE_AGE,
    OTHER_BIRTH_PROVINCES,
    PREGNANCY_BY_AGE,
    PREGNANCY_WEEKS,
    RETIRED_OCCUPATIONS,
    RETIREMENT_AGE,
    STUDENT,
    TEEN_OCCUPATIONS,
    THI,
    WORKING_OCCUPATIONS,
    YOUNG_ADULT_OCCUPATIONS,
)

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
        self._ages = AgeController()
        self._households_made = 0
        self._sizes = Choice(
            [size for size, _share in HOUSEHOLD_SIZES],
            [share for _size, share in HOUSEHOLD_SIZES],
        )
        self._family_names = Choice(
            [name for name, _share in FAMILY_NAMES],
            [share for _name, share in FAMILY_NAMES],
        )
        self._middle = {
            MALE: cohort_choices(MALE_MIDDLE_NAMES),
            FEMALE: cohort_choices(FEMALE_MIDDLE_NAMES),
        }
        female_seconds = [row for row in FEMALE_MIDDLE_NAMES if row[0] != THI]
        self._second_middle = cohort_choices(female_seconds)
        self._given = {
            MALE: cohort_choices(MALE_GIVEN_NAMES),
            FEMALE: cohort_choices(FEMALE_GIVEN_NAMES),
        }
        mining = self.province_code == "22"
        self._occupations = {
            "working": occupation_choices(WORKING_OCCUPATIONS, mining=mining),
            "young": occupation_choices(YOUNG_ADULT_OCCUPATIONS, mining=mining),
            "retired": occupation_choices(RETIRED_OCCUPATIONS, mining=mining),
            "teen": occupation_choices(TEEN_OCCUPATIONS, mining=mining),
        }
        home = f"{int(province_code):03d}"
        neighbours = NEIGHBOUR_BIRTH_PROVINCES.get(
            self.province_code,
            tuple((code, 1.0) for code in OTHER_BIRTH_PROVINCES if code != home),
        )
        away = sum(weight for _code, weight in neighbours)
        home_weight = away * HOME_BIRTH_PROVINCE_SHARE / (1 - HOME_BIRTH_PROVINCE_SHARE)
        self._birth_provinces = Choice(
            [home, *(code for code, _weight in neighbours)],
            [home_weight, *(weight for _code, weight in neighbours)],
        )
        self._carriers = Choice(list(CARRIER_SHARES), list(CARRIER_SHARES.values()))
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
