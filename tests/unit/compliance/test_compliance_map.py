"""docs/compliance.md names, for every safeguard, the tests that prove it: each named test
must exist, so a renamed or deleted test fails here instead of leaving the map stale."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MAP = ROOT / "docs" / "compliance.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")
SAFEGUARDS = ("164.312(a)(1)", "(a)(2)(i)", "(a)(2)(ii)", "(a)(2)(iii)", "(a)(2)(iv)", "164.312(b)",
              "164.312(c)(1)", "(c)(2)", "164.312(d)", "164.312(e)(1)", "(e)(2)(ii)", "164.316(b)(2)(i)")
PRACTICES = ("identity verification before disclosure", "consent for family members and representatives",
             "role-based minimum necessary", "activity logs and their review", "encrypted lines",
             "automatic logoff", "breach containment and scoping", "the patient's right of access")


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_every_test_the_compliance_map_names_exists() -> None:
    text = MAP.read_text(encoding="utf-8")
    references = REFERENCE.findall(text)
    assert len(references) >= 30
    missing = []
    for file, name in references:
        path = ROOT / file
        if not path.is_file() or name not in functions_in(path):
            missing.append(f"{file}::{name}")
    assert not missing, f"docs/compliance.md names tests that do not exist: {missing}"


def test_every_safeguard_and_practice_is_mapped_to_at_least_one_test() -> None:
    lines = MAP.read_text(encoding="utf-8").splitlines()
    for safeguard in (*SAFEGUARDS, *PRACTICES):
        at = next((i for i, line in enumerate(lines)
                   if safeguard in line and line.startswith(("## ", "|"))), None)
        assert at is not None, f"{safeguard} has no heading or row in the compliance map"
        end = next((j for j in range(at + 1, len(lines)) if lines[j].startswith("## ")), len(lines))
        scope = lines[at:end] if lines[at].startswith("## ") else [lines[at]]
        assert REFERENCE.search("\n".join(scope)), f"{safeguard} names no test"
