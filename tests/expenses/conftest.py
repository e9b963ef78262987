from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tests.factories import BudgetFactory


@pytest.fixture
def budget(db):
    """This financial year's budget (claims need a budget for their date)."""
    return BudgetFactory()


@pytest.fixture
def in_2018(db):
    """Freeze the clock in the 2018/19 financial year, with its budget."""
    with time_machine.travel(date(2019, 3, 1), tick=False):
        yield BudgetFactory(start_year=2018)
