"""The t quantiles behind the reports' confidence intervals, against published tables
(e.g. NIST/SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.2)."""

from __future__ import annotations

import pytest

from hope.stats import mean_interval, t_cdf, t_quantile


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.706), (2, 4.303), (4, 2.776), (5, 2.571), (9, 2.262), (10, 2.228),
     (20, 2.086), (30, 2.042), (60, 2.000), (100, 1.984), (1000, 1.962)],
)  # fmt: skip
def test_t_quantile_matches_the_published_table(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=0.0005)


def test_other_quantiles_and_the_cdf_agree():
    assert t_quantile(0.95, 10) == pytest.approx(1.812, abs=0.0005)
    assert t_quantile(0.025, 4) == pytest.approx(-2.776, abs=0.0005)
    assert t_cdf(0.0, 7) == pytest.approx(0.5)
    assert t_cdf(t_quantile(0.9, 3), 3) == pytest.approx(0.9, abs=1e-9)


def test_mean_interval_by_hand():
    # Changes 1, 2, 3, 4, 5: mean 3, sd √2.5, t(0.975, 4) = 2.7764: 3 ± 1.963.
    low, high = mean_interval(3, 2.5**0.5, 5)
    assert float(low) == pytest.approx(1.037, abs=0.001)
    assert float(high) == pytest.approx(4.963, abs=0.001)
    assert mean_interval(3, 1, 1) is None
