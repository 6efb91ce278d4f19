"""The rule table: every check is a small function registered under a stable id.

A rule takes the shared `ValidationContext` and yields `Finding`s (message + pointer); the
driver adds the rule id, severity and the file position. Rules never import each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ._context import ValidationContext
from ._diagnostic import Finding, Severity

Check = Callable[[ValidationContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """One semantic rule: ``severity`` is its default, a finding may override it."""

    id: str
    severity: Severity
    summary: str
    check: Check
    strict_only: bool = False


RULES: dict[str, Rule] = {}

#: Rules the JSON Schema itself reports (through ``x-rule``) rather than a function.
SCHEMA_RULES: dict[str, str] = {
    "schema": "the document has the shape the JSON Schema of its Arazzo version (1.0.x or "
              "1.1.x) requires",
    "output-key-pattern": "output names match ^[a-zA-Z0-9.\\-_]+$",
    "component-key-pattern": "component names match ^[a-zA-Z0-9.\\-_]+$",
}


def rule(rule_id: str, severity: Severity, summary: str, *,
         strict_only: bool = False) -> Callable[[Check], Check]:
    """Registers the decorated check under ``rule_id``."""

    def register(check: Check) -> Check:
        if rule_id in RULES or rule_id in SCHEMA_RULES:
            raise ValueError(f"rule {rule_id!r} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, summary, check, strict_only)
        return check

    return register
