"""The synthetic population: determinism, census structure, consistent households, valid IDs."""

import random
import unicodedata
from collections import Counter
from datetime import date

import pytest

from vungxanh.people.identity import CARRIER_BY_PREFIX, check_cccd, normalize_phone
from vungxanh.people.synthetic import (
    AGE_BANDS,
    COMORBIDITIES,
    RELATIONS,
    PopulationGenerator,
    SynthHousehold,
    SynthPerson,
    band_of,
    village_names,
)

REFERENCE = date(2021, 10, 1)
N_PEOPLE = 50_000


def age_on(person: SynthPerson, day: date = REFERENCE) -> int:
    born = person.birth_date
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@pytest.fixture(scope="module")
def households() -> list[SynthHousehold]:
    return list(PopulationGenerator(seed=2021).households(N_PEOPLE))


@pytest.fixture(scope="module")
def people(households: list[SynthHousehold]) -> list[SynthPerson]:
    return [person for household in households for person in household.members]


def first_people(generator: PopulationGenerator, n: int) -> list[SynthPerson]:
    return [person for household in generator.households(n) for person in household.members]


# --- Determinism -------------------------------------------------------------------------------


def test_same_seed_gives_the_same_people() -> None:
    first = first_people(PopulationGenerator(seed=7), 1_000)
    again = first_people(PopulationGenerator(seed=7), 1_000)
    assert len(first) == 1_000
    assert first == again


def test_different_seeds_give_different_people() -> None:
    first = first_people(PopulationGenerator(seed=7), 1_000)
    other = first_people(PopulationGenerator(seed=8), 1_000)
    assert sum(a == b for a, b in zip(first, other, strict=True)) < 10
    assert sum(a.full_name == b.full_name for a, b in zip(first, other, strict=True)) < 100


def test_reference_date_drives_ages() -> None:
    later_day = date(2031, 10, 1)
    now = first_people(PopulationGenerator(seed=3), 5_000)
    later = first_people(PopulationGenerator(seed=3, reference_date=later_day), 5_000)
    assert all(person.birth_date <= later_day for person in later)
    assert any(person.birth_date > REFERENCE for person in later)
    shift = (
        sum(p.birth_date.year for p in later) / 5_000 - sum(p.birth_date.year for p in now) / 5_000
    )
    assert shift == pytest.approx(10, abs=0.5)
    under_15 = sum(age_on(person, later_day) < 15 for person in later) / 5_000
    assert 0.20 <= under_15 <= 0.28


def test_households_reach_the_target_exactly(households: list[SynthHousehold]) -> None:
    assert sum(len(household.members) for household in households) == N_PEOPLE
    assert list(PopulationGenerator(seed=1).households(0)) == []


def test_a_second_call_continues_without_reusing_numbers() -> None:
    generator = PopulationGenerator(seed=5)
    first = first_people(generator, 3_000)
    second = first_people(generator, 3_000)
    cccds = [p.cccd for p in first + second if p.cccd]
    phones = [p.phone for p in first + second if p.phone]
    assert len(cccds) == len(set(cccds))
    assert len(phones) == len(set(phones))


def test_reference_date_before_2001_is_refused() -> None:
    with pytest.raises(ValueError, match="reference_date"):
        PopulationGenerator(seed=1, reference_date=date(1999, 1, 1))


# --- Census structure --------------------------------------------------------------------------


def test_mean_household_size(households: list[SynthHousehold]) -> None:
    assert 3.4 <= N_PEOPLE / len(households) <= 3.8


def test_household_sizes_follow_the_census(households: list[SynthHousehold]) -> None:
    sizes = Counter(min(len(household.members), 6) for household in households)
    shares = {size: count / len(households) for size, count in sizes.items()}
    expected = {1: 0.11, 2: 0.18, 3: 0.20, 4: 0.27, 5: 0.13, 6: 0.11}
    for size, share in expected.items():
        assert shares[size] == pytest.approx(share, abs=0.015), size


