"""Synthetic people for the verification tests (invented; any likeness is accidental)."""

from __future__ import annotations

import datetime as dt

from agent_desktop.verify.record import Authorization, PatientRecord, Person, Representative

TODAY = dt.date(2026, 11, 28)

ROSA = Person(given=("Rosa", "Elena"), family=("Martínez", "Ortega"), birth_date=dt.date(1958, 7, 21),
              zip="78205-1422", member_id="QZX-4471-0935", ssn_last4="6620", passcode="girasol azul",
              phone="210-555-0147")
ANA = Person(given=("Ana",), family=("Martínez",), birth_date=dt.date(1985, 2, 3), passcode="tortuga",
             phone="210-555-0199")
TOM = Person(given=("Thomas",), family=("O'Neill",), birth_date=dt.date(1955, 1, 9), zip="02134")


def rep(rep_id: str, person: Person, relationship: str, scope: set[str], *,
        expires: dt.date | None = None, status: str = "active") -> Representative:
    return Representative(rep_id, person, Authorization(relationship, frozenset(scope), expires, status))


ROSA_RECORD = PatientRecord(
    id="pat-rosa",
    person=ROSA,
    representatives=(
        rep("rel-ana", ANA, "child", {"appointments", "medications"}, expires=dt.date(2027, 6, 1)),
        rep("rel-tom", TOM, "poa", {"demographics", "appointments", "billing"}),
        rep("rel-old", Person(("Luis",), ("Ortega",), dt.date(1950, 5, 5)), "family",
            {"appointments"}, expires=dt.date(2025, 1, 1)),
        rep("rel-revoked", Person(("Marta",), ("Ruiz",), dt.date(1970, 8, 8)), "family",
            {"appointments"}, status="inactive"),
    ),
)

# A minor (12 on TODAY) with a parent and a court-appointed guardian.
MATEO = Person(given=("Mateo",), family=("Núñez", "Díaz"), birth_date=dt.date(2014, 9, 30), member_id="KLM778812")
CARMEN = Person(given=("Carmen",), family=("Díaz",), birth_date=dt.date(1988, 12, 1), zip="33101")
JUAN = Person(given=("Juan", "Pablo"), family=("Núñez",), birth_date=dt.date(1986, 4, 17), passcode="rio grande")
MATEO_RECORD = PatientRecord(
    id="pat-mateo",
    person=MATEO,
    representatives=(
        rep("rel-carmen", CARMEN, "parent", {"demographics", "appointments", "medications", "lab_results"}),
        rep("rel-juan", JUAN, "guardian", {"demographics", "appointments", "billing"},
            expires=dt.date(2030, 1, 1)),
    ),
)

ALL_GROUPS = {"demographics", "appointments", "medications", "lab_results", "care_plan", "billing"}
