"""Where the run store lives when nobody says: the user's state directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["default_store_path"]


def default_store_path() -> Path:
    """``$XDG_STATE_HOME/arazzo-engine/runs.db``; without it ``~/.local/state`` on Linux and
    other Unix systems, ``~/Library/Application Support`` on macOS, ``%LOCALAPPDATA%`` on
    Windows. ``ARAZZO_STATE`` names the file outright (tests, containers)."""
    explicit = os.environ.get("ARAZZO_STATE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME")
    if xdg and Path(xdg).is_absolute():
        base = Path(xdg)
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path.home() / ".local" / "state"
    return base / "arazzo-engine" / "runs.db"
