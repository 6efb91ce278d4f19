"""The lark parsers, built once from ``grammar/*.lark``, and lark errors made ours.

Runtime expressions have one grammar per Arazzo feature set (``runtime_expression.lark`` for
1.0.x, ``runtime_expression-1.1.lark`` for 1.1.x); simple conditions share one. The parsers are
lazily built singletons: a grammar never changes, and building one takes a few tens of
milliseconds that a program which never reads an expression should not pay. Built
parsers are also cached on disk (lark's own cache: the file records a hash of the grammar, its
options and lark's version, and lark rebuilds when any differs), so a new process loads the
tables in a few milliseconds instead of building them again. ``grammar/`` stays the source:
edit a grammar and the next run rebuilds. The cache lives in ``ARAZZO_CACHE_DIR``, else
``$XDG_CACHE_HOME/arazzo-engine``, else ``~/.cache/arazzo-engine`` (created private to the
user); ``ARAZZO_CACHE_DIR=off``, or a folder that cannot be made, builds in memory only.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from pathlib import Path

import lark
from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from arazzo_engine._resources import grammar_dir
from arazzo_engine.document._versions import SpecVersion
from arazzo_engine.expressions._errors import ExpressionError

_DESCRIPTIONS = {
    "NAME": "a name",
    "FIRST_NAME": "a name",
    "ID": "an id (letters, digits, '_' and '-')",
    "IDENTIFIER": "a name (letters, digits, '.', '_' and '-')",
    "COMPONENT_NAME": "a component name",
    "COMPONENT_TYPE": "'parameters', 'successActions' or 'failureActions'",
    "WORKFLOW_FIELD": "'inputs' or 'outputs'",
    "OUTPUTS_FIELD": "'outputs'",
    "REFERENCE_ID": "an operationId, workflowId or source field",
    "INDEX": "an index",
    "QUOTED_KEY": "a quoted key",
    "HEADER_NAME": "a header name",
    "POINTER": "'#' and a JSON pointer",
    "TEXT": "text",
    "STRING": "a 'string'",
    "NUMBER": "a number",
    "MEMBER": "a member name",
    "RUNTIME_EXPRESSION": "a runtime expression",
    "COMPARATOR": "a comparison (==, !=, <, <=, >, >=)",
    "$END": "the end",
}

_HINTS = (
    (re.compile(r"=(?!=)"), "use '==' to compare"),
    (re.compile(r'"'), "strings in conditions use single quotes"),
    (re.compile(r"&(?!&)"), "'and' is written '&&'"),
    (re.compile(r"\|(?!\|)"), "'or' is written '||'"),
    (re.compile(r"~"), "in a JSON pointer '~' is written '~0' and '/' inside a name '~1'"),
)


def cache_dir() -> Path | None:
    """Where built parsers are kept between processes; None: not kept."""
    configured = os.environ.get("ARAZZO_CACHE_DIR")
    if configured is not None and configured.strip().lower() in ("", "0", "off", "no", "false"):
        return None
    if configured:
        folder = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base) / "arazzo-engine"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def _cache(name: str) -> str | bool:
    """lark's ``cache`` argument for one grammar: a file in ``cache_dir()``, or off."""
    folder = cache_dir()
    if folder is None:
        return False
    python = "".join(map(str, sys.version_info[:2]))
    return str(folder / f"{name}.lark-{lark.__version__}-py{python}.cache")


#: The runtime expression grammar of each feature set.
RUNTIME_GRAMMARS: dict[SpecVersion, str] = {
    "1.0": "runtime_expression.lark",
    "1.1": "runtime_expression-1.1.lark",
}


@functools.cache
def runtime_parser(version: SpecVersion = "1.0") -> Lark:
    """Parser for the feature set's runtime expression grammar (start rules ``expression`` and
    ``template``)."""
    return Lark.open(
        str(grammar_dir() / RUNTIME_GRAMMARS[version]),
        parser="lalr",
        lexer="contextual",
        start=["expression", "template"],
        propagate_positions=True,
        maybe_placeholders=True,
        cache=_cache(RUNTIME_GRAMMARS[version].removesuffix(".lark")),
    )


@functools.cache
def condition_parser() -> Lark:
    """Parser for ``condition.lark``."""
    return Lark.open(
        str(grammar_dir() / "condition.lark"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        cache=_cache("condition"),
    )


def translate(
    error: UnexpectedInput, parser: Lark, text: str, what: str, *, whole: bool = False
) -> ExpressionError:
    """Turn a lark error into an ``ExpressionError`` at the offending character.

    ``whole`` says the text must end where the expression ends (the ``expression`` start rule),
    so a closing brace, which only the ``template`` rule uses, is not offered as a way out.
    """
    if isinstance(error, UnexpectedCharacters):
        offset = _offset(error.pos_in_stream, text)
        found = repr(text[offset]) if offset < len(text) else "the end"
        expected = error.allowed
    elif isinstance(error, UnexpectedToken):
        token: Token = error.token
        offset = _offset(token.start_pos, text) if token.type != "$END" else len(text)
        found = "the end" if token.type == "$END" else repr(str(token))
        expected = error.expected
    elif isinstance(error, UnexpectedEOF):
        offset, found, expected = len(text), "the end", set(error.expected)
    else:  # pragma: no cover - lark has no other kinds
        offset, found, expected = 0, "input", set()
    message = f"invalid {what}: unexpected {found}"
    expected = set(expected or ())
    if whole and expected & {"RBRACE"}:
        expected = (expected - {"RBRACE"}) | {"$END"}
    names = sorted({_describe(name, parser) for name in expected})
    if names:
        message += f"; expected {_one_of(names)}"
    for pattern, hint in _HINTS:
        if pattern.match(text, offset):
            message += f" ({hint})"
            break
    return ExpressionError(message, text, offset + 1)


def _offset(position: int | None, text: str) -> int:
    """Where lark puts the error; a position it leaves unset counts as the end of the text."""
    return len(text) if position is None else position


def _describe(name: str, parser: Lark) -> str:
    if name in _DESCRIPTIONS:
        return _DESCRIPTIONS[name]
    try:
        pattern = parser.get_terminal(name).pattern
    except KeyError:
        return name
    if isinstance(pattern, PatternStr):
        return repr(pattern.value)
    return name.lower()


def _one_of(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return "one of " + ", ".join(names)
