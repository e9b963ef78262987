"""axe-core on the pages people use less often: finance set-up, messages, settings."""

from __future__ import annotations

import pytest

from hope.roles import Role
from tests.browser.conftest import PHONE
from tests.browser.helpers import sign_in
from tests.factories import BudgetFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_and_coordinator_pages_are_accessible(
    live_server, page, open_page, coordinator, assert_accessible, assert_fits
):
    BudgetFactory()
    finance = UserFactory(roles=[Role.FINANCE_LEAD])
    phone = open_page(**PHONE)
    sign_in(phone, live_server, UserFactory(roles=[Role.FINANCE_LEAD]))  # codes work once
    for path in ["/finance/budgets/", "/finance/spend/", "/finance/rates/", "/finance/"]:
        phone.goto(live_server.url + path)
        assert_fits(phone)
    sign_in(page, live_server, finance)
    for path in ["/finance/budgets/", "/finance/spend/", "/finance/rates/", "/finance/"]:
        page.goto(live_server.url + path)
        assert_accessible(page)
    page.get_by_role("link", name="Budgets").click()
    page.get_by_role("link", name=BudgetFactory().__str__()).click()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, coordinator)
    for path in [
        "/messages/",
        "/settings/",
        "/people/",
        "/people/invite/",
        "/facilitators/",
        "/cover/",
    ]:
        page.goto(live_server.url + path)
        assert_accessible(page)
