"""Seeded synthetic patients as FHIR resources, for the demo and the tests. Synthetic only.

English and Spanish names (accents, two surnames, hyphens, apostrophes), households that
share a phone number (screen pop with several candidates), minors with a parent and
sometimes a guardian, representatives with limited scopes, expired and revoked consents.
Phone numbers are in the fictional 555-01xx range and SSNs start with 9 (never issued).
Every patient also gets the data behind each field group
(:mod:`agent_desktop.directory.synthetic_clinical`), in the patient's language.

    python -m agent_desktop.directory.synthetic OUT.json [--seed 7] [--patients 40]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent_desktop.directory.fhir import (
    MEMBER_ID_SYSTEM,
    PASSCODE_URL,
    SSN_SYSTEM,
    V2_0203,
    consent_resource,
    human_name,
    related_person_resource,
)
from agent_desktop.directory.group_resources import CLINICAL_TYPES
from agent_desktop.directory.synthetic_clinical import add_demographics, clinical_resources
from agent_desktop.verify.script import FIELD_GROUPS

ENGLISH_GIVEN = ["James", "Mary", "Robert", "Patricia", "Mary-Kate", "Siobhán", "Liam", "Chloé", "Zoë",
                 "Noah", "Olivia", "Jean-Luc", "Ann Marie", "Ethan", "Grace", "Declan"]
ENGLISH_FAMILY = ["Smith", "Johnson", "O'Brien", "D'Angelo", "Smith-Jones", "MacDonald", "Williams",
                  "O'Neill", "Brown", "Taylor-Reed", "Nguyen", "Baker"]
SPANISH_GIVEN = ["José", "María", "Ángel", "Sofía", "Lucía", "Iñaki", "Ramón", "Inés", "Héctor",
                 "María José", "Juan Pablo", "Begoña", "Raúl", "Núria"]
SPANISH_FAMILY = ["García", "López", "Martínez", "Núñez", "Pérez", "Sánchez", "Gómez", "Díaz",
                  "Ortega", "Muñoz", "Jiménez", "Ibáñez", "Peña", "Cortés"]
PASSWORDS = ["blue heron", "girasol azul", "maple leaf", "tortuga verde", "río claro", "paper moon",
             "luna llena", "copper kettle"]


def _person(rng: random.Random, spanish: bool) -> tuple[list[str], list[str]]:
    if spanish:
        given = rng.choice(SPANISH_GIVEN).split()
        first, second = rng.sample(SPANISH_FAMILY, 2)
        return given, [first, second]
    return rng.choice(ENGLISH_GIVEN).split(), [rng.choice(ENGLISH_FAMILY)]


def _phone(rng: random.Random) -> str:
    return f"+1-{rng.randint(201, 989)}-555-01{rng.randint(0, 99):02d}"


def _zip(rng: random.Random) -> str:
    base = f"{rng.randint(10000, 99899):05d}"
    return f"{base}-{rng.randint(1000, 9999)}" if rng.random() < 0.3 else base


def _birth(rng: random.Random, today: dt.date, min_age: int, max_age: int) -> dt.date:
    days = rng.randint(min_age * 366, max_age * 365)
    return today - dt.timedelta(days=days)


def generate(seed: int = 7, patients: int = 40, today: dt.date | None = None) -> dict[str, list[dict[str, Any]]]:
    """The directory's data: ``{"Patient": [...], "RelatedPerson": [...], "Consent": [...], ...}``
    with every field group's resources (:data:`CLINICAL_TYPES`) for every patient."""
    rng = random.Random(seed)
    today = today or dt.date(2026, 11, 28)
    out: dict[str, list[dict[str, Any]]] = {"Patient": [], "RelatedPerson": [], "Consent": []}
    out.update({t: [] for t in CLINICAL_TYPES})
    household_phone: str | None = None
    household_family: list[str] = []
    for n in range(1, patients + 1):
        pid = f"pat-{seed:02d}{n:04d}"
        spanish = rng.random() < 0.5
        given, family = _person(rng, spanish)
        minor = n % 5 == 0
        # every 7th patient shares the previous patient's phone and surnames (a household)
        if n % 7 == 0 and household_phone:
            phone, family = household_phone, list(household_family)
        else:
            phone = _phone(rng)
        household_phone, household_family = phone, list(family)
        birth = _birth(rng, today, 2, 17) if minor else _birth(rng, today, 19, 95)
        zip_code = _zip(rng)
        patient: dict[str, Any] = {
            "resourceType": "Patient",
            "id": pid,
            "active": True,
            "identifier": [
                {"type": {"coding": [{"system": V2_0203, "code": "MB"}]}, "system": MEMBER_ID_SYSTEM,
                 "value": f"{rng.choice(['QZX', 'KLM', 'HPA'])}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"},
                {"system": SSN_SYSTEM, "value": f"9{rng.randint(0, 99):02d}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"},
            ],
            "name": [human_name(given, family)],
            "telecom": [{"system": "phone", "value": phone, "use": "home"}],
            "birthDate": birth.isoformat(),
            "address": [{"use": "home", "postalCode": zip_code, "country": "US"}],
            "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es" if spanish else "en"}]},
                               "preferred": True}],
        }
        if rng.random() < 0.6:
            patient["extension"] = [{"url": PASSCODE_URL, "valueString": rng.choice(PASSWORDS)}]
        out["Patient"].append(patient)
        # the groups' data comes from its own generator per patient: the identities above stay
        # what they were for a given seed
        clinical = random.Random(f"{seed}:{pid}")
        add_demographics(patient, clinical)
        for rtype, resources in clinical_resources(pid, patient, spanish=spanish, minor=minor, today=today,
                                                   rng=clinical).items():
            out[rtype].extend(resources)

        reps: list[tuple[str, set[str], dt.date | None, str]] = []
        if minor:
            reps.append(("parent", set(FIELD_GROUPS), None, "active"))
            if n % 10 == 0:
                reps.append(("guardian", {"demographics", "appointments", "billing"},
                             today + dt.timedelta(days=rng.randint(200, 2000)), "active"))
        else:
            if rng.random() < 0.5:
                scope = set(rng.sample(FIELD_GROUPS, rng.randint(1, 3)))
                reps.append(("spouse" if rng.random() < 0.5 else "child", scope,
                             today + dt.timedelta(days=rng.randint(30, 700)), "active"))
            if n % 4 == 1:  # an expired consent
                reps.append(("family", {"appointments"}, today - dt.timedelta(days=rng.randint(1, 400)), "active"))
            if n % 9 == 3:
                reps.append(("poa", {"demographics", "billing", "appointments"}, None, "active"))
            if n % 11 == 5:  # a revoked consent
                reps.append(("sibling", {"appointments"}, None, "inactive"))
        for i, (relationship, scope, end, status) in enumerate(reps, start=1):
            rid = f"rel-{seed:02d}{n:04d}-{i}"
            r_given, r_family = _person(rng, spanish)
            if relationship == "parent":
                r_family = [family[0]] if spanish else list(family)
                r_family = r_family + ([rng.choice(SPANISH_FAMILY)] if spanish else [])
            out["RelatedPerson"].append(related_person_resource(
                patient_id=pid, relationship=relationship, given=r_given, family=r_family,
                phone=phone if relationship == "parent" else _phone(rng), rp_id=rid,
                birth_date=_birth(rng, today, 25, 80),
                zip_code=zip_code if rng.random() < 0.7 else None,
                passcode=rng.choice(PASSWORDS) if rng.random() < 0.5 else None))
            start = today - dt.timedelta(days=rng.randint(400, 900))
            out["Consent"].append(consent_resource(
                patient_id=pid, actor_ref=f"RelatedPerson/{rid}", groups=scope, start=start, end=end,
                status=status, consent_id=f"consent-{seed:02d}{n:04d}-{i}"))
    return out


def write_data_file(path: Path, seed: int = 7, patients: int = 40, today: dt.date | None = None) -> Path:
    """Write the server's ``--directory-data`` file atomically (0600: synthetic, but PHI-shaped)."""
    data = generate(seed, patients, today)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".directory-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write synthetic FHIR patients for the directory server.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--patients", type=int, default=40)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    write_data_file(args.out, args.seed, args.patients, args.today)
    print(f"{args.out}: {args.patients} synthetic patients (seed {args.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
