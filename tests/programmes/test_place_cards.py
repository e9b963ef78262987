"""The participant record's course cards, written in Python (programmes/place_cards.py),
are the markup the template wrote before them, whatever the place's state: each status,
an offer with and without automatic messages, register and score lines, a blank score
form of each measure, a score or feedback form sent back with errors, and a course title
or feedback that needs escaping."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone
from django.utils.safestring import mark_safe

from programmes.measures import Measure
from programmes.models import HOLDING_PLACE, LIVE_PLACE, Course, Place, PlaceStatus, Programme
from programmes.participant_forms import FeedbackForm, ScoreForm
from programmes.place_cards import place_cards

# The cards as templates/programmes/participant_detail.html wrote them before.
_TEMPLATE = """{% load hope_tags %}
  {% for place in places %}
  <article class="card mb-3" aria-labelledby="place-{{ place.pk }}-heading"><div class="card-body">
    <div class="d-flex flex-wrap justify-content-between gap-2">
      <h3 class="h5 card-title mb-1" id="place-{{ place.pk }}-heading"><a href="{% url 'programmes:course_detail' place.course_id %}">{{ place.course.title }}</a></h3>
      <strong>{{ place.get_status_display }}</strong>
    </div>
    <p class="mb-2">
      {% if place.status == "waiting" %}On the waiting list since {{ place.waiting_since|date:"j F Y" }}.
      {% elif place.status == "offered" %}Offered a place on {{ place.offered_at|date:"j F Y" }}. <strong>The offer lapses on {{ place.offer_expires_at|date:"j F Y" }} at {{ place.offer_expires_at|time:"H:i" }}.</strong>
      {% elif place.status == "enrolled" %}Enrolled on {{ place.enrolled_at|date:"j F Y" }}.
      {% else %}Left on {{ place.left_at|date:"j F Y" }}.{% endif %}
    </p>
    {% if place.is_live %}
    <div class="mb-2">
      {% if place.status == "offered" %}
      <details class="hope-confirm">
        <summary class="btn btn-sm btn-primary">Accept offer<span class="visually-hidden"> on {{ place.course.title }}</span></summary>
        <p>They are enrolled on “{{ place.course.title }}” and added to the register of its sessions still to come.{% if automatic %} They are sent a confirmation.{% endif %}</p>
        <form method="post" action="{% url 'programmes:offer_accept' place.pk %}">{% csrf_token %}<button type="submit" class="btn btn-sm btn-primary">Yes, accept the place</button></form>
      </details>
      <details class="hope-confirm">
        <summary class="btn btn-sm btn-outline-danger">Decline offer<span class="visually-hidden"> on {{ place.course.title }}</span></summary>
        <p>They do not take the place on “{{ place.course.title }}”. It is offered to the next person on the waiting list, who has {{ offer_days }} days to accept.</p>
        <form method="post" action="{% url 'programmes:offer_decline' place.pk %}">{% csrf_token %}<button type="submit" class="btn btn-sm btn-danger">Yes, decline the place</button></form>
      </details>
      {% endif %}
      <details class="hope-confirm">
        <summary class="btn btn-sm btn-outline-danger">Withdraw<span class="visually-hidden"> from {{ place.course.title }}</span></summary>
        {% if place.holds %}
        <p>They leave “{{ place.course.title }}”. Their place is offered to the first person on the waiting list, who has {{ offer_days }} days to accept. They come off the register of sessions still to come; marks already taken stay.</p>
        {% else %}
        <p>They come off the waiting list for “{{ place.course.title }}”.</p>
        {% endif %}
        <form method="post" action="{% url 'programmes:place_withdraw' place.pk %}">{% csrf_token %}<button type="submit" class="btn btn-sm btn-danger">Yes, withdraw them</button></form>
      </details>
    </div>
    {% endif %}

    {% if place.register_lines %}
    <h4 class="h6 mt-3">Register</h4>
    <ul class="list-unstyled mb-2">
      {% for line in place.register_lines %}<li>{{ line }}</li>{% endfor %}
    </ul>
    {% endif %}

    {% if place.score_forms or place.score_lines %}
    <h4 class="h6 mt-3">Scores</h4>
    {% if place.score_lines %}
    <ul class="list-unstyled mb-2">
      {% for line in place.score_lines %}<li>{{ line }}</li>{% endfor %}
    </ul>
    {% else %}<p class="mb-2">None recorded yet.</p>{% endif %}
    {% for form in place.score_forms %}
    <details class="mb-2"{% if form.errors %} open{% endif %}>
      <summary>Record {{ form.measure_label }}</summary>
      <form method="post" action="{% url 'programmes:score_record' place.pk %}" class="mt-2" novalidate>{% csrf_token %}
        <input type="hidden" name="measure" value="{{ form.measure }}">
        {% for error in form.non_field_errors %}<p class="invalid-feedback d-block">{{ error }}</p>{% endfor %}
        {{ form.timepoint|as_field }}
        {% if form.measure == "pam" %}
        {{ form.pam_score|as_field }}
        {{ form.pam_level|as_field }}
        {% else %}
        <fieldset>
          <legend class="fs-6 fw-semibold">Answers, 1 (none of the time) to 5 (all of the time)</legend>
          <div class="hope-items">{% for field in form %}{% if field.name != "timepoint" %}{{ field|as_field }}{% endif %}{% endfor %}</div>
        </fieldset>
        {% endif %}
        <p class="form-text">The total is worked out for you. A score already recorded for the same point is replaced.</p>
        <button type="submit" class="btn btn-sm btn-primary">Save {{ form.measure|upper }} score</button>
      </form>
    </details>
    {% endfor %}
    {% endif %}

    {% if place.feedback_form %}
    <form method="post" action="{% url 'programmes:feedback_record' place.pk %}" class="mt-3" novalidate>{% csrf_token %}
      {{ place.feedback_form.feedback|as_field }}
      <button type="submit" class="btn btn-sm btn-outline-primary">Save feedback<span class="visually-hidden"> on {{ place.course.title }}</span></button>
    </form>
    {% endif %}
  </div></article>
  {% empty %}
  <p>Not on any course yet.</p>
  {% endfor %}
