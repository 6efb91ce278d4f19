"""The ``drift`` scenario: dbt Cloud as it would be if its API drifted from its description.

Runs succeed as in ``success``, but the answers break the OpenAPI description in the four ways
``arazzo test`` must catch, each in one place so each drift reads as one failing check:

- the trigger answers its JSON with ``Content-Type: text/plain`` (a media type the operation
  does not document);
- every run answer carries ``is_complete`` as the text ``"true"``/``"false"`` (a field of the
  wrong type) and lacks ``href`` (a missing required field);
- the artifact listing answers ``203 Non-Authoritative Information``, a status code the
  operation does not document (the reference workflow's criteria want 200, so its last step
  fails too).
"""

from __future__ import annotations

import copy
from dataclasses import replace

from ._envelope import ApiResponse

__all__ = ["DRIFTED_STATUS", "drift"]

#: What the artifact listing answers in the drift scenario.
DRIFTED_STATUS = 203


def drift(operation: str, response: ApiResponse) -> ApiResponse:
    """The drifted form of a successful answer to ``operation`` (others pass unchanged)."""
    if response.status != 200:
        return response
    if operation == "triggerJobRun":
        return replace(response, content_type="text/plain")
    if operation == "getRun":
        body = copy.deepcopy(response.body)
        data = body.get("data")
        if isinstance(data, dict):
            data["is_complete"] = "true" if data.get("is_complete") else "false"
            data.pop("href", None)
        return replace(response, body=body)
    if operation == "listRunArtifacts":
        body = copy.deepcopy(response.body)
        body["status"]["code"] = DRIFTED_STATUS
        return replace(response, status=DRIFTED_STATUS, body=body)
    return response
