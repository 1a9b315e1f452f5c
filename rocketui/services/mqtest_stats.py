"""Counters for the produce test (pure, no I/O): a latency histogram with bounded memory and
~1.1 % relative error, and a sliding-window rate."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

# Exact 1 µs buckets below 1 ms, then 64 logarithmic buckets per doubling (2^(1/64) ≈ 1.011).
_LINEAR_US = 1024
_SUB_BUCKETS = 64
_MAX_US = 1 << 36  # ~19 hours: anything slower lands in the last bucket
_BUCKETS = _LINEAR_US + _SUB_BUCKETS * (36 - 10) + 1


def _bucket(us: int) -> int:
    if us < _LINEAR_US:
        return max(us, 0)
    if us >= _MAX_US:
        return _BUCKETS - 1
    return _LINEAR_US + int((math.log2(us) - 10) * _SUB_BUCKETS)


def _bucket_value(index: int) -> float:
    """Representative value (µs) of a bucket: its lower bound, or the geometric middle."""
    if index < _LINEAR_US:
        return float(index)
    low = 2 ** (10 + (index - _LINEAR_US) / _SUB_BUCKETS)
    return low * 2 ** (0.5 / _SUB_BUCKETS)


@dataclass(frozen=True)
class LatencySummary:
    """Latencies in milliseconds."""

    count: int
    mean_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float

    def to_json(self) -> dict[str, float | int]:
        return {
            "count": self.count,
            "mean_ms": round(self.mean_ms, 3),
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "max_ms": round(self.max_ms, 3),
        }


class LatencyHistogram:
    """Records latencies in O(1); percentiles in O(buckets) with ~1.1 % relative error above
    1 ms and 1 µs resolution below. `max` and the mean are exact."""

    def __init__(self) -> None:
        self._counts = [0] * _BUCKETS
        self.count = 0
        self._total_us = 0
        self._max_us = 0

    def record(self, seconds: float) -> None:
        us = int(seconds * 1_000_000)
        self._counts[_bucket(us)] += 1
        self.count += 1
        self._total_us += us
        if us > self._max_us:
            self._max_us = us

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds (0 when empty); p in [0, 100]."""
        if not 0 <= p <= 100:
            raise ValueError(f"percentile {p} is outside 0..100")
        if self.count == 0:
            return 0.0
        rank = max(1, math.ceil(p / 100 * self.count))
        seen = 0
        for index, n in enumerate(self._counts):
            seen += n
            if seen >= rank:
                if index == _BUCKETS - 1:  # the overflow bucket: only the max is known
                    return self._max_us / 1000
                return min(_bucket_value(index), self._max_us) / 1000
        return self._max_us / 1000  # unreachable: counts sum to count

    def summary(self) -> LatencySummary | None:
        if self.count == 0:
            return None
        return LatencySummary(
            count=self.count,
            mean_ms=self._total_us / self.count / 1000,
            p50_ms=self.percentile(50),
            p99_ms=self.percentile(99),
            max_ms=self._max_us / 1000,
        )


class RateWindow:
    """Events per second over the last `window` seconds, from (time, cumulative count) samples."""

    def __init__(self, window: float = 2.0) -> None:
        self.window = window
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, now: float, total: int) -> None:
        self._samples.append((now, total))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self.window:
            self._samples.popleft()

    def rate(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._samples[0], self._samples[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0
