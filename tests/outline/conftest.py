"""Fixtures for outline tests: the shop document that exercises every kind of edge."""

from __future__ import annotations

from pathlib import Path

import pytest

import arazzo_engine

DOCUMENTS = Path(__file__).parent / "documents"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shop() -> arazzo_engine.ArazzoDocument:
    return arazzo_engine.load(DOCUMENTS / "shop.arazzo.yaml")


@pytest.fixture(scope="module")
def dbt() -> arazzo_engine.ArazzoDocument:
    return arazzo_engine.load(ROOT / "specs" / "dbt" / "arazzo" /
                              "dbt-trigger-run-and-poll-workflow.yml")