def test_age_structure(people: list[SynthPerson]) -> None:
    ages = [age_on(person) for person in people]
    under_15 = sum(age < 15 for age in ages) / len(ages)
    over_65 = sum(age >= 65 for age in ages) / len(ages)
    assert 0.20 <= under_15 <= 0.28
    assert 0.06 <= over_65 <= 0.11
    assert max(ages) <= 100


def test_every_five_year_band_is_near_its_census_share(people: list[SynthPerson]) -> None:
    bands = Counter(band_of(age_on(person)) for person in people)
    for index, (start, percent, _male_share) in enumerate(AGE_BANDS):
        share = 100 * bands[index] / len(people)
        assert share == pytest.approx(percent, abs=1.0), f"ages {start}+: {share:.2f}%"


def test_sex_ratio(people: list[SynthPerson]) -> None:
    sexes = Counter(person.sex for person in people)
    assert set(sexes) == {"male", "female"}
    assert 0.95 <= sexes["male"] / sexes["female"] <= 1.05


def test_boys_outnumber_girls_and_old_women_outnumber_old_men(people: list[SynthPerson]) -> None:
    children = Counter(person.sex for person in people if age_on(person) < 10)
    elderly = Counter(person.sex for person in people if age_on(person) >= 75)
    assert children["male"] > children["female"]
    assert elderly["female"] > 1.2 * elderly["male"]


# --- Household consistency ---------------------------------------------------------------------


def test_each_household_has_one_head_listed_first(households: list[SynthHousehold]) -> None:
    for household in households:
        relations = [person.relation_to_head for person in household.members]
        assert relations[0] == "head"
        assert relations.count("head") == 1
        assert relations.count("spouse") <= 1
        assert set(relations) <= set(RELATIONS)


def test_spouses_are_of_opposite_sex_and_similar_age(households: list[SynthHousehold]) -> None:
    couples = 0
    for household in households:
        head = household.head
        for spouse in (p for p in household.members if p.relation_to_head == "spouse"):
            couples += 1
            assert spouse.sex != head.sex
            husband, wife = (head, spouse) if head.sex == "male" else (spouse, head)
            assert -3 <= age_on(husband) - age_on(wife) <= 12
    assert couples > len(households) / 2


def _couple(household: SynthHousehold) -> dict[str, SynthPerson]:
    """The head and spouse by sex."""
    return {
        person.sex: person
        for person in household.members
        if person.relation_to_head in ("head", "spouse")
    }


def test_children_are_18_to_42_years_younger_than_their_mother(
    households: list[SynthHousehold],
) -> None:
    checked = 0
    for household in households:
        mother = _couple(household).get("female")
        if mother is None:
            continue
        for child in (p for p in household.members if p.relation_to_head == "child"):
            gap_days = (child.birth_date - mother.birth_date).days
            assert 18 * 365.25 < gap_days < 42 * 365.25, (mother, child)
            checked += 1
    assert checked > N_PEOPLE / 5


def test_children_take_their_fathers_family_name(households: list[SynthHousehold]) -> None:
    checked = 0
    for household in households:
        father = _couple(household).get("male")
        if father is None:
            continue
        for child in (p for p in household.members if p.relation_to_head == "child"):
            assert child.family_name == father.family_name
            assert age_on(father) - age_on(child) >= 20
            checked += 1
    assert checked > N_PEOPLE / 5


def test_multi_generation_households_have_older_parents(households: list[SynthHousehold]) -> None:
    three_generations = 0
    for household in households:
        relations = {person.relation_to_head for person in household.members}
        if "parent" in relations or "grandchild" in relations:
            three_generations += 1
        for parent in (p for p in household.members if p.relation_to_head == "parent"):
            assert age_on(parent) - age_on(household.head) >= 19
    assert 0.10 < three_generations / len(households) < 0.35


