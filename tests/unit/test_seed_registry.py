"""The demo's and the tests' specimen seeds come from the registry and stay clear of the held-out ones."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from airflow_provider_faceid.local.specimens.seeds import (
    BENCHMARK_SEEDS,
    DEMO_SEED,
    NEVER_BELOW_BASELINE_SEEDS,
    TEST_SEEDS,
)

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


def test_demo_and_test_seeds_are_no_held_out_seeds() -> None:
    held_out = {*BENCHMARK_SEEDS.values(), *NEVER_BELOW_BASELINE_SEEDS.values()}
    assert DEMO_SEED not in held_out
    assert not held_out & set(TEST_SEEDS.values())


def test_the_demo_renders_its_cards_from_the_demo_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("faceid_demo_script", DEMO)
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, demo)  # its dataclasses look their module up there
    spec.loader.exec_module(demo)
    assert demo.parse_args([]).seed == DEMO_SEED
