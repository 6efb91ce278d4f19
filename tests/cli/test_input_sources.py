"""Environment variable names for inputs, and the prompt's answers (without a terminal)."""

from __future__ import annotations

import io

from arazzo_engine.cli._input_sources import (
    Prompter,
    environment_names,
    from_environment,
    missing_required,
)
from arazzo_engine.outline import InputOutline


def test_variable_names_exact_and_upper_cased() -> None:
    assert environment_names("accountId") == ("ARAZZO_INPUT_accountId", "ARAZZO_INPUT_ACCOUNTID")
    assert environment_names("x-api-key")[1] == "ARAZZO_INPUT_X_API_KEY"
    assert environment_names("page[size]")[1] == "ARAZZO_INPUT_PAGE_SIZE_"


def test_names_that_collide_upper_cased_are_read_by_exact_case_only() -> None:
    inputs = [InputOutline("id"), InputOutline("ID"), InputOutline("other")]
    found = from_environment(inputs, {"ARAZZO_INPUT_ID": "upper", "ARAZZO_INPUT_id": "lower",
                                      "ARAZZO_INPUT_OTHER": "o"})
    assert found == {"id": ("lower", "ARAZZO_INPUT_id"), "ID": ("upper", "ARAZZO_INPUT_ID"),
                     "other": ("o", "ARAZZO_INPUT_OTHER")}
    assert from_environment(inputs, {"ARAZZO_INPUT_ID": "?"}) == {"ID": ("?", "ARAZZO_INPUT_ID")}


def test_only_required_inputs_without_default_are_missing() -> None:
    inputs = [InputOutline("a", required=True), InputOutline("b", required=True,
                                                             has_default=True, default=1),
              InputOutline("c"), InputOutline("d", required=True)]
    assert [i.name for i in missing_required(inputs, {"d"})] == ["a"]


def test_an_empty_answer_is_asked_again_and_a_secret_goes_to_the_no_echo_reader() -> None:
    err = io.StringIO()
    secrets: list[str] = []

    def read_secret(prompt: str, stream: object) -> str:
        secrets.append(prompt)
        return "s3cret"

    prompter = Prompter(io.StringIO("\n  \n42\n"), err, read_secret)
    answers = prompter.ask([InputOutline("n", "integer", required=True, description="A number."),
                            InputOutline("token", "string", required=True, secret=True)], "w")
    assert answers == {"n": "42", "token": "s3cret"}
    assert err.getvalue().count("n is required.") == 2
    assert "  n (integer) - A number: " in err.getvalue()  # its full stop gives way to ':'
    assert secrets == ["  token (string, secret, not echoed): "]


def test_end_of_input_stops_asking() -> None:
    prompter = Prompter(io.StringIO(""), io.StringIO())
    assert prompter.ask([InputOutline("a", required=True), InputOutline("b", required=True)],
                        "w") == {}
