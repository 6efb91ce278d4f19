"""One root cause, one diagnostic: findings that one defect explains are folded into it.

A misspelled step id used in twelve expressions, a generator's mistake repeated in every step,
an empty ``workflowId`` that three rules trip over: reported one by one they bury the defect
under its echoes. ``group`` keeps the first (or the defining) diagnostic of each root cause and
folds the rest into its ``related`` list, which every output format shows as a count and
locations (``--all`` lists each one instead). Three things tie diagnostics together, within a
file:

- the same ``cause`` key and severity: rules give the key to findings about the same missing
  thing (``step:/workflows/0:fetch``, ``source:pets``) or about a defining node
  (``node:/workflows/0/steps/1/outputs/bad name``); a warning is never folded with errors, so
  the counts of errors and warnings stay honest;
- the same field: a schema error on a node, and what other rules say about the same node;
- the same message, rule and severity: one mistake repeated (each folded finding keeps its
  own hint: the exact fix for its place);
- the same ``alike`` key, rule and severity: one kind of mistake made about different things
  (another tool's operationPath notation in every step, sixty ``$ref``s to schemas a
  description file lacks), each folded finding keeping its own hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ._diagnostic import Diagnostic, Related, RelatedKind

#: The rule whose findings are the root of a field's other findings (it reports the shape).
SCHEMA = "schema"


class _Union:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, first: int, second: int) -> None:
        a, b = self.find(first), self.find(second)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def _rank(diagnostic: Diagnostic) -> tuple[int, int, tuple[object, ...]]:
    """Which diagnostic of a group speaks for it: an error if there is one (a group never
    hides an error behind a warning), a defining one (the schema error on a field, a finding
    that *is* the cause) before its echoes, then the first in the file."""
    defining = 0 if diagnostic.rule == SCHEMA or diagnostic.defines else 1
    return 0 if diagnostic.is_error else 1, defining, diagnostic.sort_key()


def group(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics with every root cause reported once, its echoes in ``related``; in the
    order of the input (each group where its speaker was)."""
    union = _Union(len(diagnostics))
    by_cause: dict[tuple[str, str, str], int] = {}
    by_message: dict[tuple[object, ...], int] = {}
    by_alike: dict[tuple[object, ...], int] = {}
    schema_fields = {(d.file, d.pointer): i for i, d in enumerate(diagnostics)
                     if d.rule == SCHEMA and d.is_error}
    for index, diagnostic in enumerate(diagnostics):
        if diagnostic.cause is not None:  # a warning never speaks for errors, nor hides them
            key = (diagnostic.file, diagnostic.cause, diagnostic.severity)
            union.join(by_cause.setdefault(key, index), index)
        else:
            field = schema_fields.get((diagnostic.file, diagnostic.pointer))
            if field is not None:
                union.join(field, index)
        # The hint may differ (it is written for each place) and is kept in `related`.
        same = (diagnostic.file, diagnostic.rule, diagnostic.severity, diagnostic.message)
        union.join(by_message.setdefault(same, index), index)
        if diagnostic.alike is not None:
            alike = (diagnostic.file, diagnostic.rule, diagnostic.severity, diagnostic.alike)
            union.join(by_alike.setdefault(alike, index), index)
    members: dict[int, list[int]] = {}
    for index in range(len(diagnostics)):
        members.setdefault(union.find(index), []).append(index)
    speakers: dict[int, Diagnostic] = {}
    for indexes in members.values():
        head = min(indexes, key=lambda i: _rank(diagnostics[i]))
        others = sorted((i for i in indexes if i != head),
                        key=lambda i: diagnostics[i].sort_key())
        related = tuple(_related(diagnostics[i], _kind(diagnostics[head], diagnostics[i]))
                        for i in others)
        speakers[head] = replace(diagnostics[head], related=related)
    return [speakers[i] for i in range(len(diagnostics)) if i in speakers]


def _kind(head: Diagnostic, other: Diagnostic) -> RelatedKind:
    if head.cause is not None and other.cause == head.cause:
        return "reference"
    if (head.rule, head.message) == (other.rule, other.message):
        return "same"
    if head.alike is not None and (head.rule, head.alike) == (other.rule, other.alike):
        return "same"
    return "field" if head.pointer == other.pointer else "reference"


def _related(diagnostic: Diagnostic, kind: RelatedKind) -> Related:
    return Related(kind=kind, rule=diagnostic.rule, severity=diagnostic.severity,
                   message=diagnostic.message, file=diagnostic.file, line=diagnostic.line,
                   column=diagnostic.column, pointer=diagnostic.pointer,
                   hint=diagnostic.hint)
