"""One root cause, one diagnostic: echoes are counted in the defect, in every output format.

The documents are our own (``documents/realworld/``), written the way generated documents in
the real-world corpus are: a misspelled step id used three times, an output misspelled twice,
an output name the schema refuses, and ``workflowId: ''`` in every step's end action.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arazzo_engine.cli import main
from arazzo_engine.validation import validate_document

from ._cli import run_validate

DOCUMENTS = Path(__file__).resolve().parent / "documents"
CASCADE = DOCUMENTS / "realworld" / "cascade.arazzo.yaml"


def _grouped() -> dict[tuple[int, str], object]:
    report = validate_document(CASCADE)
    return {(d.line, d.rule): d for d in report.grouped()}


def test_every_finding_stays_in_the_report_and_each_root_cause_speaks_once() -> None:
    report = validate_document(CASCADE)
    assert len(report.diagnostics) == 16
    grouped = report.grouped()
    assert [(d.line, d.rule) for d in grouped] == [
        (20, "output-key-pattern"), (25, "schema"), (31, "step-output-ref"),
        (44, "step-output-ref")]
    assert sum(1 + len(d.related) for d in grouped) == len(report.diagnostics)


def test_references_to_a_missing_step_are_counted_in_the_first() -> None:
    (step,) = [d for d in validate_document(CASCADE).grouped() if "fetchh" in d.message]
    assert [(r.line, r.kind) for r in step.related] == [(34, "reference"), (50, "reference")]
    assert step.note == "and 2 more references to it (lines 34, 50)"
    assert str(step).endswith("has no step `fetchh`, and 2 more references to it (lines 34, 50)"
                              " (hint: did you mean `fetch`?) [step-output-ref]")


def test_a_bad_output_name_speaks_for_the_references_that_spell_it() -> None:
    (bad,) = [d for d in validate_document(CASCADE).grouped() if d.rule == "output-key-pattern"]
    assert [(r.line, r.rule) for r in bad.related] == [(52, "step-output-ref")]


def test_a_schema_error_on_a_field_speaks_for_the_other_rules_and_the_repeats() -> None:
    (empty,) = [d for d in validate_document(CASCADE).grouped() if d.rule == "schema"]
    assert empty.message == "`workflowId` must not be empty"
    kinds = sorted((r.line, r.rule, r.kind) for r in empty.related)
    assert kinds == [
        (25, "action-fields", "field"), (25, "action-target", "field"),
        (38, "action-fields", "reference"), (38, "action-target", "reference"),
        (38, "schema", "same"),
        (48, "action-fields", "reference"), (48, "action-target", "reference"),
        (48, "schema", "same"),
    ]
    assert empty.note == "and 8 more findings it explains (lines 38, 48)"


def test_a_warning_never_speaks_for_errors(tmp_path: Path) -> None:
    document = tmp_path / "spaced.arazzo.yaml"
    document.write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        "sourceDescriptions: [{name: pets, url: " + str(DOCUMENTS / "openapi" /
                                                         "pets.openapi.yaml") + "}]\n"
        "workflows:\n- workflowId: w\n  steps:\n"
        "  - {stepId: get pet, operationId: listPets, outputs: {x: $statusCode}}\n"
        "  - stepId: next\n    operationId: listPets\n"
        "    parameters: [{name: limit, in: query, value: $steps.get pet.outputs.x}]\n")
    grouped = validate_document(document).grouped()
    assert [(d.rule, d.severity) for d in grouped] == [
        ("id-pattern", "warning"), ("step-output-ref", "error")]
    assert "step `get pet` cannot be named in an expression" in grouped[1].message


def test_text_folds_by_default_and_all_lists_every_finding() -> None:
    folded = run_validate(str(CASCADE))
    assert folded.exit_code == 1
    assert len(folded.stdout.splitlines()) == 4
    assert folded.stderr.strip() == ("4 error(s), 0 warning(s) in 1 file(s); 12 more finding(s) "
                                     "folded into them (--all lists every one)")
    every = run_validate("--all", str(CASCADE))
    assert len(every.stdout.splitlines()) == 16
    assert every.stderr.strip() == "16 error(s), 0 warning(s) in 1 file(s)"
    assert every.exit_code == 1


def test_json_gives_the_note_and_every_related_finding() -> None:
    diagnostics = json.loads(run_validate("--format", "json", str(CASCADE)).stdout)
    step = next(d for d in diagnostics if "fetchh" in d["message"])
    assert step["note"] == "and 2 more references to it (lines 34, 50)"
    assert [(r["line"], r["column"], r["rule"], r["kind"]) for r in step["related"]] == [
        (34, 20, "step-output-ref", "reference"), (50, 14, "step-output-ref", "reference")]
    assert all(r["message"].startswith("`$steps.fetchh.outputs.") for r in step["related"])
    every = json.loads(run_validate("--all", "--format", "json", str(CASCADE)).stdout)
    assert len(every) == 16 and not any("related" in d for d in every)


def test_sarif_gives_related_locations() -> None:
    log = json.loads(run_validate("--format", "sarif", str(CASCADE)).stdout)
    results = log["runs"][0]["results"]
    assert len(results) == 4
    step = next(r for r in results if "fetchh" in r["message"]["text"])
    assert "and 2 more references to it (lines 34, 50)" in step["message"]["text"]
    related = step["relatedLocations"]
    assert [loc["physicalLocation"]["region"] for loc in related] == [
        {"startLine": 34, "startColumn": 20}, {"startLine": 50, "startColumn": 14}]
    assert [loc["id"] for loc in related] == [1, 2]
    assert related[0]["message"]["text"].startswith("error [step-output-ref]: `$steps.fetchh")


def test_run_refuses_an_invalid_document_with_one_error_per_root_cause(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`arazzo run` prints what `arazzo validate` prints, before any request is sent."""
    assert main(["run", str(CASCADE)]) == 2
    err = capsys.readouterr().err
    assert "the document is invalid (4 error(s)); fix it or pass --no-validate:" in err
    assert "has no step `fetchh`, and 2 more references to it (lines 34, 50)" in err
    assert sum(line.startswith("  ") for line in err.splitlines()) == 4


