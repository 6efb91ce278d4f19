"""Diagnostics as text lines, a JSON list, or a SARIF 2.1.0 log for code-scanning tools."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from arazzo_engine._version import __version__

from ._diagnostic import Diagnostic
from ._registry import RULES, SCHEMA_RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: Rule ids the driver and the CLI use for problems outside any rule.
EXTRA_RULES = {
    "document": "the file can be read and parsed as YAML or JSON",
    "internal": "a rule failed on this document (a bug in arazzo-engine)",
}


def render_text(diagnostics: Sequence[Diagnostic]) -> str:
    return "".join(f"{d}\n" for d in diagnostics)


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diagnostics], indent=2) + "\n"


def render_sarif(diagnostics: Sequence[Diagnostic]) -> str:
    summaries = {**SCHEMA_RULES, **{r.id: r.summary for r in RULES.values()}, **EXTRA_RULES}
    levels = {r.id: r.severity for r in RULES.values()}
    ids = sorted(summaries)
    rules = [
        {
            "id": rule_id,
            "shortDescription": {"text": summaries[rule_id]},
            "defaultConfiguration": {"level": levels.get(rule_id, "error")},
            "helpUri": f"https://github.com/arazzo-engine/arazzo-engine/blob/main/docs/rules.md#{rule_id}",
        }
        for rule_id in ids
    ]
    results = [_sarif_result(d, ids.index(d.rule) if d.rule in ids else None)
               for d in diagnostics]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "arazzo-engine",
                "version": __version__,
                "informationUri": "https://github.com/arazzo-engine/arazzo-engine",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2) + "\n"


def _sarif_location(file: str, line: int, column: int) -> dict[str, object]:
    return {
        "artifactLocation": {"uri": file.replace("\\", "/")},
        "region": {"startLine": line, "startColumn": column},
    }


def _sarif_result(diagnostic: Diagnostic, rule_index: int | None) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": diagnostic.rule,
        "level": diagnostic.severity,
        "message": {"text": diagnostic.text()},
        "locations": [{
            "physicalLocation": _sarif_location(diagnostic.file, diagnostic.line,
                                                diagnostic.column),
            "logicalLocations": [{"fullyQualifiedName": diagnostic.pointer or "/",
                                  "kind": "member"}],
        }],
    }
    if diagnostic.related:  # what is folded into it, each where it is (SARIF 3.27.22)
        result["relatedLocations"] = [
            {"id": number,
             "physicalLocation": _sarif_location(related.file, related.line, related.column),
             "message": {"text": f"{related.severity} [{related.rule}]: {related.message}"
                                 + (f" (hint: {related.hint})" if related.hint else "")}}
            for number, related in enumerate(diagnostic.related, start=1)
        ]
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    return result


FORMATS: dict[str, Callable[[Sequence[Diagnostic]], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
}


def render(diagnostics: Sequence[Diagnostic], format: str = "text") -> str:
    """The diagnostics in one of `FORMATS` (text, json, sarif)."""
    return FORMATS[format](diagnostics)
