"""What each card and past line on My sessions says."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from facilitators.mine import undo_form
from facilitators.models import CoverRequest, FacilitatorKind, SessionClaim
from facilitators.services import cover_request_accept, slot_claim
from hope.links import csrf_input
from tests.factories import (
    CourseFactory,
    FacilitatorProfileFactory,
    SessionClaimFactory,
    TrainingFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TUESDAY = datetime(2030, 12, 3, 10, tzinfo=LONDON)  # sessions weekly from Tue 3 Dec 2030


def mine_html(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("facilitators:mine"))
    assert response.status_code == 200
    return response.content.decode()


def card_of(html: str, session) -> str:
    """The card whose heading links to the session."""
    detail = reverse("facilitators:session_detail", args=[session.pk])
    found = re.search(
        rf'<li class="card mb-2"><div class="card-body">\s*<h3 [^>]*><a href="{detail}">.*?</li>',
        html,
        re.S,
    )
    assert found, f"no card for session {session.number}"
    return found.group(0)


def test_a_card_says_when_what_where_and_with_whom(client, programme, workforce):
    course = CourseFactory(
        programme=programme,
        title="Carers – Tuesdays",
        venue=VenueFactory(name="St Mark's Hall"),
        first_start=TUESDAY,
    )
    first, second = course.sessions.filter(number__in=[1, 2]).order_by("number")
    SessionClaimFactory(session=first, facilitator=workforce)
    SessionClaimFactory(session=second, facilitator=workforce)
    partner = FacilitatorProfileFactory(
        user=UserFactory(full_name="Dev O'Brien"), kind=FacilitatorKind.LIVED_EXPERIENCE
    )
    SessionClaimFactory(session=first, facilitator=partner)
    online = CourseFactory(programme=programme, title="Carers online", venue=None)
    remote = online.sessions.get(number=3)
    SessionClaimFactory(session=remote, facilitator=workforce)

    html = mine_html(client, workforce.user)

    card = card_of(html, first)
    register = reverse("programmes:register", args=[first.pk])
    assert "Tuesday 3 December 2030, 10:00–12:30</a></h3>" in card
    assert "Carers – Tuesdays, session 1 at St Mark&#x27;s Hall." in card
    assert "Co-facilitator: Dev O&#x27;Brien." in card
    assert (
        f'<a href="{register}">Take the register'
        '<span class="visually-hidden"> for Carers – Tuesdays session 1</span></a>'
    ) in card
    assert "Co-facilitator: not yet arranged." in card_of(html, second)
    assert "Carers online, session 3 (online)." in card_of(html, remote)
    # Soonest first: the online session is in three weeks.
    cards = [html.index(card_of(html, s)) for s in (remote, first, second)]
    assert cards == sorted(cards)


def test_each_card_offers_what_its_holder_can_do_now(client, programme, workforce):
    soon = CourseFactory(
        programme=programme,
        title="Soon",
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(days=2),
    )
    later = CourseFactory(programme=programme, title="Later", first_start=TUESDAY)
    within_notice = SessionClaimFactory(session=soon.sessions.get(number=1), facilitator=workforce)
    asked = SessionClaimFactory(session=later.sessions.get(number=2), facilitator=workforce)
    request = CoverRequest.objects.create(claim=asked, reason="")
    given = SessionClaimFactory(session=later.sessions.get(number=3), facilitator=workforce)
    just_made = slot_claim(
        session=later.sessions.get(number=4), facilitator=workforce, by=workforce.user
    )
    colleague = FacilitatorProfileFactory(kind=workforce.kind)
    TrainingFactory(profile=colleague, programme=programme)
    theirs = slot_claim(
        session=later.sessions.get(number=5), facilitator=colleague, by=colleague.user
    )
    covered = cover_request_accept(
        request=CoverRequest.objects.create(claim=theirs), facilitator=workforce, by=workforce.user
    )

    html = mine_html(client, workforce.user)

    card = card_of(html, within_notice.session)
    assert "This session is less than 7 days away: ask for cover" in card
    assert f'action="{reverse("facilitators:ask_cover", args=[within_notice.pk])}"' in card
    assert "Release" not in card
    card = card_of(html, asked.session)
    assert "You have asked for cover." in card
    assert f'action="{reverse("facilitators:withdraw_cover", args=[request.pk])}"' in card
    assert "Release" not in card
    card = card_of(html, given.session)
    assert (
        f'href="{reverse("facilitators:release", args=[given.pk])}">Release'
        '<span class="visually-hidden"> Later session 3</span>…</a>'
    ) in card
    assert "Claimed by mistake?" not in card  # a coordinator's doing, not theirs to undo
    card = card_of(html, just_made.session)
    until = timezone.localtime(just_made.claimed_at + timedelta(minutes=15))
    assert "Claimed by mistake?" in card
    assert f'<input type="hidden" name="claim" value="{just_made.pk}">' in card
    assert f"(until {until:%H:%M})" in card
    # Taken as cover just now, but it released a colleague: not theirs to undo.
    assert "Claimed by mistake?" not in card_of(html, covered.session)


def test_the_past_lists_sessions_run_newest_first_with_their_registers(
    client, programme, workforce
):
    course = CourseFactory(programme=programme, title="Old & new")
    sessions = list(course.sessions.order_by("number"))
    claims = [SessionClaimFactory(session=s, facilitator=workforce) for s in sessions]
    # Make them all past: the first, oldest, 60 weeks ago.
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(weeks=60)
    for n, session in enumerate(sessions):
        when = start + timedelta(weeks=n)
        type(session).objects.filter(pk=session.pk).update(
            start=when, end=when + timedelta(hours=2)
        )
        SessionClaim.objects.filter(pk=claims[n].pk).update(
            start=when, end=when + timedelta(hours=2)
        )

    past = mine_html(client, workforce.user).split('<h2 class="h4 mt-4">Past</h2>')[1]

    newest = sessions[-1]
    day = timezone.localtime(start + timedelta(weeks=len(sessions) - 1))
    register = reverse("programmes:register", args=[newest.pk])
    assert past.index(f"{day:%-d %b %Y} – Old &amp; new, session {newest.number}.") < past.index(
        "session 1."
    )
    assert (
        f'<a href="{register}">Take the register'
        f'<span class="visually-hidden"> for Old &amp; new session {newest.number}</span></a>'
    ) in past


@pytest.mark.parametrize(
    ("until", "shown"),
    [
        (datetime(2030, 12, 3, 9, 5, tzinfo=ZoneInfo("UTC")), "09:05"),  # GMT
        (datetime(2030, 3, 31, 1, 0, tzinfo=ZoneInfo("UTC")), "02:00"),  # clocks gone forward
        (datetime(2030, 7, 3, 23, 50, tzinfo=ZoneInfo("UTC")), "00:50"),  # BST: next day
        (datetime(2030, 3, 31, 0, 59, tzinfo=ZoneInfo("UTC")), "00:59"),  # a minute to go
    ],
)
def test_the_undo_form_offers_its_claims_until_a_london_time(until, shown):
    """The one Undo form (facilitators/mine.py): the claims, where to come back to
    (escaped), the page's CSRF field and the time it lasts until, in London."""
    form = undo_form(pks=[4321], until=until, here="/sessions/mine/", csrf=csrf_input("t0ken"))
    assert form == (
        '\n<form method="post" action="/claims/undo/" class="d-inline">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="t0ken">'
        '\n  <input type="hidden" name="claim" value="4321">'
        '\n  <input type="hidden" name="next" value="/sessions/mine/">'
        '\n  <button type="submit" class="btn btn-sm btn-outline-dark">Undo'
        '<span class="visually-hidden"> this claim</span></button>'
        f'\n  <span class="small">(until {shown})</span>'
        "\n</form>\n"
    )
    several = undo_form(pks=[1, 2], until=until, here='/a?b=1&c="2"', csrf="")
    assert (
        '<input type="hidden" name="claim" value="1"><input type="hidden" name="claim"' in several
    )
    assert 'value="/a?b=1&amp;c=&quot;2&quot;"' in several and "these claims" in several
    assert 'name="next"' not in undo_form(pks=[1], until=until, here="", csrf="")
