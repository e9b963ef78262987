"""Student's t distribution, for confidence intervals of a mean (no SciPy here).

``t_quantile(p, df)`` solves ``t_cdf(t, df) = p`` by bisection; ``t_cdf`` is the
regularised incomplete beta function by its continued fraction (Lentz's method, as in
Numerical Recipes §6.4). Good to well under 1e-9, far finer than a published figure.
"""

from __future__ import annotations

import math
from decimal import Decimal

from django.db.models import Aggregate, FloatField


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny, eps = 1e-300, 1e-15
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: int) -> float:
    """P(T ≤ t) for Student's t with ``df`` degrees of freedom."""
    tail = 0.5 * incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: int) -> float:
    """The t with P(T ≤ t) = p: t_quantile(0.975, n - 1) for a 95 % interval."""
    if df < 1:
        raise ValueError("A t distribution needs at least one degree of freedom.")
    if not 0 < p < 1:
        raise ValueError("p is a probability between 0 and 1.")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2


def mean_interval(mean, sd, n: int, level: float = 0.95) -> tuple[Decimal, Decimal] | None:
    """The confidence interval of a mean from its sample standard deviation:
    mean ± t((1 + level) / 2, n - 1) · sd / √n. None with fewer than two values."""
    if n < 2 or mean is None or sd is None:
        return None
    half = t_quantile((1 + level) / 2, n - 1) * float(sd) / math.sqrt(n)
    return Decimal(str(float(mean) - half)), Decimal(str(float(mean) + half))


class Median(Aggregate):
    """PostgreSQL's continuous median: the middle value, or the mean of the two."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
