"""The cover page counts who could step in to each open slot; a page per session lists
them to choose from, and assigning from it returns to the cover page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, strip_tags

from facilitators.models import (
    FacilitatorKind,
    FacilitatorProfile,
    FacilitatorStatus,
    SessionClaim,
)
from facilitators.queries import CoverRow, free_to_step_in, open_slots
from hope.models import Message
from hope.roles import Role
from programmes.models import Session
from tests.factories import (
    CourseFactory,
    FacilitatorProfileFactory,
    SessionClaimFactory,
    TrainingFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

WORKFORCE, LIVED = FacilitatorKind.WORKFORCE, FacilitatorKind.LIVED_EXPERIENCE


def person(name, programme=None, *, kind=WORKFORCE, **profile):
    """A facilitator, trained for ``programme`` if one is given."""
    made = FacilitatorProfileFactory(
        user=UserFactory(roles=[Role.FACILITATOR], full_name=name), kind=kind, **profile
    )
    if programme is not None:
        TrainingFactory(profile=made, programme=programme)
    return made


def elsewhere(start, end):
    """A session of another course, at another venue, from ``start`` to ``end``."""
    course = CourseFactory(first_start=start + timedelta(days=400))
    return Session.objects.create(
        course=course, number=9, start=start, end=end, venue=VenueFactory()
    )


def hold(session, profile, **claim):
    return SessionClaimFactory(session=session, facilitator=profile, **claim)


@pytest.fixture
def gap(programme):
    """Session 1 of a course two days away, nobody in either slot."""
    course = CourseFactory(
        programme=programme,
        title="Carers – Riverside",
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(days=2),
    )
    return course.sessions.select_related("course", "venue").get(number=1)


def rows_of(html: str) -> list[str]:
    """Each row of the page's tables, as its words."""
    body = "".join(part.split("</tbody>")[0] for part in html.split("<tbody>")[1:])
    return [" ".join(strip_tags(row).split()) for row in body.split("<tr>")[1:]]


def listed(session, kind):
    return list(free_to_step_in(session).filter(kind=kind).order_by("pk"))


def test_open_slot_counts_agree_with_who_the_choose_page_would_list(programme, gap):
    start, end = gap.start, gap.end
    free = person("Free To Go", programme)
    person("Paused Person", programme, status=FacilitatorStatus.PAUSED)
    person("Still Training", programme, status=FacilitatorStatus.IN_TRAINING)
    gone = person("Left The Team", programme)
    gone.user.is_active = False
    gone.user.save()
    person("Other Programme", CourseFactory().programme)
    busy = person("Busy Then", programme)
    hold(elsewhere(start - timedelta(hours=1), start + timedelta(minutes=30)), busy)
    released = person("Gave It Back", programme)
    hold(elsewhere(start, end), released, released_at=timezone.now())
    adjacent = person("Just Before", programme)
    hold(elsewhere(start - timedelta(hours=2), start), adjacent)  # '[)': ends as it starts
    # Two short sessions inside this one, both held by one person: busy once, not twice.
    twice = person("Twice Busy", programme)
    hold(elsewhere(start, start + timedelta(hours=1)), twice)
    hold(elsewhere(start + timedelta(hours=1), start + timedelta(hours=2)), twice)
    lived_free = person("Lived Free", programme, kind=LIVED)
    lived_busy = person("Lived Busy", programme, kind=LIVED)
    hold(elsewhere(start, end), lived_busy)

    row = CoverRow(gap.pk, start, end, 1, "Carers", None, programme.pk)
    counts = open_slots([row])

    assert listed(gap, WORKFORCE) == [free, released, adjacent]
    assert listed(gap, LIVED) == [lived_free]
    assert counts == {(gap.pk, WORKFORCE): 3, (gap.pk, LIVED): 1}


def test_a_held_slot_is_not_open_and_a_kind_nobody_is_trained_in_counts_none(programme, gap):
    holder = person("Holds It", programme)
    hold(gap, holder)
    row = CoverRow(gap.pk, gap.start, gap.end, 1, "Carers", None, programme.pk)
    assert open_slots([row]) == {(gap.pk, LIVED): 0}
    assert open_slots([]) == {}


def test_cover_page_says_how_many_could_step_in_and_links_to_choose_who(
    client, coordinator, programme, gap
):
    person("Free To Go", programme)
    person("Busy Then", programme)
    hold(elsewhere(gap.start, gap.end), FacilitatorProfile.objects.get(user__full_name="Busy Then"))
    person("Lived Elsewhere", CourseFactory().programme, kind=LIVED)  # not trained for it
    client.force_login(coordinator)
    html = client.get(reverse("facilitators:cover_gaps")).content.decode()
    choose = reverse("facilitators:assign", args=[gap.pk])
    assert "1 free to step in" in html
    assert f'href="{choose}#workforce">Choose who' in html
    # Nobody to choose from: no link, and the page says what would help.
    assert f"{choose}#lived_experience" not in html
    assert (
        "Nobody eligible is free. Train or invite another lived experience facilitator."
    ) in html