GENERATED = DOCUMENTS / "realworld" / "generated" / "generated.arazzo.yaml"


def test_a_generators_habit_is_one_diagnostic_each_folded_finding_keeping_its_hint() -> None:
    """Another tool's operationPath notation in every step: one root cause, the exact Arazzo
    form of each step kept with it (JSON `related`, SARIF `relatedLocations`)."""
    report = validate_document(GENERATED)
    (forms,) = [d for d in report.grouped() if d.rule == "operation-resolved"]
    assert forms.line == 18 and forms.note == "and 2 more like it (lines 20, 26)"
    assert forms.hint == "write {$sourceDescriptions.shop.url}#/paths/~1items/post"
    assert [r.hint for r in forms.related] == [
        "write {$sourceDescriptions.shop.url}#/paths/~1items~1{itemId}/get",
        "write {$sourceDescriptions.shop.url}#/paths/~1items~1{itemId}/delete"]
    (as_json,) = [d for d in json.loads(run_validate("--format", "json", str(GENERATED)).stdout)
                  if d["rule"] == "operation-resolved"]
    assert as_json["related"][1]["hint"] == forms.related[1].hint
    log = json.loads(run_validate("--format", "sarif", str(GENERATED)).stdout)
    (result,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "operation-resolved"]
    assert result["relatedLocations"][0]["message"]["text"].endswith(
        f"(hint: {forms.related[0].hint})")
    assert len([d for d in report.diagnostics if d.rule == "operation-resolved"]) == 3


def test_refs_to_what_a_description_lacks_are_one_diagnostic_per_missing_place() -> None:
    """Four $refs to three schemas `#/components/schemas` does not have are one kind of
    mistake; two $refs into a file that does not exist are references to one missing thing."""
    report = validate_document(GENERATED)
    refs = [d for d in report.grouped() if d.rule == "openapi-ref"]
    assert [(d.line, d.note) for d in refs] == [
        (20, "and 3 more like it (lines 22, 24, 26)"),
        (32, "and 1 more reference to it (line 38)")]
    assert "'#/components/schemas/Item' points to nothing" in refs[0].message
    assert "'./errors.yaml#/Problem' cannot be followed" in refs[1].message
    assert len([d for d in report.diagnostics if d.rule == "openapi-ref"]) == 6
    every = run_validate("--all", str(GENERATED))
    assert len(every.stdout.splitlines()) == 12
    assert run_validate(str(GENERATED)).stderr.strip() == (
        "4 error(s), 0 warning(s) in 1 file(s); 8 more finding(s) folded into them "
        "(--all lists every one)")