def test_grandchildren_are_young_and_two_generations_below_the_head(
    households: list[SynthHousehold],
) -> None:
    checked = 0
    for household in households:
        for grandchild in (p for p in household.members if p.relation_to_head == "grandchild"):
            assert age_on(grandchild) <= 17
            assert age_on(household.head) - age_on(grandchild) >= 38
            checked += 1
    assert checked > N_PEOPLE / 50


# --- Identity numbers --------------------------------------------------------------------------


def test_every_cccd_matches_its_holder(people: list[SynthPerson]) -> None:
    cards = [person for person in people if person.cccd is not None]
    assert cards
    for person in cards:
        assert person.cccd is not None
        errors = check_cccd(person.cccd, birth_year=person.birth_date.year, sex=person.sex)
        assert errors == [], (person, [error.code for error in errors])


def test_cccds_are_unique_and_mostly_from_quang_ninh(people: list[SynthPerson]) -> None:
    cccds = [person.cccd for person in people if person.cccd is not None]
    assert len(cccds) == len(set(cccds))
    home = sum(cccd.startswith("022") for cccd in cccds) / len(cccds)
    assert 0.80 <= home <= 0.90
    assert {cccd[:3] for cccd in cccds} >= {"022", "031", "030", "024", "020", "034", "036", "001"}


def test_children_under_14_have_no_card_and_most_adults_have_one(
    people: list[SynthPerson],
) -> None:
    assert all(person.cccd is None for person in people if age_on(person) < 14)
    adults = [person for person in people if age_on(person) >= 18]
    assert sum(person.cccd is not None for person in adults) / len(adults) > 0.9


def test_phones_are_valid_unique_mobile_numbers(people: list[SynthPerson]) -> None:
    phones = [person.phone for person in people if person.phone is not None]
    assert len(phones) == len(set(phones))
    for phone in phones:
        assert normalize_phone(phone) == phone


def test_phone_ownership_by_age_and_carrier(people: list[SynthPerson]) -> None:
    assert all(person.phone is None for person in people if age_on(person) < 12)
    elderly = [person for person in people if age_on(person) >= 65]
    without = sum(person.phone is None for person in elderly) / len(elderly)
    assert 0.05 <= without <= 0.25
    carriers = Counter(
        CARRIER_BY_PREFIX["0" + person.phone[3:5]] for person in people if person.phone
    )
    total = sum(carriers.values())
    assert carriers["Viettel"] / total == pytest.approx(0.50, abs=0.02)
    assert carriers["Vinaphone"] / total == pytest.approx(0.25, abs=0.02)
    assert carriers["MobiFone"] / total == pytest.approx(0.20, abs=0.02)


# --- Names -------------------------------------------------------------------------------------


def test_nguyen_share(people: list[SynthPerson]) -> None:
    share = sum(person.family_name == "Nguyễn" for person in people) / len(people)
    assert 0.33 <= share <= 0.43


def test_names_are_nfc_and_consistent(people: list[SynthPerson]) -> None:
    for person in people:
        for text in (person.full_name, person.family_name, person.middle_name, person.given_name):
            assert unicodedata.is_normalized("NFC", text)
            assert text == text.strip()
        assert person.full_name == f"{person.family_name} {person.middle_name} {person.given_name}"
        assert unicodedata.is_normalized("NFC", person.occupation)


def test_older_women_are_mostly_thi_and_younger_ones_more_varied(
    people: list[SynthPerson],
) -> None:
    def thi_share(women: list[SynthPerson]) -> float:
        return sum(w.middle_name.startswith("Thị") for w in women) / len(women)

    women = [person for person in people if person.sex == "female"]
    older = [w for w in women if w.birth_date.year < 1970]
    younger = [w for w in women if w.birth_date.year >= 1995]
    assert thi_share(older) > 0.75
    assert thi_share(younger) < 0.45
    assert len({w.given_name for w in women}) >= 80
    assert len({p.given_name for p in people if p.sex == "male"}) >= 80


