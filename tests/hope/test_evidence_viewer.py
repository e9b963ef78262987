"""The evidence viewer: a commissioner or quality lead who reads the anonymous reports and
nothing else. Who gives the role, what their pages show, and the one access rule the
reports use (`hope.access`). The permission matrix checks every URL for them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from hope.access import may_see_reports, reports_required, sees_feedback
from hope.forms import InvitationForm
from hope.models import Invitation, User
from hope.roles import Role, has_working_role, role_names
from hope.services import PersonError, invitation_create, person_update
from tests.factories import CourseFactory, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "a-long-walk-by-the-canal"
READERS = {"coordinator", "finance", "evidence"}


def offered_roles(by) -> set[str]:
    return {value for value, _ in InvitationForm(by=by).fields["roles"].choices}


def test_coordinators_give_the_evidence_viewer_role_and_finance_leads_do_not(
    coordinator, finance_lead, volunteer
):
    assert Role.EVIDENCE_VIEWER in offered_roles(coordinator)
    assert Role.EVIDENCE_VIEWER not in offered_roles(finance_lead)
    invitation = invitation_create(
        email="commissioner@example.org",
        full_name="Cass Commissioner",
        roles=[Role.EVIDENCE_VIEWER],
        by=coordinator,
    )
    assert invitation.role_labels() == ["Evidence viewer"]
    person_update(person=volunteer, roles=[Role.EVIDENCE_VIEWER], is_driver=False, by=coordinator)
    assert role_names(User.objects.get(pk=volunteer.pk)) == {Role.EVIDENCE_VIEWER}
    with pytest.raises(PersonError):
        person_update(
            person=volunteer, roles=[], is_driver=False, by=finance_lead
        )  # only the Finance lead role is theirs to give or take


def test_the_database_takes_an_evidence_viewer_invitation_and_no_made_up_role(coordinator):
    InvitationFactory(roles=[Role.EVIDENCE_VIEWER], invited_by=coordinator)
    with transaction.atomic(), pytest.raises(IntegrityError):
        InvitationFactory(roles=["Commissioner"], invited_by=coordinator)
    assert list(Invitation.objects.values_list("roles", flat=True)) == [[Role.EVIDENCE_VIEWER]]


def test_an_invited_evidence_viewer_sets_up_two_factor_sign_in_first(client):
    invitation = InvitationFactory(email="quality@example.org", roles=[Role.EVIDENCE_VIEWER])
    response = client.post(
        reverse("invitation_accept", args=[invitation.token]),
        {"full_name": "Quinn Quality", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    assert role_names(User.objects.get(email="quality@example.org")) == {Role.EVIDENCE_VIEWER}
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")


def test_the_home_page_gives_an_evidence_viewer_the_reports_and_no_sessions(
    client, evidence_viewer, settings
):
    settings.SUPPRESS_BELOW = 5
    CourseFactory(title="Living well in Oakfield", first_start=timezone.now() + timedelta(days=2))
    client.force_login(evidence_viewer)
    html = client.get(reverse("home")).content.decode()
    assert "Evidence reports" in html
    assert "fewer than 5" in html
    assert "Living well in Oakfield" not in html and "Coming up" not in html
    assert "no role yet" not in html
    nav = re.search(r'<nav class="navbar.*?</nav>', html, re.S).group(0)
    for name in ("programmes:course_list", "programmes:calendar", "venues:venue_list"):
        assert f'href="{reverse(name)}"' not in nav, name


def test_every_link_an_evidence_viewer_is_shown_answers(client, evidence_viewer):
    client.force_login(evidence_viewer)
    pages = [reverse("home"), reverse("mfa_index"), reverse("message_log")]
    broken = {}
    for page in pages:
        html = client.get(page).content.decode()
        links = {href for href in re.findall(r'<a [^>]*href="(/[^"]*)"', html)}
        for href in links:
            # (Changes to two-factor sign-in ask for the code again first.)
            status = client.get(href.replace("&amp;", "&"), follow=True).status_code
            if status != 200:
                broken[f"{page} -> {href}"] = status
    assert broken == {}
    # The rota is not theirs: no rota notices on their account page.
    assert reverse("notice_preferences") not in client.get(reverse("mfa_index")).content.decode()


def _reports_page(request):
    return HttpResponse("figures")


@pytest.mark.parametrize(
    "persona", ["coordinator", "finance", "evidence", "volunteer", "workforce", "lived"]
)
def test_the_reports_are_for_coordinators_finance_leads_and_evidence_viewers(personas, persona):
    request = RequestFactory().get("/reports/")
    request.user = personas[persona]
    view = reports_required(_reports_page)
    if persona in READERS:
        assert view(request).status_code == 200
    else:
        with pytest.raises(PermissionDenied):
            view(request)
    assert may_see_reports(personas[persona]) == (persona in READERS)
    # Participants' own words are for coordinators alone.
    assert sees_feedback(personas[persona]) == (persona == "coordinator")


def test_someone_with_no_role_sees_no_report_and_an_administrator_sees_all(outsider):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert not may_see_reports(outsider) and not sees_feedback(outsider)
    assert may_see_reports(admin) and sees_feedback(admin)


def test_an_evidence_viewer_who_also_volunteers_keeps_the_volunteers_pages(client):
    both = UserFactory(roles=[Role.VOLUNTEER, Role.EVIDENCE_VIEWER])
    assert has_working_role(both) and may_see_reports(both) and not sees_feedback(both)
    client.force_login(both)
    assert client.get(reverse("programmes:course_list")).status_code == 200
    assert client.get(reverse("notice_preferences")).status_code == 200
