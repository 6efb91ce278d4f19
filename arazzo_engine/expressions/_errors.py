"""The parse error every part of the expression language raises, pointing at one character."""

from __future__ import annotations

from arazzo_engine.errors import ArazzoError


class ExpressionError(ArazzoError, ValueError):
    """Raised when an expression, template, condition, regex, JSONPath or XPath does not parse.

    ``column`` is 1-based and counts characters from the start of ``text`` (a newline counts as
    one), so it can be added to the position of the string in its document.
    """

    def __init__(self, message: str, text: str, column: int) -> None:
        self.message = message
        self.text = text
        self.column = max(1, min(column, len(text) + 1))
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.message} (column {self.column} of {_excerpt(self.text, self.column)})"

    def caret(self) -> str:
        """The line of ``text`` holding the column, and a caret under the offending character."""
        offset = self.column - 1
        line_start = self.text.rfind("\n", 0, offset) + 1
        line_end = self.text.find("\n", offset)
        if line_end == -1:
            line_end = len(self.text)
        line = self.text[line_start:line_end]
        # Tabs keep their width so the caret lines up under them.
        padding = "".join("\t" if ch == "\t" else " " for ch in line[: offset - line_start])
        return f"{line}\n{padding}^"

    def shifted(self, text: str, by: int) -> ExpressionError:
        """The same error seen from an enclosing text in which this one starts ``by`` in."""
        return ExpressionError(self.message, text, self.column + by)


def _excerpt(text: str, column: int, width: int = 60) -> str:
    """The text quoted whole when short, else the part around the column with ellipses."""
    if len(text) <= width:
        return repr(text)
    start = max(0, min(column - 1 - width // 2, len(text) - width))
    snippet = repr(text[start : start + width])
    return ("..." if start else "") + snippet + ("..." if start + width < len(text) else "")
