"""Reads the expectations written into test documents as comments.

``# expect: rule-id`` (optionally ``rule-id warning``, several separated by commas) marks the
line a diagnostic must be on; a first line ``# validate: --strict`` validates in strict mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MARK = re.compile(r"#\s*expect:\s*(?P<marks>.+?)\s*$")


@dataclass(frozen=True)
class Expected:
    line: int
    rule: str
    severity: str | None


def expectations(path: Path) -> list[Expected]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = MARK.search(line)
        if match:
            for mark in match["marks"].split(","):
                rule, _, severity = mark.strip().partition(" ")
                found.append(Expected(number, rule, severity.strip() or None))
    return found


def is_strict(path: Path) -> bool:
    return path.read_text(encoding="utf-8").startswith("# validate: --strict")
