"""Lets ``python -m arazzo_engine`` behave exactly like the ``arazzo`` command."""

from arazzo_engine.cli import entry

entry()
