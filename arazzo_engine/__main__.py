"""Lets ``python -m arazzo_engine`` behave exactly like the ``arazzo`` command."""

import sys

from arazzo_engine.cli import main

sys.exit(main())
