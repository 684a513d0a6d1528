"""Descriptive statistics in Decimal for income streams (day intervals and amounts).

mean: the arithmetic mean; median: the middle value, or the mean of the two middle values;
mode: the most frequent value, the smallest of them on a tie; range: max - min; standard
deviation: the population standard deviation (divide by n, not n - 1). Results are exact until
the final half-even rounding to two decimals, done by the caller.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal, localcontext


def mean(values: Sequence[Decimal]) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 50
        return sum(values, Decimal(0)) / len(values)


def median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def mode(values: Sequence[Decimal]) -> Decimal:
    counts = Counter(values)
    top = max(counts.values())
    return min(value for value, count in counts.items() if count == top)


def value_range(values: Sequence[Decimal]) -> Decimal:
    return max(values) - min(values)


def standard_deviation(values: Sequence[Decimal]) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 50
        centre = sum(values, Decimal(0)) / len(values)
        variance = sum(((v - centre) ** 2 for v in values), Decimal(0)) / len(values)
        return variance.sqrt()
