"""Finding the person behind a check-in from a chip ID card QR, with a best guess of the
commune from the card's address. Persons are always found or created by the registry's
``vungxanh.people.actions.identify_person``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vungxanh.core.scoping import scope_of
from vungxanh.geo.models import AdminUnit
from vungxanh.people.actions import identify_person
from vungxanh.people.identity import CccdQr, fold_name
from vungxanh.people.models import Person


def guess_unit(address: str, province: AdminUnit) -> AdminUnit:
    """The commune (or the province when unsure) an address written on an ID card names:
    the current commune whose name, and whose district's name, appear in the address."""
    folded = fold_name(address)
    if not folded:
        return province
    best: tuple[int, AdminUnit] | None = None
    communes = (
        AdminUnit.objects.current()
        .communes()
        .filter(path__startswith=province.path)
        .select_related("parent")
    )
    for commune in communes:
        name = fold_name(commune.name)
        if name not in folded:
            continue
        score = len(name) + (
            50 if commune.parent and fold_name(commune.parent.name) in folded else 0
        )
        if best is None or score > best[0]:
            best = (score, commune)
    return best[1] if best else province


def card_agrees(person: Person, qr: CccdQr) -> bool:
    """The card's folded name is the record's, and its date of birth the record's (or, when
    the record has only a year of birth, its year)."""
    if fold_name(qr.full_name) != person.name_folded:
        return False
    if person.birth_date is not None:
        return person.birth_date == qr.birth_date
    return person.birth_year == qr.birth_date.year


def identify_from_cccd_qr(
    *, actor: Any, qr: CccdQr, province: AdminUnit, venue_unit: AdminUnit, source: str
) -> tuple[Person, bool]:
    """The person a chip ID card QR names, created from the card when unknown. The card's
    address places them in a commune of the province when it names one; otherwise (a
    visitor from another province) they are placed where the venue is, with the card's
    full address kept as written.

    A known number is accepted only when the card's name (without diacritics) and date of
    birth agree with the record: venue staff may type or paste any text, and must learn
    neither the name behind a number nor check a stranger in under it. The refusal names
    nothing of the record (ValidationError, code ``card_mismatch``)."""
    known = Person.objects.current().filter(cccd=qr.cccd).first()
    if known is not None:
        if not card_agrees(known, qr):
            raise ValidationError(
                _(
                    "The name or the date of birth on this ID card does not match the record "
                    "of its citizen ID number, so nobody was checked in. Ask the visitor to "
                    "scan the venue's QR code instead; the commune health station can correct "
                    "the record."
                ),
                code="card_mismatch",
            )
        return known, False
    unit = guess_unit(qr.address, province)
    if unit.level < AdminUnit.Level.COMMUNE:
        unit = venue_unit
    # Venue staff present the visitor's own card: when they may not register persons there,
    # the record is created as the resident's own (the check-in's audit event names them).
    creator = actor if scope_of(actor).covers("people.add_person", "add", unit.path) else None
    return identify_person(
        actor=creator,
        cccd=qr.cccd,
        phone="",
        full_name=qr.full_name,
        birth_year=qr.birth_date.year,
        birth_date=qr.birth_date,
        sex=qr.sex,
        residence_unit=unit,
        address=qr.address,
        source=source,
    )