"""  # noqa: E501

NOW = timezone.now()


def _normal(html: str) -> str:
    """Whitespace aside: the template's line breaks and indents are not the markup."""
    return re.sub(r"\s*\n\s*", "\n", str(html)).strip()


def _place(pk: int, status: str, *, title="Carers – Riverside", measures=(), **fields) -> Place:
    programme = Programme(pk=1, name="Carers", measures=list(measures))
    place = Place(
        pk=pk,
        course=Course(pk=pk + 100, title=title, programme=programme),
        status=status,
        waiting_since=NOW - timedelta(days=40),
        **fields,
    )
    place.is_live = status in LIVE_PLACE
    place.holds = status in HOLDING_PLACE
    place.register_lines, place.score_lines = [], []
    return place


def _with_forms(place: Place, bound: dict) -> Place:
    """What the view gives each place: the forms for the template, the measures (or the
    form sent back) for place_cards."""
    names, forms = [], []
    if place.enrolled_at is not None:
        for measure in place.course.programme.measures:
            key = f"score-{place.pk}-{measure}"
            names.append(bound.get(key, measure))
            forms.append(bound.get(key) or ScoreForm(auto_id=f"{key}-%s", measure=measure))
        key = f"feedback-{place.pk}"
        place.feedback_form = bound.get(key) or FeedbackForm(
            auto_id=f"{key}-%s", initial={"feedback": place.feedback}
        )
    else:
        place.feedback_form = None
    place.score_forms = forms
    return names, bound.get(f"feedback-{place.pk}", place.feedback)


def _both(places: list[Place], *, automatic, bound: dict | None = None) -> tuple[str, str]:
    names = [_with_forms(place, bound or {}) for place in places]
    context = {"places": places, "automatic": automatic, "offer_days": 7, "csrf_token": "tok"}
    template = Template(_TEMPLATE).render(Context(context))
    for place, (measures, feedback) in zip(places, names, strict=True):
        place.score_forms = measures
        place.feedback_form = feedback if place.feedback_form is not None else None
    written = place_cards(places, csrf_token="tok", automatic=automatic, offer_days=7)
    return _normal(written), _normal(template)


ALL = [Measure.SWEMWBS, Measure.WEMWBS, Measure.PAM]


@pytest.mark.parametrize("automatic", [None, ("email", "a@example.org")])
def test_each_kind_of_place_is_written_as_the_template_wrote_it(automatic):
    enrolled = _place(
        1,
        PlaceStatus.ENROLLED,
        measures=ALL,
        enrolled_at=NOW - timedelta(days=20),
        feedback="Kind & 'warm' <people>, \"O'Brien\"",
        title="Tom & Jerry's <course>",
    )
    enrolled.register_lines = [mark_safe("Session 1, Mon 1 Dec 2026: <strong>Present</strong>")]
    enrolled.score_lines = [mark_safe("PAM, first session: <strong>71.7</strong>, level 3")]
    places = [
        enrolled,
        _place(2, PlaceStatus.WAITING),
        _place(
            3,
            PlaceStatus.OFFERED,
            offered_at=NOW - timedelta(days=1),
            offer_expires_at=NOW + timedelta(days=6, hours=3),
        ),
        _place(
            4,
            PlaceStatus.WITHDRAWN,
            measures=[Measure.PAM],
            enrolled_at=NOW - timedelta(days=9),
            left_at=NOW - timedelta(days=2),
            feedback="Good",
        ),
        _place(5, PlaceStatus.DECLINED, left_at=None),
        _place(6, PlaceStatus.LAPSED, left_at=NOW),
    ]
    written, template = _both(places, automatic=automatic)
    assert written == template


def test_no_place_is_written_as_the_template_wrote_it():
    written, template = _both([], automatic=None)
    assert written == template == "<p>Not on any course yet.</p>"


@pytest.mark.parametrize("measure", ALL)
def test_a_score_form_sent_back_with_errors_is_written_as_the_template_wrote_it(measure):
    place = _place(8, PlaceStatus.ENROLLED, measures=ALL, enrolled_at=NOW - timedelta(days=3))
    data = {"measure": measure, "timepoint": "never", "item_2": "12345", "pam_score": "<b>"}
    form = ScoreForm(data, measure=measure, auto_id=f"score-8-{measure}-%s")
    form.is_valid()
    form.add_error(None, "That score <was> already replaced.")
    written, template = _both([place], automatic=None, bound={f"score-8-{measure}": form})
    assert "is-invalid" in written
    assert written == template


def test_a_feedback_form_sent_back_with_errors_is_written_as_the_template_wrote_it():
    place = _place(9, PlaceStatus.ENROLLED, measures=[Measure.PAM], enrolled_at=NOW)
    form = FeedbackForm({"feedback": "x" * 301 + "<&>"}, auto_id="feedback-9-%s")
    assert not form.is_valid()
    written, template = _both([place], automatic=None, bound={"feedback-9": form})
    assert written == template
