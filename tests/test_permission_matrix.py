"""Every URL of the project, for every role: who gets the page and who does not.

A URL pattern that is not classified here fails `test_every_url_is_classified`, so
each new page must say who may open it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.csp import html_response_problems
from tests.factories import BudgetFactory
from tests.samples import make_samples

ROLES = ["anonymous", "volunteer", "workforce", "lived", "finance", "coordinator"]
STAFF_ROLES = ROLES[1:]

LOGIN = "login"  # 302 to the sign-in page
OK = 200


@dataclass(frozen=True)
class Case:
    expect: dict[str, object]
    method: str = "get"
    kwargs: dict = field(default_factory=dict)


def everyone(outcome) -> dict[str, object]:
    return dict.fromkeys(ROLES, outcome)


def signed_in(outcome, anonymous=LOGIN) -> dict[str, object]:
    return {"anonymous": anonymous, **dict.fromkeys(STAFF_ROLES, outcome)}


def coordinators_only(outcome=OK) -> dict[str, object]:
    return {**signed_in(403), "coordinator": outcome}


def people_managers(outcome=OK) -> dict[str, object]:
    return {**signed_in(403), "coordinator": outcome, "finance": outcome}


def claimants_only(outcome=OK) -> dict[str, object]:
    return {**signed_in(403), "volunteer": outcome, "workforce": outcome, "lived": outcome}


def finance_only(outcome=OK) -> dict[str, object]:
    return {**signed_in(403), "finance": outcome}


def own_claim(outcome) -> dict[str, object]:
    return {**signed_in(404), "volunteer": outcome, "finance": outcome}


def facilitators_only(outcome=OK) -> dict[str, object]:
    return {**signed_in(403), "workforce": outcome, "lived": outcome}


def with_second_factor(outcome, without) -> dict[str, object]:
    return {**signed_in(without), "finance": outcome, "coordinator": outcome}


# allauth answers a signed-in person on pages meant for signing in with a redirect home.
SIGNED_OUT_PAGE = {"anonymous": OK, **dict.fromkeys(STAFF_ROLES, 302)}

MATRIX: dict[str, Case] = {
    "home": Case(signed_in(OK, anonymous=302)),
    "healthz": Case(everyone(OK)),
    "accessibility": Case(everyone(OK)),
    # People and invitations: coordinators, and finance leads (who alone give the Finance
    # lead role).
    "people": Case(people_managers()),
    "invite": Case(people_managers()),
    # Resending or withdrawing needs the right to give all the invitation's roles (the
    # sample invites a volunteer); deactivating is for coordinators.
    "invitation_resend": Case(coordinators_only(302), method="post", kwargs={"pk": "invitation"}),
    "invitation_revoke": Case(coordinators_only(302), method="post", kwargs={"pk": "invitation"}),
    "person_detail": Case(people_managers(), kwargs={"pk": "person"}),
    "person_deactivate": Case(coordinators_only(), kwargs={"pk": "person"}),
    "person_reactivate": Case(coordinators_only(302), method="post", kwargs={"pk": "person"}),
    # The audit trail: coordinators read their parts, finance leads the money.
    "audit_trail": Case(people_managers()),
    # The link in the email: the invitee is not signed in yet; someone who is signed
    # in is told to sign out first.
    "invitation_accept": Case(everyone(OK), kwargs={"token": "invitation_token"}),
    # Courses, sessions, venues: every role reads; coordinators change.
    "programmes:course_list": Case(signed_in(OK)),
    "programmes:course_create": Case(coordinators_only()),
    "programmes:course_detail": Case(signed_in(OK), kwargs={"pk": "course"}),
    "programmes:course_edit": Case(coordinators_only(), kwargs={"pk": "course"}),
    "programmes:course_cancel": Case(
        coordinators_only(302), method="post", kwargs={"pk": "course"}
    ),
    "programmes:session_edit": Case(coordinators_only(), kwargs={"pk": "session"}),
    "programmes:session_cancel": Case(
        coordinators_only(302), method="post", kwargs={"pk": "session"}
    ),
    "programmes:calendar": Case(signed_in(OK)),
    "programmes:programme_list": Case(signed_in(OK)),
    "programmes:programme_create": Case(coordinators_only()),
    "programmes:programme_edit": Case(coordinators_only(), kwargs={"pk": "programme"}),
    "programmes:closure_list": Case(coordinators_only()),
    "programmes:closure_delete": Case(
        coordinators_only(302), method="post", kwargs={"pk": "closure"}
    ),
    "venues:venue_list": Case(signed_in(OK)),
    "venues:venue_create": Case(coordinators_only()),
    "venues:venue_detail": Case(signed_in(OK), kwargs={"pk": "venue"}),
    "programmes:venue_sessions": Case(signed_in(OK), kwargs={"pk": "venue"}),
    "venues:venue_edit": Case(coordinators_only(), kwargs={"pk": "venue"}),
    "team_settings": Case(coordinators_only()),
    "message_log": Case(coordinators_only()),
    # Facilitators' own pages: a coordinator without a facilitator profile gets 403.
    "facilitators:board": Case(facilitators_only()),
    "facilitators:mine": Case(facilitators_only()),
    "facilitators:my_profile": Case(facilitators_only()),
    "facilitators:reset_feed_token": Case(facilitators_only(302), method="post"),
    "facilitators:claim_session": Case(
        facilitators_only(302), method="post", kwargs={"pk": "session"}
    ),
    "facilitators:claim_course": Case(
        facilitators_only(302), method="post", kwargs={"pk": "course"}
    ),
    "facilitators:accept_cover": Case(
        facilitators_only(302), method="post", kwargs={"pk": "cover_request"}
    ),
    # The sample claim is the workforce facilitator's: others may not know it exists.
    "facilitators:release": Case(
        {**signed_in(404), "workforce": 302, "coordinator": 302},
        method="post",
        kwargs={"pk": "claim"},
    ),
    "facilitators:ask_cover": Case(
        {**signed_in(404), "workforce": 302}, method="post", kwargs={"pk": "claim"}
    ),
    "facilitators:withdraw_cover": Case(
        {**signed_in(404), "workforce": 302, "coordinator": 302},
        method="post",
        kwargs={"pk": "cover_request"},
    ),
    "facilitators:session_detail": Case(signed_in(OK), kwargs={"pk": "session"}),
    "facilitators:assign": Case(coordinators_only(302), method="post", kwargs={"pk": "session"}),
    "facilitators:cover_gaps": Case(coordinators_only()),
    "facilitators:facilitator_list": Case(coordinators_only()),
    "facilitators:facilitator_edit": Case(coordinators_only(), kwargs={"pk": "profile"}),
    "facilitators:training_delete": Case(
        coordinators_only(302), method="post", kwargs={"pk": "training"}
    ),
    # The private calendar feed: the token is the key, no sign-in.
    "facilitators:feed": Case(everyone(OK), kwargs={"token": "feed_token"}),
    # Expenses: volunteers and facilitators claim; finance leads decide. The sample claim
    # is the volunteer's; for anyone else but finance it does not exist.
    "expenses:claim_list": Case(claimants_only()),
    "expenses:claim_create": Case(claimants_only()),
    "expenses:claim_detail": Case(own_claim(OK), kwargs={"pk": "expense"}),
    "expenses:claim_receipt": Case(own_claim(OK), kwargs={"pk": "expense"}),
    "expenses:claim_edit": Case(
        {**own_claim(OK), "finance": 403, "coordinator": 403}, kwargs={"pk": "expense"}
    ),
    "expenses:claim_submit": Case(own_claim(302), method="post", kwargs={"pk": "expense"}),
    "expenses:claim_delete": Case(own_claim(302), method="post", kwargs={"pk": "expense"}),
    "expenses:dashboard": Case(finance_only()),
    "expenses:approve": Case(finance_only(302), method="post", kwargs={"pk": "expense"}),
    # An empty POST to reject or pay shows the claim with the form's errors.
    "expenses:reject": Case(finance_only(OK), method="post", kwargs={"pk": "expense"}),
    "expenses:pay": Case(finance_only(OK), method="post", kwargs={"pk": "expense"}),
    "expenses:budget_list": Case(finance_only()),
    "expenses:budget_edit": Case(finance_only(), kwargs={"pk": "budget"}),
    "expenses:spend_list": Case(finance_only()),
    "expenses:spend_attachment": Case(finance_only(), kwargs={"pk": "spend"}),
    "expenses:rates": Case(finance_only()),
    "expenses:export": Case(finance_only(), kwargs={"start_year": "budget_year"}),
    "expenses:chart": Case(
        finance_only(), kwargs={"start_year": "budget_year", "name": "categories"}
    ),
    "account_login": Case(SIGNED_OUT_PAGE),
    "account_logout": Case(everyone(302), method="post"),
    "account_inactive": Case(everyone(OK)),
    # Sign-up is closed: the page says accounts are by invitation.
    "account_signup": Case(SIGNED_OUT_PAGE),
    "account_reauthenticate": Case(signed_in(OK)),
    "account_email": Case(signed_in(OK)),
    "account_email_verification_sent": Case(everyone(OK)),
    "account_change_password": Case(signed_in(OK)),
    "account_set_password": Case(signed_in(302)),
    "account_reset_password": Case(everyone(OK)),
    "account_reset_password_done": Case(everyone(OK)),
    "account_confirm_login_code": Case(everyone(302)),
    "account_confirm_email": Case(everyone(OK), kwargs={"key": "not-a-real-key"}),
    "account_reset_password_from_key": Case(
        everyone(OK), kwargs={"uidb36": "zz", "key": "not-a-real-key"}
    ),
    "account_reset_password_from_key_done": Case(everyone(OK)),
    # Two-factor sign-in (allauth.mfa): offered to everyone who is signed in. Coordinators
    # and finance leads have it set up (required); the others have not (404 for pages
    # about an authenticator they do not have). Changes ask for the code again (302).
    "mfa_index": Case(signed_in(OK)),
    "mfa_authenticate": Case(everyone(302)),
    "mfa_reauthenticate": Case(with_second_factor(OK, without=302)),
    "mfa_activate_totp": Case(signed_in(302)),
    "mfa_deactivate_totp": Case(with_second_factor(302, without=404)),
    "mfa_view_recovery_codes": Case(with_second_factor(302, without=404)),
    "mfa_generate_recovery_codes": Case(signed_in(302)),
    "mfa_download_recovery_codes": Case(with_second_factor(302, without=404)),
    # Where you are signed in, with "sign out everywhere else".
    "usersessions_list": Case(signed_in(OK)),
}

# The Django admin as a whole: only staff. Anyone else is sent to sign in (anonymous)
# or bounced to the admin's sign-in, which refuses non-staff.
ADMIN_PREFIX = "admin/"
ADMIN_EXPECT = {"anonymous": (302, 404), **dict.fromkeys(STAFF_ROLES, (302, 403, 404))}


def all_patterns(patterns=None, prefix="", namespace=None):
    """(key, route, pattern) for every URL pattern; key is the URL name or the route."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = ":".join(n for n in [namespace, pattern.namespace] if n) or None
            yield from all_patterns(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name or route, route, pattern


def project_patterns():
    return [(key, route) for key, route, _ in all_patterns() if not route.startswith(ADMIN_PREFIX)]


def admin_patterns():
    return sorted({key for key, route, _ in all_patterns() if route.startswith(ADMIN_PREFIX)})


def test_every_url_is_classified():
    unclassified = [f"{key} ({route})" for key, route in project_patterns() if key not in MATRIX]
    assert not unclassified, "Add these URLs to the permission matrix: " + ", ".join(unclassified)
    stale = set(MATRIX) - {key for key, _ in project_patterns()}
    assert not stale, f"The matrix names URLs that no longer exist: {stale}"


def _login(client, role, personas):
    client.logout()
    if role != "anonymous":
        client.force_login(personas[role])


def _outcome_matches(response, expected) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and response.url.startswith(reverse("account_login"))
    if isinstance(expected, tuple):
        return response.status_code in expected
    return response.status_code == expected


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_page_answers_each_role_as_the_matrix_says(client, personas, key):
    case = MATRIX[key]
    mismatches = []
    budget = BudgetFactory()
    for n, role in enumerate(ROLES):  # coordinator last: the only role whose POSTs change things
        samples = make_samples(personas, budget=budget, n=n)
        kwargs = {k: samples.get(v, v) for k, v in case.kwargs.items()}
        url = reverse(key, kwargs=kwargs)
        _login(client, role, personas)
        response = getattr(client, case.method)(url)
        if response.streaming:  # reading a download to the end lets the client close its file
            b"".join(response.streaming_content)
        if not _outcome_matches(response, case.expect[role]):
            mismatches.append(f"{role}: got {response.status_code}, want {case.expect[role]}")
        # Every page, for every role, under the strict Content-Security-Policy.
        mismatches += [f"{role}: {problem}" for problem in html_response_problems(response)]
    assert not mismatches, f"{key}: " + "; ".join(mismatches)


def _admin_url(key: str) -> str:
    route = next(route for k, route, _ in all_patterns() if k == key)
    if key.startswith("admin:"):
        pattern = next(p for k, _, p in all_patterns() if k == key)
        names = set(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", str(pattern.pattern)))
        kwargs = {}
        for converter_name, regex_name in names:
            name = converter_name or regex_name
            kwargs[name] = "hope" if name == "app_label" else "1"
        return reverse(key, kwargs=kwargs)
    # Unnamed admin routes (object redirects, the catch-all): fill placeholders by hand.
    path = re.sub(r"<(?:\w+:)?\w+>", "1", route)
    return "/" + re.sub(r"\(\?P<\w+>[^)]*\)\$?", "1/", path).replace("^", "")


@pytest.mark.parametrize("key", admin_patterns())
def test_admin_is_for_staff_only(client, personas, key):
    url = _admin_url(key)
    for role in ROLES:
        _login(client, role, personas)
        response = client.get(url)
        assert response.status_code in ADMIN_EXPECT[role], f"{role} on {url}"


def test_staff_admin_opens_the_admin_under_the_csp(client, coordinator):
    from django.contrib import admin

    coordinator.is_staff = True
    coordinator.is_superuser = True
    coordinator.save()
    client.force_login(coordinator)
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:%s_%s_changelist" % info))  # noqa: UP031
        obj = model._default_manager.first()
        if obj is not None:
            urls.append(reverse("admin:%s_%s_change" % info, args=[obj.pk]))  # noqa: UP031
    problems = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        problems += [f"{url}: {p}" for p in html_response_problems(response)]
    assert not problems, "\n".join(problems)