def test_values_read_without_outputs_from_several_steps_are_one_diagnostic() -> None:
    """`$steps.list.items`, `$steps.create.id` (twice): one habit, each with its exact form."""
    (form,) = [d for d in validate_document(GENERATED).grouped() if d.rule == "step-output-ref"]
    assert form.message.startswith("`$steps.list.items` is not the Arazzo form")
    assert form.note == "and 2 more like it (lines 33, 34)"
    assert form.hint == ("write $steps.list.outputs.items, and declare `items` in the outputs "
                         "of step `list`")
    assert [r.hint for r in form.related] == [
        "write $steps.create.outputs.id, and declare `id` in the outputs of step `create`"] * 2


def test_the_same_mistake_with_a_fix_for_each_place_is_one_diagnostic(tmp_path: Path) -> None:
    """The same message at several places, a hint written for each: one diagnostic, every
    place's own hint kept with it."""
    pets = DOCUMENTS / "openapi" / "pets.openapi.yaml"
    document = tmp_path / "braceless.arazzo.yaml"
    document.write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        f"sourceDescriptions: [{{name: pets, url: '{pets}', type: openapi}}]\n"
        "workflows:\n- workflowId: w\n  steps:\n"
        "  - {stepId: all, operationPath: '$sourceDescriptions.pets.url#/paths/~1pets/get'}\n"
        "  - stepId: one\n"
        "    operationPath: '$sourceDescriptions.pets.url#/paths/~1pets~1{petId}/get'\n"
        "    parameters: [{name: petId, in: path, value: 1}]\n")
    report = validate_document(document)
    assert [d.rule for d in report.diagnostics] == ["operation-path-syntax"] * 2
    (grouped,) = report.grouped()
    assert grouped.note == "and 1 more like it (line 9)"
    assert grouped.hint == "write {$sourceDescriptions.pets.url}#/paths/~1pets/get"
    assert [r.hint for r in grouped.related] == [
        "write {$sourceDescriptions.pets.url}#/paths/~1pets~1{petId}/get"]


def test_ids_named_alike_are_one_warning_per_kind_of_id(tmp_path: Path) -> None:
    """A generator that names steps `Plan a Trip_search_0` names every step so: one warning
    for the stepIds, one for the workflowIds; the error of a reference that cannot name the
    step stays an error of its own."""
    pets = DOCUMENTS / "openapi" / "pets.openapi.yaml"
    document = tmp_path / "spaced.arazzo.yaml"
    document.write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        f"sourceDescriptions: [{{name: pets, url: '{pets}', type: openapi}}]\n"
        "workflows:\n- workflowId: Plan a Trip\n  steps:\n"
        "  - {stepId: Plan a Trip_list_0, operationId: listPets}\n"
        "  - {stepId: Plan a Trip_list_1, operationId: listPets}\n"
        "  - {stepId: Plan a Trip_list_2, operationId: listPets,\n"
        "     outputs: {all: $steps.Plan a Trip_list_0.outputs.x}}\n"
        "- workflowId: Find Pets\n  steps:\n  - {stepId: find, operationId: listPets}\n")
    grouped = validate_document(document).grouped()
    assert [(d.rule, d.severity, d.line, d.note) for d in grouped] == [
        ("id-pattern", "warning", 5, "and 1 more like it (line 11)"),
        ("id-pattern", "warning", 7, "and 2 more like it (lines 8, 9)"),
        ("step-output-ref", "error", 10, None)]


def test_source_prefixed_operation_ids_are_one_habit_whatever_the_source(
        tmp_path: Path) -> None:
    pets = DOCUMENTS / "openapi" / "pets.openapi.yaml"
    document = tmp_path / "prefixed.arazzo.yaml"
    document.write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        "sourceDescriptions:\n"
        f"- {{name: pets, url: '{pets}', type: openapi}}\n"
        f"- {{name: shop, url: '{pets}', type: openapi}}\n"
        "workflows:\n- workflowId: w\n  steps:\n"
        "  - {stepId: a, operationId: pets.listPets}\n"
        "  - {stepId: b, operationId: shop.createPet}\n")
    (form,) = validate_document(document).grouped()
    assert form.note == "and 1 more like it (line 10)"
    assert (form.hint, form.related[0].hint) == (
        "write $sourceDescriptions.pets.listPets", "write $sourceDescriptions.shop.createPet")
