"""`agent-desktop verify check|simulate`: compliance tests a script before deploying it.

``check`` validates a script (exit 0, or 2 with ``file:line: problem`` per error).
``simulate`` runs the engine headless over a patient record and a list of answers and
prints the outcome as JSON (format in docs/verification.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from agent_desktop.cli.context import EXIT_CONFIG, EXIT_FAIL, EXIT_OK, CliContext
from agent_desktop.verify.engine import Status, Verification, VerifyError
from agent_desktop.verify.matchers import Result
from agent_desktop.verify.record import (
    IDENTIFIERS,
    PatientRecord,
    RecordError,
    Representative,
    record_from_json,
    representative_from_json,
)
from agent_desktop.verify.script import Script, ScriptError, load_configured_script, load_script


def register(sub: Any) -> None:
    p = sub.add_parser("verify", help="check or simulate an identity-verification script")
    actions = p.add_subparsers(dest="verify_action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate a verification script")
    check.add_argument("file", type=Path)
    check.set_defaults(func=run_check)
    sim = actions.add_parser("simulate", help="run a script over a patient record and answers")
    sim.add_argument("--script", type=Path, help="script file (default: the policy's verification.script)")
    sim.add_argument("--patient", type=Path, required=True, help="patient record JSON")
    sim.add_argument("--caller-type", required=True, help="caller type defined by the script")
    sim.add_argument("--answers", type=Path, required=True, help='JSON list of ["identifier", "typed text"]')
    sim.add_argument("--role", default="agent", help="the agent's role (default: agent)")
    sim.add_argument("--representative", type=Path, help="the representative who calls (JSON)")
    sim.add_argument("--today", type=dt.date.fromisoformat, help="the date to judge ages and consents by")
    sim.add_argument("--expect", choices=[s.value for s in Status if s is not Status.ASKING],
                     help="exit 1 unless the outcome is this")
    sim.set_defaults(func=run_simulate)


def run_check(args: argparse.Namespace) -> int:
    try:
        script = load_script(args.file)
    except ScriptError as err:
        for problem in err.problems:
            print(problem)
        return EXIT_CONFIG
    print(f"{args.file}: ok (script {script.name!r} version {script.version}, "
          f"{len(script.caller_types)} caller types)")
    return EXIT_OK


class InputError(Exception):
    pass


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what} file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read the {what} file ({type(err).__name__})") from None
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None


def _answers(raw: Any, path: Path) -> list[tuple[str, str]]:
    if not isinstance(raw, list):
        raise InputError(f"{path}: expected a JSON list of [identifier, typed text] pairs")
    out = []
    for i, item in enumerate(raw):
        if (not isinstance(item, list) or len(item) != 2 or not all(isinstance(x, str) for x in item)):
            raise InputError(f"{path}: answer {i + 1}: expected [identifier, typed text]")
        if item[0] not in IDENTIFIERS:
            raise InputError(f"{path}: answer {i + 1}: unknown identifier {item[0]!r} "
                             f"(known: {', '.join(IDENTIFIERS)})")
        out.append((item[0], item[1]))
    return out


def _representative(raw: Any, record: PatientRecord, path: Path) -> Representative:
    if isinstance(raw, dict) and set(raw) == {"id"} and isinstance(raw["id"], str):
        listed = record.representative(raw["id"])
        if listed is None:
            raise InputError(f"{path}: representative {raw['id']!r} is not on the patient's list; "
                             "give the full representative object to simulate an unlisted caller")
        return listed
    try:
        return representative_from_json(raw)
    except RecordError as err:
        raise InputError(f"{path}: {err}") from None


def simulate(script: Script, record: PatientRecord, caller_type: str, answers: list[tuple[str, str]],
             *, role: str, today: dt.date, representative: Representative | None) -> dict[str, Any]:
    """Run the engine over the answers; the result is PHI-free (identifier types and results)."""
    v = Verification(script, caller_type, record, role, today=today, representative=representative)
    answered: list[dict[str, Any]] = []
    unused = 0
    for number, (identifier, typed) in enumerate(answers, start=1):
        prompt = v.prompt
        if prompt is None:
            unused += 1
            continue
        entry: dict[str, Any] = {"answer": number, "stage": prompt.stage, "identifier": identifier}
        try:
            got = v.answer(identifier, typed)
        except VerifyError:
            entry.update(result="not_asked", asked=list(prompt.identifiers))
        else:
            entry["result"] = str(got.result)
            if got.result is Result.ASK_AGAIN:
                entry.update(problem=got.problem, expected=got.expected)
        answered.append(entry)
    prompt = v.prompt
    return {
        "outcome": str(v.status),
        "reason": v.reason,
        "caller_type": caller_type,
        "role": role,
        "groups": sorted(v.groups),
        "failures": v.failures,
        "answers": answered,
        "unused_answers": unused,
        "waiting_for": None if prompt is None else {"stage": prompt.stage,
                                                      "identifiers": list(prompt.identifiers),
                                                      "needed": prompt.needed},
        "steps": v.outcome()["steps"],
    }


def run_simulate(args: argparse.Namespace) -> int:
    try:
        if args.script is not None:
            script = load_script(args.script)
        else:
            script = load_configured_script(CliContext.create(log_to_file=False).settings.get("verification.script"))
        try:
            record = record_from_json(_read_json(args.patient, "patient"))
        except RecordError as err:
            raise InputError(f"{args.patient}: {err}") from None
        answers = _answers(_read_json(args.answers, "answers"), args.answers)
        rep = (_representative(_read_json(args.representative, "representative"), record, args.representative)
               if args.representative else None)
        result = simulate(script, record, args.caller_type, answers, role=args.role,
                          today=args.today or dt.date.today(), representative=rep)
    except ScriptError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        return EXIT_CONFIG
    except (InputError, VerifyError) as err:
        print(f"agent-desktop verify simulate: {err}", file=sys.stderr)
        return EXIT_CONFIG
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.expect and result["outcome"] != args.expect:
        print(f"expected {args.expect}, got {result['outcome']} ({result['reason'] or 'no reason'})",
              file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK
