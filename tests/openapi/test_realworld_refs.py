"""Real documents whose operations sit behind ``$ref``s into other files now resolve.

Read from the real-world corpus in ``../shared`` (never copied into the project)."""

from __future__ import annotations

from _shared import needs_shared, shared

from arazzo_engine.validation import validate_document

CORPUS = ("realworld-arazzo", "corpus")
EXTERNAL_PATH_ITEM = ("usearazzo__arazzo-toolkit", "packages", "runner", "test", "fixtures",
                      "external-pathitem")


@needs_shared(*CORPUS, *EXTERNAL_PATH_ITEM)
def test_an_operation_behind_an_external_path_item_resolves() -> None:
    folder = shared(*CORPUS, *EXTERNAL_PATH_ITEM)
    report = validate_document(folder / "workflow.arazzo.yaml")
    operation_errors = [d for d in report.errors
                        if d.rule in ("operation-resolved", "openapi-ref", "source-load")]
    assert not operation_errors, "\n".join(map(str, operation_errors))


@needs_shared(*CORPUS, "OAI__Arazzo-Specification", "examples", "1.0.0")
def test_the_official_examples_with_their_sources_have_no_ref_or_load_errors() -> None:
    folder = shared(*CORPUS, "OAI__Arazzo-Specification", "examples", "1.0.0")
    for name in ("FAPI-PAR.arazzo.yaml", "oauth.arazzo.yaml", "pet-coupons.arazzo.yaml"):
        report = validate_document(folder / name)
        assert not [d for d in report.errors if d.rule in ("openapi-ref", "source-load")], name
