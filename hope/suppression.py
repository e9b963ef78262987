"""Small numbers kept out of published tables, so that nobody can be picked out.

Every count under ``settings.SUPPRESS_BELOW`` (5) is shown as "fewer than 5" (primary
suppression). A table often also shows totals, and a total minus the other cells would
give a hidden cell back; so more cells are hidden (secondary suppression) until no hidden
cell can be worked out from what is shown: by any combination of the table's sums, or by
what a reader knows of hidden counts (never negative; "fewer than 5" is 0 to 4; a cell
hidden to protect another is 5 or more).

A table is given as its cells (``values``: a key for each cell and its count) and its
sums (``sums``: each a total cell and the cells that add up to it). "Can be worked out"
is exact linear algebra over the hidden cells: a hidden cell is given away when the
table's sums, with every shown value put in, pin it to one value. That is checked with
fractions (no rounding), and the cells hidden to stop it are the smallest ones shown in a
sum that gives one away (the least information lost). The sums are eliminated once for
all the hidden cells each time a cell is hidden.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.core.cache import cache

Key = Hashable
Sum = tuple[Key, Sequence[Key]]  # (the total's cell, the cells that add up to it)


def threshold() -> int:
    return settings.SUPPRESS_BELOW


def too_few(count: int | None, below: int | None = None) -> bool:
    """Whether a count is too small to publish (None, nothing to publish, is not)."""
    return count is not None and count < (below or threshold())


def shown_mean(value, people: int, below: int | None = None):
    """A mean, or None when it is over fewer people than may be published."""
    return None if too_few(people, below) else value


@dataclass(frozen=True)
class Suppressed:
    """The cells hidden: ``primary`` for being small, ``secondary`` to protect them."""

    primary: frozenset
    secondary: frozenset

    @property
    def hidden(self) -> frozenset:
        return self.primary | self.secondary


def suppress(
    values: Mapping[Key, int], sums: Iterable[Sum] = (), below: int | None = None
) -> Suppressed:
    """The cells to hide in a table of counts with these sums.

    Remembered in the cache by the table's own counts and sums (a pure function of
    them, so nothing need ever clear it): a year's report at ten years of data hides
    about a hundred cells one at a time, a second or two of arithmetic, and the counts
    rarely change between two people opening it."""
    below = below or threshold()
    sums = [(total, list(parts)) for total, parts in sums]
    table = repr((sorted(values.items(), key=repr), sums, below)).encode()
    key = "suppress:" + hashlib.sha256(table).hexdigest()
    found = cache.get(key)
    if found is None:
        found = _suppress(values, sums, below)
        cache.set(key, found, timeout=7 * 24 * 3600)
    return found


def _suppress(values: Mapping[Key, int], sums: list, below: int) -> Suppressed:
    primary = frozenset(key for key, value in values.items() if too_few(value, below))
    hidden = set(primary)
    while True:
        given_away = _given_away(values, sums, hidden) or _cornered(
            values, sums, hidden, primary, below
        )
        if given_away is None:
            break
        hidden.add(_next_to_hide(values, sums, hidden, given_away))
    return Suppressed(primary=primary, secondary=frozenset(hidden - primary))


def recoverable(values: Mapping[Key, int], sums: Iterable[Sum], hidden: Iterable[Key]) -> set:
    """Every hidden cell that the shown cells and the sums pin to one value by algebra
    alone. Empty for a table ``suppress`` made safe."""
    sums = [(total, list(parts)) for total, parts in sums]
    hidden = set(hidden)
    basis = _reduced(_equations(values, sums, hidden))
    return {key for key in hidden if _pinned(basis, key)}


def _cornered(values, sums, hidden, primary, below) -> Key | None:
    """A hidden cell pinned by what a reader knows of the hidden values besides the
    sums: counts are never negative, a "fewer than 5" is 0 to 4, and any other hidden
    count is at least 5. (Parts 0 and 0 of a total shown beside a shown 5 are both 0,
    though algebra alone cannot tell them apart.) Each sum's bounds are tightened from
    the others' until nothing changes; a hidden cell left with one possible value is
    given away."""
    lo: dict[Key, int] = {}
    hi: dict[Key, float] = {}
    for key, value in values.items():
        if key not in hidden:
            lo[key] = hi[key] = value
        elif key in primary:
            lo[key], hi[key] = 0, below - 1
        else:
            lo[key], hi[key] = below, float("inf")
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            bounds = [
                (total, sum(lo[p] for p in parts), sum(hi[p] for p in parts)),
                *(
                    (
                        part,
                        lo[total] - sum(hi[p] for p in parts if p != part),
                        hi[total] - sum(lo[p] for p in parts if p != part),
                    )
                    for part in parts
                ),
            ]
            for key, low, high in bounds:
                if low > lo[key]:
                    lo[key], changed = int(low), True
                if high < hi[key]:
                    hi[key], changed = high, True
    return next((key for key in sorted(hidden, key=repr) if lo[key] == hi[key]), None)


def _equations(values, sums, hidden) -> list[dict[Key, Fraction]]:
    """Each sum as a row over the hidden cells: sum(parts) - total = 0, with the shown
    values moved to the other side (which does not matter for what is pinned)."""
    rows = []
    for total, parts in sums:
        row: dict[Key, Fraction] = {}
        for key, sign in [(total, -1), *((part, 1) for part in parts)]:
            if key in hidden:
                row[key] = row.get(key, Fraction(0)) + sign
        row = {key: c for key, c in row.items() if c}
        if row:
            rows.append(row)
    return rows


def _reduced(rows: list[dict[Key, Fraction]]) -> list[tuple[Key, dict[Key, Fraction]]]:
    """Gaussian elimination to reduced row echelon form: (pivot, row) pairs."""
    basis: list[tuple[Key, dict[Key, Fraction]]] = []
    for row in rows:
        row = dict(row)
        for pivot, other in basis:
            factor = row.get(pivot)
            if factor:
                for key, c in other.items():
                    row[key] = row.get(key, Fraction(0)) - factor * c
                row = {key: c for key, c in row.items() if c}
        if not row:
            continue
        pivot = min(row, key=repr)
        scale = row[pivot]
        row = {key: c / scale for key, c in row.items()}
        reduced = []
        for other_pivot, other in basis:
            factor = other.get(pivot)
            if factor:
                other = dict(other)
                for key, c in row.items():
                    other[key] = other.get(key, Fraction(0)) - factor * c
                other = {key: c for key, c in other.items() if c}
            reduced.append((other_pivot, other))
        basis = [*reduced, (pivot, row)]
    return basis


def _pinned(basis: list[tuple[Key, dict[Key, Fraction]]], key) -> bool:
    """Whether the unit vector of ``key`` lies in the span of the sums' rows (``basis``,
    from ``_reduced``): then some combination of the sums gives its value alone."""
    target = {key: Fraction(1)}
    for pivot, row in basis:
        factor = target.get(pivot)
        if factor:
            for other, c in row.items():
                target[other] = target.get(other, Fraction(0)) - factor * c
            target = {k: c for k, c in target.items() if c}
    return not target


def _given_away(values, sums, hidden) -> Key | None:
    # Sums that share no hidden cell cannot help each other pin one, so each group of
    # linked sums is eliminated on its own (small), once for all its hidden cells. A
    # year's outcomes report at ten years of data has hundreds of cells; eliminating the
    # whole table afresh for each hidden cell took 20 s.
    pinned = set()
    for rows in _linked(_equations(values, sums, hidden)):
        basis = _reduced(rows)
        keys = {key for row in rows for key in row}
        pinned |= {key for key in keys if _pinned(basis, key)}
    return min(pinned, key=repr) if pinned else None


def _linked(rows: list[dict[Key, Fraction]]) -> list[list[dict[Key, Fraction]]]:
    """The rows in groups that share a hidden cell, directly or through other rows."""
    parent: dict[Key, Key] = {}

    def root(key: Key) -> Key:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for row in rows:
        first, *rest = row
        for key in rest:
            parent[root(key)] = root(first)
    groups: dict[Key, list[dict[Key, Fraction]]] = {}
    for row in rows:
        groups.setdefault(root(next(iter(row))), []).append(row)
    return list(groups.values())


def _next_to_hide(values, sums, hidden, given_away) -> Key:
    """The smallest shown cell in a sum that involves the given-away cell (a part before
    a total, which readers need more); failing that, in any sum with a hidden cell."""

    def candidates(only_with):
        found = []
        for total, parts in sums:
            members = [total, *parts]
            if only_with(members):
                found += [(key != total, key) for key in members if key not in hidden]
        return found

    found = candidates(lambda members: given_away in members) or candidates(
        lambda members: any(key in hidden for key in members)
    )
    if not found:
        # Every cell of every sum is hidden and one is still pinned: the sums fix it
        # whatever the counts (two sums of one total differing by one cell), so the
        # table was built wrongly; nothing shown gives anything away any more.
        raise ValueError(f"The table's sums fix {given_away!r} whatever the counts")
    return min(found, key=lambda item: (not item[0], values[item[1]], repr(item[1])))[1]
