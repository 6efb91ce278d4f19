"""External programs some tests drive (tmux, zsh, fish, Graphviz): present, or a clear skip.

``.ci/tools`` installs them from Debian and ``.ci/run`` sets ``ARAZZO_REQUIRE_TOOLS=1``, which
turns a missing program from a skip into a failure: CI never passes by skipping them.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(program: str, debian_package: str | None = None) -> str:
    """The program's path; skips (or fails under ``ARAZZO_REQUIRE_TOOLS``) when absent."""
    found = shutil.which(program)
    if found is not None:
        return found
    package = debian_package or program
    message = (f"{program} is not installed (Debian package {package}; "
               f"`bash .ci/tools` installs it)")
    if os.environ.get("ARAZZO_REQUIRE_TOOLS"):
        pytest.fail(message)
    pytest.skip(message)
