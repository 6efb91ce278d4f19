"""Which Arazzo feature set a document asks for: its ``arazzo`` field decides, patch ignored.

"The ``major.minor`` portion of the version string SHALL designate the Arazzo feature set"
(Arazzo 1.1.0, Versions), so ``1.0.0`` and ``1.0.1`` read alike and ``1.1.x`` reads as 1.1. The
schema, the expression grammar and the rules all follow from this one answer.
"""

from __future__ import annotations

import re
from typing import Any, Literal

SpecVersion = Literal["1.0", "1.1"]

#: The feature sets this package reads, oldest first.
SPEC_VERSIONS: tuple[SpecVersion, ...] = ("1.0", "1.1")
LATEST: SpecVersion = "1.1"

_VERSION = re.compile(r"^(?P<minor>1\.[01])\.[0-9]+(-[0-9A-Za-z.-]+)?$")
_LATER_MINOR = re.compile(r"^1\.(?P<minor>[0-9]+)\.[0-9]+(-[0-9A-Za-z.-]+)?$")


def spec_version(data: Any) -> SpecVersion | None:
    """``"1.0"`` or ``"1.1"`` for a document whose ``arazzo`` field names one, else None."""
    value = data.get("arazzo") if isinstance(data, dict) else None
    match = _VERSION.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    return "1.1" if match["minor"] == "1.1" else "1.0"


def feature_set(data: Any) -> SpecVersion:
    """The feature set to read a document with, even when its ``arazzo`` field is wrong.

    ``arazzo: 1.1`` (a YAML number) or ``"1.1"`` still means 1.1 to its author, and a later
    1.x minor (``1.2.0``) reads as the newest feature set we know (minor versions add to the
    ones before, so the fewest false follow-on errors); anything else we do not know reads as
    1.0. The schema of that feature set then says what is wrong with the field, so a bad
    version never hides the document's other mistakes.
    """
    known = spec_version(data)
    if known is not None:
        return known
    value = data.get("arazzo") if isinstance(data, dict) else None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        later = _LATER_MINOR.match(str(value))
        if str(value).startswith("1.1") or (later and int(later["minor"]) > 1):
            return LATEST
    return "1.0"