def test_choose_page_lists_who_could_step_in_with_their_coming_sessions_and_training(
    client, coordinator, programme, gap
):
    today = timezone.localdate()
    priya = person("Priya Natarajan", programme, availability_note="Tuesday mornings")
    priya.trainings.update(trained_on=today - timedelta(days=100))
    # Her training for another programme, long ago, is not this one's.
    TrainingFactory(profile=priya, trained_on=today - timedelta(days=1000))
    for days in (5, 20, 40):  # two within the next 28 days
        hold(CourseFactory(first_start=gap.start + timedelta(days=days)).sessions.first(), priya)
    old = person("Owen Long", programme)
    old.trainings.update(trained_on=today - timedelta(days=3 * 365))
    busy = person("Bea Busy", programme)
    hold(elsewhere(gap.start, gap.end), busy)
    lived = person("Lee Lived", programme, kind=LIVED)
    hold(gap, lived)  # the lived-experience slot is taken: only workforce to choose
    client.force_login(coordinator)

    response = client.get(reverse("facilitators:assign", args=[gap.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    text = " ".join(strip_tags(html).split())
    assert "Choose who steps in" in text
    assert "Workforce facilitator" in text and "Lived experience facilitator" not in text
    assert "Bea Busy" not in text and "Lee Lived" not in text
    assert "Owen Long" in text
    owen_row, priya_row = rows_of(html)  # by name
    assert owen_row.startswith("Owen Long") and priya_row.startswith("Priya Natarajan")
    assert "Availability: Tuesday mornings" in priya_row
    assert f"Trained {today - timedelta(days=100):%-d %b %Y}" in priya_row
    assert " 2 " in priya_row and "Refresher due" not in priya_row
    assert " 0 " in owen_row and "Refresher due" in owen_row
    assert "Assign Priya Natarajan as workforce facilitator" in text


def test_assigning_from_the_choose_page_returns_to_the_cover_page_and_tells_them(
    client, coordinator, programme, gap
):
    priya = person("Priya Natarajan", programme)
    client.force_login(coordinator)
    page = client.get(reverse("facilitators:assign", args=[gap.pk])).content.decode()
    # The form as the page sends it.
    assert f'name="facilitator" value="{priya.pk}"' in page
    assert 'name="next" value="/cover/"' in page and 'name="from" value="choose"' in page

    response = client.post(
        reverse("facilitators:assign", args=[gap.pk]),
        {"facilitator": priya.pk, "next": "/cover/", "from": "choose"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("facilitators:cover_gaps")
    said = [str(m) for m in response.context["messages"]]
    assert said == [f"{escape('Priya Natarajan')} assigned to {gap.label}."]
    claim = SessionClaim.objects.held().get(session=gap)
    assert claim.facilitator == priya and claim.claimed_by == coordinator
    (notice,) = Message.objects.filter(recipient=priya.user)
    assert notice.subject.startswith("You are down for Carers – Riverside session 1")


def test_a_refused_assignment_returns_to_the_choose_page_with_the_reason(
    client, coordinator, programme, gap
):
    priya = person("Priya Natarajan", programme)
    person("Sam Free", programme)
    client.force_login(coordinator)
    # Between opening the page and pressing Assign, Priya took another session then.
    hold(elsewhere(gap.start, gap.end), priya)

    response = client.post(
        reverse("facilitators:assign", args=[gap.pk]),
        {"facilitator": priya.pk, "next": "/cover/", "from": "choose"},
    )

    assert response.url == reverse("facilitators:assign", args=[gap.pk])
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(said) == 1 and "already holds" in said[0]
    assert not SessionClaim.objects.held().filter(session=gap).exists()
    text = " ".join(strip_tags(client.get(response.url).content.decode()).split())
    assert "already holds" in text  # said on the page chosen from
    assert "Assign Sam Free" in text and "Assign Priya Natarajan" not in text


def test_choose_page_of_a_session_that_needs_nobody_offers_nobody(
    client, coordinator, programme, gap
):
    person("Priya Natarajan", programme)
    client.force_login(coordinator)
    url = reverse("facilitators:assign", args=[gap.pk])

    hold(gap, person("Wendy Work", programme))
    hold(gap, person("Lee Lived", programme, kind=LIVED))
    paired = client.get(url).content.decode()
    assert "Both slots are held now: Wendy Work and Lee Lived." in paired
    assert "Priya Natarajan" not in paired

    SessionClaim.objects.filter(session=gap).update(released_at=timezone.now())
    Session.objects.filter(pk=gap.pk).update(is_cancelled=True)
    cancelled = client.get(url).content.decode()
    assert "This session is cancelled" in cancelled and "Priya Natarajan" not in cancelled

    Session.objects.filter(pk=gap.pk).update(
        is_cancelled=False, start=timezone.now() - timedelta(minutes=5)
    )
    started = client.get(url).content.decode()
    assert "This session has started" in started and "Priya Natarajan" not in started


def test_choose_page_says_when_nobody_eligible_is_free(client, coordinator, programme, gap):
    client.force_login(coordinator)
    html = client.get(reverse("facilitators:assign", args=[gap.pk])).content.decode()
    assert "Nobody eligible is free. Train or invite another workforce facilitator." in html
    assert "Nobody eligible is free. Train or invite another lived experience facilitator." in html
    assert "<form" not in html.split('id="main-content"')[1].split("</main>")[0]


def test_the_cover_page_and_the_choose_page_write_titles_and_names_as_text(
    client, coordinator, programme, gap
):
    gap.course.title = "Carers <script>x</script>"
    gap.course.save()
    gap.venue.name = "St Mark's & <b>Hall</b>"
    gap.venue.save()
    person("Ann <b>O'Brien</b>", programme, availability_note="<i>Mornings</i>")
    client.force_login(coordinator)
    cover = client.get(reverse("facilitators:cover_gaps")).content.decode()
    assert "Carers &lt;script&gt;x&lt;/script&gt;, session 1" in cover
    assert "St Mark&#x27;s &amp; &lt;b&gt;Hall&lt;/b&gt;" in cover
    assert "<script>x" not in cover and "<b>Hall" not in cover
    choose = client.get(reverse("facilitators:assign", args=[gap.pk])).content.decode()
    assert "Ann &lt;b&gt;O&#x27;Brien&lt;/b&gt;" in choose
    assert "&lt;i&gt;Mornings&lt;/i&gt;" in choose
    assert "<b>O'Brien" not in choose and "<i>Mornings" not in choose
