"""Importing this package registers every semantic rule in the table."""

from arazzo_engine.validation._rules import (  # noqa: F401  (imported to register)
    asyncapi,
    criteria,
    documentation,
    expressions,
    flow,
    inputs,
    inputs_lint,
    operations,
    references,
    responses,
    selectors,
    steps,
    structure,
)
