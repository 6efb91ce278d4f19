"""Did-you-mean for any name a user or a document can misspell (every layer uses it)."""

from __future__ import annotations

from collections.abc import Collection

__all__ = ["closest"]


def closest(wrong: str, known: Collection[str]) -> str | None:
    """The known name ``wrong`` most likely meant: the same letters in another case first,
    else the closest spelling; None when nothing is close."""
    import difflib  # only when a name is wrong: most documents have none

    names = sorted(known)
    same_letters = [name for name in names if name.lower() == wrong.lower()]
    close = same_letters or difflib.get_close_matches(wrong, names, n=1, cutoff=0.6)
    return close[0] if close else None
