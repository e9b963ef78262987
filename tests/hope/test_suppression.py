"""Small-number suppression: every small count hidden, and no hidden count can be worked
out from what a table shows. The attacker here is written apart from hope/suppression.py
(a null-space test, and brute force on tiny tables), so a slip in one is caught by the
other."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hope.suppression import recoverable, shown_mean, suppress, too_few

BELOW = 5


def one_way(counts: list[int]):
    """Parts and their total: ("part", i) and "total"."""
    values = {("part", i): n for i, n in enumerate(counts)}
    values["total"] = sum(counts)
    return values, [("total", [("part", i) for i in range(len(counts))])]


def two_way(grid: list[list[int]]):
    """Cells, row totals, column totals and the grand total, with all their sums."""
    rows, cols = len(grid), len(grid[0])
    values = {("cell", r, c): grid[r][c] for r in range(rows) for c in range(cols)}
    sums = []
    for r in range(rows):
        values[("row", r)] = sum(grid[r])
        sums.append((("row", r), [("cell", r, c) for c in range(cols)]))
    for c in range(cols):
        values[("col", c)] = sum(grid[r][c] for r in range(rows))
        sums.append((("col", c), [("cell", r, c) for r in range(rows)]))
    values["grand"] = sum(map(sum, grid))
    sums.append(("grand", [("row", r) for r in range(rows)]))
    sums.append(("grand", [("col", c) for c in range(cols)]))
    return values, sums


def pinned_by_null_space(values, sums, hidden) -> set:
    """The attacker: a hidden cell is worked out exactly when every solution of the sums
    (with the shown values put in) gives it the same value, i.e. when every vector of the
    null space of the sums' matrix over the hidden cells is zero there."""
    unknowns = sorted(hidden, key=repr)
    index = {key: i for i, key in enumerate(unknowns)}
    matrix = []
    for total, parts in sums:
        row = [Fraction(0)] * len(unknowns)
        for key, sign in [(total, -1), *((p, 1) for p in parts)]:
            if key in index:
                row[index[key]] += sign
        matrix.append(row)
    # Row-reduce, then read off a basis of the null space from the free columns.
    pivots, r = [], 0
    for c in range(len(unknowns)):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][c]), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        matrix[r] = [x / matrix[r][c] for x in matrix[r]]
        for i in range(len(matrix)):
            if i != r and matrix[i][c]:
                f = matrix[i][c]
                matrix[i] = [a - f * b for a, b in zip(matrix[i], matrix[r], strict=True)]
        pivots.append(c)
        r += 1
    free = [c for c in range(len(unknowns)) if c not in pivots]
    moves = set()  # the hidden cells some solution can change
    for f in free:
        vector = [Fraction(0)] * len(unknowns)
        vector[f] = Fraction(1)
        for row_number, c in enumerate(pivots):
            vector[c] = -matrix[row_number][f]
        moves |= {unknowns[i] for i, x in enumerate(vector) if x}
    return set(unknowns) - moves


counts = st.integers(min_value=0, max_value=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(counts, min_size=1, max_size=8))
def test_a_list_with_its_total_gives_no_small_count_away(parts):
    values, sums = one_way(parts)
    result = suppress(values, sums, below=BELOW)
    assert {k for k, v in values.items() if v < BELOW} == set(result.primary)
    assert not pinned_by_null_space(values, sums, result.hidden)
    assert not recoverable(values, sums, result.hidden)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=4).flatmap(
        lambda cols: st.lists(
            st.lists(counts, min_size=cols, max_size=cols), min_size=1, max_size=4
        )
    )
)
def test_a_table_with_row_column_and_grand_totals_gives_no_small_count_away(grid):
    values, sums = two_way(grid)
    result = suppress(values, sums, below=BELOW)
    assert {k for k, v in values.items() if v < BELOW} <= result.hidden
    assert not pinned_by_null_space(values, sums, result.hidden)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=6), min_size=2, max_size=3))
def test_brute_force_finds_two_answers_for_every_hidden_cell_of_a_small_list(parts):
    values, sums = one_way(parts)
    result = suppress(values, sums, below=BELOW)
    hidden = sorted(result.hidden, key=repr)
    if not hidden:
        return
    shown = {k: v for k, v in values.items() if k not in hidden}
    answers = {key: set() for key in hidden}
    # What a reader knows: "fewer than 5" is 0 to 4; a cell hidden to protect it is 5 or
    # more (here up to a little past the largest possible total).
    ranges = [
        range(BELOW) if key in result.primary else range(BELOW, BELOW + sum(parts) + 2)
        for key in hidden
    ]
    for guess in product(*ranges):
        trial = {**shown, **dict(zip(hidden, guess, strict=True))}
        if trial["total"] == sum(trial[("part", i)] for i in range(len(parts))):
            for key, value in zip(hidden, guess, strict=True):
                answers[key].add(value)
    assert all(len(found) > 1 for found in answers.values()), answers


def test_a_lone_small_cell_takes_the_next_smallest_with_it():
    values, sums = one_way([12, 3, 9, 20])
    result = suppress(values, sums, below=BELOW)
    assert result.primary == {("part", 1)}
    assert result.secondary == {("part", 2)}  # 9, the smallest other part, not the total


def test_nothing_is_hidden_when_every_count_is_large_enough():
    values, sums = one_way([12, 7, 9])
    assert not suppress(values, sums, below=BELOW).hidden


def test_a_hidden_total_protects_its_only_small_part():
    # 4 alone: its total must go too, or the 4 is the total.
    values, sums = one_way([4])
    result = suppress(values, sums, below=BELOW)
    assert result.hidden == {("part", 0), "total"}


@pytest.mark.parametrize(("people", "shown"), [(4, None), (5, 2.5)])
def test_a_mean_over_fewer_than_five_people_is_not_shown(people, shown):
    assert shown_mean(2.5, people, below=BELOW) == shown
    assert too_few(people, below=BELOW) is (shown is None)