# --- Occupations and health --------------------------------------------------------------------


def test_occupations_follow_age(people: list[SynthPerson]) -> None:
    assert {p.occupation for p in people if age_on(p) < 6} == {"Trẻ em"}
    assert {p.occupation for p in people if 6 <= age_on(p) < 15} == {"Học sinh"}
    adults = Counter(p.occupation for p in people if 23 <= age_on(p) < 55)
    assert {"Thợ mỏ", "Ngư dân", "Công nhân", "Nông dân"} <= set(adults)
    assert "Hưu trí" not in adults


def test_no_coal_miners_outside_quang_ninh() -> None:
    elsewhere = first_people(PopulationGenerator(seed=4, province_code="01"), 5_000)
    assert all(person.occupation != "Thợ mỏ" for person in elsewhere)
    cccds = [person.cccd for person in elsewhere if person.cccd]
    assert sum(cccd.startswith("001") for cccd in cccds) / len(cccds) > 0.8


def test_comorbidities_rise_with_age(people: list[SynthPerson]) -> None:
    assert all(set(person.comorbidities) <= set(COMORBIDITIES) for person in people)
    assert all(
        list(person.comorbidities) == sorted(person.comorbidities, key=COMORBIDITIES.index)
        for person in people
    )
    over_50 = [person for person in people if age_on(person) >= 50]
    adults = [person for person in people if age_on(person) >= 18]
    young = [person for person in people if 18 <= age_on(person) < 40]
    old = [person for person in people if age_on(person) >= 60]

    def share(group: list[SynthPerson], code: str) -> float:
        return sum(code in person.comorbidities for person in group) / len(group)

    assert 0.20 <= share(over_50, "hypertension") <= 0.30
    assert 0.05 <= share(adults, "diabetes") <= 0.09
    assert share(old, "diabetes") > 3 * share(young, "diabetes")
    assert share(old, "cardiovascular") > 3 * share(young, "cardiovascular")


def test_pregnancies_only_among_women_18_to_45(people: list[SynthPerson]) -> None:
    pregnant = [person for person in people if person.pregnancy_week is not None]
    assert all(p.sex == "female" and 18 <= age_on(p) <= 45 for p in pregnant)
    assert all(p.pregnancy_week is not None and 4 <= p.pregnancy_week <= 42 for p in pregnant)
    women = [p for p in people if p.sex == "female" and 18 <= age_on(p) <= 45]
    assert 0.015 <= len(pregnant) / len(women) <= 0.04


# --- Village names -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["Phường", "Thị trấn", "phuong"])
def test_urban_units_are_numbered(kind: str) -> None:
    names = village_names(kind, 9, random.Random(1))
    assert names in (
        [f"Khu {n}" for n in range(1, 10)],
        [f"Tổ dân phố {n}" for n in range(1, 10)],
    )


def test_commune_villages_are_unique_thon_names() -> None:
    for seed in range(20):
        names = village_names("Xã", 15, random.Random(seed))
        assert len(names) == len(set(names)) == 15
        assert all(name.startswith("Thôn ") for name in names)
        assert all(unicodedata.is_normalized("NFC", name) for name in names)


def test_mountain_communes_have_ban() -> None:
    names = village_names("Xã", 12, random.Random(3), mountain=True)
    assert len(set(names)) == 12
    assert sum(name.startswith("Bản ") for name in names) >= 6


def test_many_villages_fall_back_to_numbers_without_duplicates() -> None:
    names = village_names("Xã", 80, random.Random(2))
    assert len(names) == len(set(names)) == 80


def test_village_names_are_deterministic_and_checked() -> None:
    assert village_names("Xã", 10, random.Random(9)) == village_names("Xã", 10, random.Random(9))
    with pytest.raises(ValueError, match="commune kind"):
        village_names("Huyện", 3, random.Random(1))
