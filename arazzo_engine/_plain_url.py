"""Which part of a URL names its origin, and when the rest needs no preparing.

A thousand concurrent runs send a thousand different URLs to one origin (each run polls its
own run's resource), so the transport's memo of whole URLs rarely hits. What requests does to
a URL (``PreparedRequest.prepare_url``: urllib3's ``parse_url``, IDNA, requoting, the empty
path made ``/``) changes the origin part and the rest independently, and leaves a rest of
plain characters exactly as it is. So once one URL of an origin has been prepared, another URL
with the same origin text and a plain rest is prepared by joining the prepared origin to that
rest: no parsing. "Plain" is kept narrow on purpose: a path of one or more segments and an
optional query of unreserved and sub-delimiter characters, with no percent escape (requests
would requote it), no dot segment (urllib3 would remove it), no fragment and no empty query
(both would be dropped). Anything else is prepared by requests, as before.
"""

from __future__ import annotations

import re

__all__ = ["authority_end", "is_plain_rest"]

#: scheme "://" authority; the authority ends at the first "/", "?" or "#".
_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*")
_PCHARS = r"A-Za-z0-9\-._~!$&'()*+,;=:@"
_PLAIN_REST = re.compile(rf"(?:/[{_PCHARS}]*)+(?:\?[{_PCHARS}/?]+)?")


def authority_end(url: str) -> int:
    """Where ``scheme://authority`` ends in ``url``; -1 when it does not start with one."""
    found = _AUTHORITY.match(url)
    return found.end() if found is not None else -1


def is_plain_rest(rest: str) -> bool:
    """True when requests would send this path and query exactly as written."""
    return _PLAIN_REST.fullmatch(rest) is not None and "/." not in rest
