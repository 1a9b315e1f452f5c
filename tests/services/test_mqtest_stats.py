"""Latency histogram and rate window of the produce test (pure)."""

from __future__ import annotations

import math
import random

import pytest

from rocketui.services.mqtest_stats import LatencyHistogram, RateWindow


def exact_percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def test_empty_histogram_has_no_summary() -> None:
    h = LatencyHistogram()
    assert h.summary() is None and h.percentile(99) == 0.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_percentiles_within_the_bucket_error_of_the_exact_ones(seed: int) -> None:
    rng = random.Random(seed)
    # a realistic mix: sub-millisecond sends plus a long tail up to seconds
    values = [rng.lognormvariate(-7.5, 1.5) for _ in range(20_000)]
    h = LatencyHistogram()
    for v in values:
        h.record(v)
    for p in (50, 90, 99, 99.9):
        exact_ms = exact_percentile(values, p) * 1000
        # 1 µs buckets below 1 ms, ~1.1 % relative above
        assert h.percentile(p) == pytest.approx(exact_ms, rel=0.012, abs=0.0011), p
    s = h.summary()
    assert s is not None and s.count == len(values)
    assert s.max_ms == pytest.approx(max(values) * 1000, abs=0.001)
    assert s.mean_ms == pytest.approx(sum(values) / len(values) * 1000, rel=1e-3)


def test_single_value_and_extremes() -> None:
    h = LatencyHistogram()
    h.record(0.000_250)
    assert h.percentile(0) == h.percentile(100) == pytest.approx(0.25)
    h.record(100_000.0)  # beyond the last bucket: clamped there, max stays exact
    assert h.summary().max_ms == 100_000_000.0  # type: ignore[union-attr]
    assert h.percentile(100) == pytest.approx(100_000_000.0, rel=0.02)
    with pytest.raises(ValueError, match="outside 0..100"):
        h.percentile(101)


def test_percentile_never_exceeds_the_maximum() -> None:
    h = LatencyHistogram()
    for _ in range(10):
        h.record(0.0123456)
    assert h.percentile(99) <= 12.3456 + 1e-9


def test_rate_window_uses_only_recent_samples() -> None:
    w = RateWindow(window=2.0)
    assert w.rate() == 0.0
    w.add(0.0, 0)
    w.add(1.0, 1000)  # 1000/s
    assert w.rate() == pytest.approx(1000)
    for t in range(2, 11):
        w.add(float(t), 1000 + (t - 1) * 100)  # then 100/s
    assert w.rate() == pytest.approx(100)
