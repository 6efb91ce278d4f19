"""XPath criteria over XML bodies, through elementpath (XPath 1.0, 2.0, 3.0 and 3.1).

Arazzo's default is XPath 3.1; ``{type: xpath, version: xpath-30}`` (or ``-20``, ``-10``) picks an
older one. The result counts as passed by the version's effective boolean value.

elementpath is imported on first use: most documents have no XPath criterion, and its import
costs more than validating a whole typical document.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from arazzo_engine.expressions._errors import ExpressionError
from arazzo_engine.expressions._navigation import describe_type

if TYPE_CHECKING:  # imported on first use, like elementpath
    import xml.etree.ElementTree as ElementTree

VERSIONS = ("xpath-10", "xpath-20", "xpath-30", "xpath-31")
DEFAULT_VERSION = "xpath-31"


def _parser(version: str) -> type:
    """elementpath's parser class for one version (imports elementpath on first use)."""
    import elementpath
    from elementpath.xpath30 import XPath30Parser
    from elementpath.xpath31 import XPath31Parser

    parsers: dict[str, type] = {
        "xpath-10": elementpath.XPath1Parser,
        "xpath-20": elementpath.XPath2Parser,
        "xpath-30": XPath30Parser,
        "xpath-31": XPath31Parser,
    }
    return parsers[version]


class XPathFailure(Exception):
    """The XPath could not be applied to this context; the message says why."""


@dataclass(frozen=True)
class XPathTest:
    """A compiled XPath condition of one version."""

    condition: str
    version: str
    selector: Any

    def test(self, value: Any) -> tuple[bool, str]:
        import elementpath

        document = _document(value)
        try:
            result = self.selector.select(document)
        except elementpath.ElementPathError as error:
            raise XPathFailure(f"{self.condition} failed: {error}") from None
        held = _effective_boolean(result, self.version)
        verdict = "holds" if held else "is false"
        return held, f"{self.condition} {verdict} ({self.version}: {_summary(result)})"


def compile_xpath_test(condition: str, version: str = DEFAULT_VERSION) -> XPathTest:
    """Compile an XPath condition for one version.

    Raises:
        ExpressionError: the expression is not valid in that version.
    """
    import elementpath

    try:
        selector = elementpath.Selector(condition, parser=_parser(version))
    except (elementpath.ElementPathError, SyntaxError, ValueError, TypeError) as error:
        match = re.search(r"column (\d+)", str(error))
        column = int(match.group(1)) if match else 1
        raise ExpressionError(f"invalid XPath ({version}): {error}", condition, column) from None
    except RecursionError:
        raise ExpressionError("XPath expression nests too deeply", condition, 1) from None
    return XPathTest(condition, version, selector)


def _document(value: Any) -> ElementTree.ElementTree:
    import xml.etree.ElementTree as ElementTree

    if isinstance(value, (str, bytes)):
        try:
            return ElementTree.ElementTree(ElementTree.fromstring(value))
        except ElementTree.ParseError as error:
            raise XPathFailure(f"the context is not XML: {error}") from None
    raise XPathFailure(f"the context is {describe_type(value)}, not an XML document")


def _effective_boolean(result: Any, version: str) -> bool:
    if isinstance(result, list):
        if not result:
            return False
        first = result[0]
        if not _is_atomic(first):
            return True
        if len(result) > 1:
            if version == "xpath-10":
                return True
            raise XPathFailure(
                "the effective boolean value of several atomic values is undefined (FORG0006)"
            )
        result = first
    if isinstance(result, bool):
        return result
    if isinstance(result, (int, float, Decimal)):
        return result != 0 and not (isinstance(result, float) and math.isnan(result))
    if isinstance(result, str):
        return result != ""
    return True


def _is_atomic(item: Any) -> bool:
    return isinstance(item, (bool, int, float, Decimal, str))


def _summary(result: Any) -> str:
    if isinstance(result, list):
        if not result or not _is_atomic(result[0]):
            return f"{len(result)} item(s)"
        result = result[0] if len(result) == 1 else result
    return repr(result)
