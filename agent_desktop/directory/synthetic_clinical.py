"""Synthetic clinical data behind the field groups, one patient at a time. Synthetic only.

Each patient gets demographics (address, e-mail, gender), a few conditions with a care plan,
the medications and lab results that go with them, appointments (past, upcoming and
cancelled), a coverage and recent claims, with free text in the patient's language
(English or Spanish). Every resource carries the HL7 ``HTEST`` security label (test data);
e-mails are at example.org, claim and group numbers start with ``SYN``. The caller passes
a random generator seeded per patient, so adding data here never changes the identities
that :mod:`agent_desktop.directory.synthetic` draws.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass
from typing import Any

from agent_desktop.directory.group_resources import CLINICAL_TYPES

HTEST = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HTEST",
         "display": "test health data"}
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
EN, ES = 0, 1  # index into the (English, Spanish) pairs below


@dataclass(frozen=True)
class Lab:
    loinc: str
    name: tuple[str, str]
    unit: str
    low: float
    high: float
    spread: tuple[float, float]
    decimals: int


@dataclass(frozen=True)
class Condition:
    snomed: str
    icd10: str
    name: tuple[str, str]
    rxnorm: str
    drug: tuple[str, str]
    dose: tuple[str, str]
    labs: tuple[str, ...]
    goal: tuple[str, str]
    activity: tuple[str, str]
    specialty: tuple[str, str]
    adult_only: bool = True


LABS = {
    "hba1c": Lab("4548-4", ("Hemoglobin A1c", "Hemoglobina A1c"), "%", 4.0, 5.6, (5.0, 9.4), 1),
    "glucose": Lab("2345-7", ("Glucose", "Glucosa"), "mg/dL", 70, 99, (78, 185), 0),
    "ldl": Lab("13457-7", ("LDL cholesterol", "Colesterol LDL"), "mg/dL", 0, 99, (62, 188), 0),
    "creatinine": Lab("2160-0", ("Creatinine", "Creatinina"), "mg/dL", 0.6, 1.3, (0.5, 1.8), 2),
    "potassium": Lab("2823-3", ("Potassium", "Potasio"), "mmol/L", 3.5, 5.1, (3.2, 5.6), 1),
    "tsh": Lab("3016-3", ("TSH", "TSH (tirotropina)"), "mIU/L", 0.4, 4.0, (0.2, 7.4), 2),
    "hemoglobin": Lab("718-7", ("Hemoglobin", "Hemoglobina"), "g/dL", 12.0, 17.5, (10.6, 16.9), 1),
}

CONDITIONS = [
    Condition("38341003", "I10", ("Essential hypertension", "Hipertensión esencial"), "314076",
              ("Lisinopril 10 mg oral tablet", "Lisinopril 10 mg tableta oral"),
              ("Take 1 tablet by mouth every morning", "Tomar 1 tableta por vía oral cada mañana"),
              ("potassium", "creatinine"), ("Blood pressure below 130/80", "Presión arterial por debajo de 130/80"),
              ("Check blood pressure at home 3 times a week", "Medir la presión en casa 3 veces por semana"),
              ("Cardiology", "Cardiología")),
    Condition("44054006", "E11.9", ("Type 2 diabetes mellitus", "Diabetes mellitus tipo 2"), "861007",
              ("Metformin 500 mg oral tablet", "Metformina 500 mg tableta oral"),
              ("Take 1 tablet by mouth twice a day with meals",
               "Tomar 1 tableta por vía oral dos veces al día con las comidas"),
              ("hba1c", "glucose"), ("HbA1c below 7%", "HbA1c por debajo del 7 %"),
              ("Walk 30 minutes, 5 days a week", "Caminar 30 minutos, 5 días a la semana"),
              ("Endocrinology", "Endocrinología")),
    Condition("55822004", "E78.5", ("Hyperlipidemia", "Hiperlipidemia"), "617310",
              ("Atorvastatin 20 mg oral tablet", "Atorvastatina 20 mg tableta oral"),
              ("Take 1 tablet by mouth at bedtime", "Tomar 1 tableta por vía oral al acostarse"),
              ("ldl",), ("LDL cholesterol below 100 mg/dL", "Colesterol LDL por debajo de 100 mg/dL"),
              ("Follow a low-fat diet plan", "Seguir un plan de alimentación bajo en grasas"),
              ("Primary care", "Atención primaria")),
    Condition("40930008", "E03.9", ("Hypothyroidism", "Hipotiroidismo"), "966222",
              ("Levothyroxine 50 mcg oral tablet", "Levotiroxina 50 mcg tableta oral"),
              ("Take 1 tablet on an empty stomach every morning", "Tomar 1 tableta en ayunas cada mañana"),
              ("tsh",), ("TSH within the reference range", "TSH dentro del rango de referencia"),
              ("Recheck TSH every 6 months", "Repetir TSH cada 6 meses"),
              ("Endocrinology", "Endocrinología")),
    Condition("195967001", "J45.909", ("Asthma", "Asma"), "745679",
              ("Albuterol 90 mcg/actuation inhaler", "Salbutamol 90 mcg/inhalación inhalador"),
              ("Inhale 2 puffs every 4 to 6 hours as needed for wheezing",
               "Inhalar 2 disparos cada 4 a 6 horas si hay silbidos al respirar"),
              ("hemoglobin",), ("No night-time symptoms", "Sin síntomas nocturnos"),
              ("Use the asthma action plan; avoid smoke", "Seguir el plan de acción para el asma; evitar el humo"),
              ("Pulmonology", "Neumología"), adult_only=False),
    Condition("61582004", "J30.9", ("Allergic rhinitis", "Rinitis alérgica"), "1014678",
              ("Cetirizine 10 mg oral tablet", "Cetirizina 10 mg tableta oral"),
              ("Take 1 tablet by mouth once daily", "Tomar 1 tableta por vía oral una vez al día"),
              (), ("Sleep through the night without congestion", "Dormir toda la noche sin congestión"),
              ("Rinse the nose with saline each evening", "Lavado nasal con suero salino cada noche"),
              ("Allergy", "Alergología"), adult_only=False),
]

PRACTITIONERS = ["Dr. Amelia Hartwell", "Dr. Rafael Ocampo", "Dr. Priya Venkataraman", "Dr. Tomás Echeverría",
                 "Dr. Nora Lindqvist", "Dr. Samuel Okafor", "Dr. Lucía Barrientos", "Dr. Owen Castellanos"]
LOCATIONS = ["Northside Clinic, Building B", "Riverside Medical Center, 3rd floor", "Clínica Las Palmas",
             "Eastgate Family Health", "Lakeview Specialty Center, Suite 210"]
STREETS = ["Maple Avenue", "Calle del Sol", "Oak Street", "Avenida Las Flores", "Cedar Lane", "Camino Real",
           "Birch Road", "Pine Hollow Drive"]
CITIES = [("San Antonio", "TX"), ("El Paso", "TX"), ("Tucson", "AZ"), ("Miami", "FL"), ("Fresno", "CA"),
          ("Albuquerque", "NM"), ("Columbus", "OH"), ("Raleigh", "NC")]
PAYERS = [("Cedar Mutual Health", "Silver PPO"), ("Riverbend Care Plan", "Gold HMO"),
          ("Lone Star Community Health", "Bronze EPO"), ("Bluewater Health Alliance", "Platinum PPO")]
FEMALE = {"Mary", "Patricia", "Mary-Kate", "Siobhán", "Chloé", "Zoë", "Olivia", "Ann", "Grace", "María",
          "Sofía", "Lucía", "Inés", "Begoña", "Núria"}
VISITS = [(("Office visit", "Consulta médica"), 160, 240), (("Laboratory panel", "Análisis de laboratorio"), 80, 190),
          (("Follow-up visit", "Consulta de seguimiento"), 120, 180), (("Imaging", "Estudio de imagen"), 300, 900)]
REASONS = (("Follow-up", "Control"), ("Annual check-up", "Revisión anual"), ("Lab work", "Análisis"))


def _meta() -> dict[str, Any]:
    return {"security": [dict(HTEST)]}


def _ref(pid: str) -> dict[str, str]:
    return {"reference": f"Patient/{pid}"}


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isalnum() and ord(c) < 128).lower()


def add_demographics(patient: dict[str, Any], rng: random.Random) -> None:
    """Street address, city and state (the ZIP is the identity's), an e-mail and gender."""
    name = patient["name"][0]
    city, state = rng.choice(CITIES)
    patient["address"][0].update({"line": [f"{rng.randint(100, 9899)} {rng.choice(STREETS)}"], "city": city,
                                  "state": state})
    user = f"{_ascii(name['given'][0])}.{_ascii(name['family'].split()[0])}"
    patient["telecom"].append({"system": "email", "value": f"{user}@example.org", "use": "home"})
    patient["gender"] = "female" if name["given"][0] in FEMALE else "male"
    patient["meta"] = _meta()


def _instant(day: dt.date, rng: random.Random) -> tuple[str, str]:
    start = dt.datetime.combine(day, dt.time(rng.randint(8, 15), rng.choice((0, 30))))
    return start.isoformat() + "-06:00", (start + dt.timedelta(minutes=30)).isoformat() + "-06:00"


def _weekday(day: dt.date) -> dt.date:
    """Clinics book weekdays: a Saturday or Sunday moves to the Monday."""
    return day + dt.timedelta(days=7 - day.weekday() if day.weekday() >= 5 else 0)


def clinical_resources(pid: str, patient: dict[str, Any], *, spanish: bool, minor: bool, today: dt.date,
                       rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """Every group's resources for one patient (``Patient`` itself carries demographics)."""
    lang = ES if spanish else EN
    usable = [c for c in CONDITIONS if not minor or not c.adult_only]
    conditions = rng.sample(usable, rng.randint(1, min(3, len(usable))))
    doctor = rng.choice(PRACTITIONERS)
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in CLINICAL_TYPES}
    n = 0

    def new_id(kind: str) -> str:
        nonlocal n
        n += 1
        return f"{kind}-{pid.removeprefix('pat-')}-{n}"

    condition_refs = []
    for cond in conditions:
        onset = today - dt.timedelta(days=rng.randint(200, 3000))
        cid = new_id("cond")
        condition_refs.append({"reference": f"Condition/{cid}"})
        out["Condition"].append({
            "resourceType": "Condition", "id": cid, "meta": _meta(), "subject": _ref(pid),
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "verificationStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                      "code": "problem-list-item"}]}],
            "code": {"coding": [{"system": SNOMED, "code": cond.snomed, "display": cond.name[EN]},
                                {"system": ICD10, "code": cond.icd10}], "text": cond.name[lang]},
            "onsetDateTime": onset.isoformat(), "recordedDate": onset.isoformat()})
        out["MedicationRequest"].append({
            "resourceType": "MedicationRequest", "id": new_id("medrx"), "meta": _meta(), "status": "active",
            "intent": "order", "subject": _ref(pid),
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": cond.rxnorm,
                                                      "display": cond.drug[EN]}], "text": cond.drug[lang]},
            "authoredOn": (today - dt.timedelta(days=rng.randint(10, 300))).isoformat(),
            "requester": {"display": doctor},
            "dosageInstruction": [{"text": cond.dose[lang]}],
            "dispenseRequest": {"numberOfRepeatsAllowed": rng.randint(0, 5)}})
    if rng.random() < 0.4:  # a stopped prescription, so the list is not all active
        old = rng.choice(conditions)
        out["MedicationRequest"].append({
            **out["MedicationRequest"][conditions.index(old)], "id": new_id("medrx"), "status": "stopped",
            "authoredOn": (today - dt.timedelta(days=rng.randint(400, 900))).isoformat(),
            "dispenseRequest": {"numberOfRepeatsAllowed": 0}})

    lab_keys = ["hemoglobin", "glucose"] + [k for c in conditions for k in c.labs if k not in ("hemoglobin", "glucose")]
    for when in sorted({today - dt.timedelta(days=rng.randint(5, 60)), today - dt.timedelta(days=rng.randint(150, 220))},
                       reverse=True):
        for key in lab_keys:
            lab = LABS[key]
            value = round(rng.uniform(*lab.spread), lab.decimals)
            flag = "H" if value > lab.high else "L" if value < lab.low else "N"
            ref_range: dict[str, Any] = {"high": {"value": lab.high, "unit": lab.unit}}
            if lab.low:
                ref_range["low"] = {"value": lab.low, "unit": lab.unit}
            out["Observation"].append({
                "resourceType": "Observation", "id": new_id("obs"), "meta": _meta(), "status": "final",
                "category": [{"coding": [{"system": OBS_CATEGORY, "code": "laboratory"}]}],
                "code": {"coding": [{"system": LOINC, "code": lab.loinc, "display": lab.name[EN]}],
                         "text": lab.name[lang]},
                "subject": _ref(pid), "effectiveDateTime": f"{when.isoformat()}T07:45:00-06:00",
                "valueQuantity": {"value": value, "unit": lab.unit, "system": "http://unitsofmeasure.org",
                                  "code": lab.unit},
                "interpretation": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": flag}]}],
                "referenceRange": [ref_range]})

    title = ", ".join(c.name[lang] for c in conditions)
    out["CarePlan"].append({
        "resourceType": "CarePlan", "id": new_id("careplan"), "meta": _meta(), "status": "active",
        "intent": "plan", "subject": _ref(pid), "title": title,
        "period": {"start": (today - dt.timedelta(days=rng.randint(30, 400))).isoformat()},
        "author": {"display": doctor}, "addresses": condition_refs,  # the plan's targets are its notes
        "note": [{"text": c.goal[lang]} for c in conditions],
        "activity": [{"detail": {"status": rng.choice(("in-progress", "scheduled")), "description": c.activity[lang]}}
                     for c in conditions]})

    visits = [(today - dt.timedelta(days=rng.randint(20, 200)), "fulfilled"),
              (today + dt.timedelta(days=rng.randint(7, 45)), "booked"),
              (today + dt.timedelta(days=rng.randint(60, 150)), "booked")]
    if rng.random() < 0.35:
        visits.append((today + dt.timedelta(days=rng.randint(3, 30)), "cancelled"))
    for day, status in visits:
        cond = rng.choice(conditions)
        specialty = ("Pediatrics", "Pediatría") if minor and rng.random() < 0.5 else cond.specialty
        start, end = _instant(_weekday(day), rng)
        reason = rng.choice(REASONS)[lang]
        out["Appointment"].append({
            "resourceType": "Appointment", "id": new_id("appt"), "meta": _meta(), "status": status,
            "serviceType": [{"text": specialty[lang]}], "description": f"{reason}: {cond.name[lang]}",
            "start": start, "end": end, "minutesDuration": 30,
            "participant": [{"actor": _ref(pid), "status": "accepted"},
                            {"actor": {"display": rng.choice(PRACTITIONERS)}, "status": "accepted"},
                            {"actor": {"display": rng.choice(LOCATIONS)}, "status": "accepted"}]})

    payer, plan = rng.choice(PAYERS)
    member = next((i["value"] for i in patient.get("identifier", []) if "member-id" in i.get("system", "")), "")
    coverage_id = new_id("coverage")
    copay = rng.choice((15, 20, 25, 30, 40))
    out["Coverage"].append({
        "resourceType": "Coverage", "id": coverage_id, "meta": _meta(), "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HIP",
                             "display": "health insurance plan policy"}]},
        "subscriberId": member, "beneficiary": _ref(pid),
        "relationship": {"coding": [{"code": "child" if minor else "self"}]},
        "period": {"start": f"{today.year}-01-01"}, "payor": [{"display": payer}],
        "class": [{"type": {"coding": [{"code": "group"}]}, "value": f"SYN-{rng.randint(10000, 99999)}",
                   "name": plan}],
        "costToBeneficiary": [{"type": {"coding": [{"code": "copay"}]},
                               "valueMoney": {"value": copay, "currency": "USD"}}]})
    for _ in range(rng.randint(1, 3)):
        (service, low, high) = rng.choice(VISITS)
        billed = float(rng.randint(low, high))
        paid = round(billed * rng.uniform(0.6, 0.9), 2)
        created = today - dt.timedelta(days=rng.randint(10, 240))
        out["ExplanationOfBenefit"].append({
            "resourceType": "ExplanationOfBenefit", "id": new_id("eob"), "meta": _meta(), "status": "active",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type",
                                 "code": "professional"}]},
            "use": "claim", "patient": _ref(pid), "created": created.isoformat(),
            "identifier": [{"value": f"SYN-CLM-{rng.randint(100000, 999999)}"}],
            "insurer": {"display": payer}, "provider": {"display": doctor}, "outcome": "complete",
            "insurance": [{"focal": True, "coverage": {"reference": f"Coverage/{coverage_id}"}}],
            "item": [{"sequence": 1, "productOrService": {"text": service[lang]}, "servicedDate": created.isoformat()}],
            "total": [{"category": {"coding": [{"system": ADJUDICATION, "code": code}]},
                       "amount": {"value": value, "currency": "USD"}}
                      for code, value in (("submitted", billed), ("benefit", paid), ("copay", float(copay)))],
            "payment": {"amount": {"value": paid, "currency": "USD"}}})
    return out
