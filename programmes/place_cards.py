"""The participant record's course cards: each place's status, its Accept, Decline and
Withdraw, its register and scores, and its score and feedback forms, written here rather
than by the template. A card was a hundred template nodes and its score forms a dozen
fields through ``|as_field`` each: together most of the record's rendering. The markup
is the template's as it was (tests/programmes/test_place_cards.py compares them).

A score form nobody has sent is the same on every card but for the place's number, so
its fields are written once a process (``_blank_score_fields``), and the feedback field
likewise but for the words already given; a form sent back with errors is written from
itself, messages and what was typed included.
"""

from __future__ import annotations

from functools import cache
from html import escape

from django import forms
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from hope.formkit import bootstrap_field
from hope.links import RowLink, csrf_input
from programmes.measures import Measure
from programmes.models import Place, PlaceStatus
from programmes.participant_forms import FeedbackForm, ScoreForm

_STATUSES = dict(PlaceStatus.choices)
# Stands for the place's number in the score forms written once a process.
_PLACE_MARK = "2147483647"
# Stands for the feedback already given, in the feedback form written once a process.
_VALUE_MARK = "feedback-given-before"


def _day(value) -> str:
    """``|date:"j F Y"``: the local day, or nothing for no date."""
    if value is None:
        return ""
    value = timezone.localtime(value)
    return f"{value.day} {value:%B %Y}"


def _status_line(place: Place) -> str:
    if place.status == PlaceStatus.WAITING:
        return f"On the waiting list since {_day(place.waiting_since)}."
    if place.status == PlaceStatus.OFFERED:
        lapses = place.offer_expires_at
        at = f"{timezone.localtime(lapses):%H:%M}" if lapses is not None else ""
        return (
            f"Offered a place on {_day(place.offered_at)}. <strong>The offer lapses on "
            f"{_day(lapses)} at {at}.</strong>"
        )
    if place.status == PlaceStatus.ENROLLED:
        return f"Enrolled on {_day(place.enrolled_at)}."
    return f"Left on {_day(place.left_at)}."


def _actions(place: Place, title: str, links: dict, csrf: str, *, automatic, offer_days) -> str:
    """Accept and Decline for an offer; Withdraw for any live place."""
    html = '\n    <div class="mb-2">'
    if place.status == PlaceStatus.OFFERED:
        confirmation = " They are sent a confirmation." if automatic else ""
        html += (
            '\n      <details class="hope-confirm">'
            '\n        <summary class="btn btn-sm btn-primary">Accept offer'
            f'<span class="visually-hidden"> on {title}</span></summary>'
            f"\n        <p>They are enrolled on “{title}” and added to the register of its"
            f" sessions still to come.{confirmation}</p>"
            f'\n        <form method="post" action="{links["accept"](place.pk)}">{csrf}'
            '<button type="submit" class="btn btn-sm btn-primary">Yes, accept the place'
            "</button></form>"
            "\n      </details>"
            '\n      <details class="hope-confirm">'
            '\n        <summary class="btn btn-sm btn-outline-danger">Decline offer'
            f'<span class="visually-hidden"> on {title}</span></summary>'
            f"\n        <p>They do not take the place on “{title}”. It is offered to the next"
            f" person on the waiting list, who has {offer_days} days to accept.</p>"
            f'\n        <form method="post" action="{links["decline"](place.pk)}">{csrf}'
            '<button type="submit" class="btn btn-sm btn-danger">Yes, decline the place'
            "</button></form>"
            "\n      </details>"
        )
    if place.holds:
        leaving = (
            f"They leave “{title}”. Their place is offered to the first person on the"
            f" waiting list, who has {offer_days} days to accept. They come off the register"
            " of sessions still to come; marks already taken stay."
        )
    else:
        leaving = f"They come off the waiting list for “{title}”."
    return html + (
        '\n      <details class="hope-confirm">'
        '\n        <summary class="btn btn-sm btn-outline-danger">Withdraw'
        f'<span class="visually-hidden"> from {title}</span></summary>'
        f"\n        <p>{leaving}</p>"
        f'\n        <form method="post" action="{links["withdraw"](place.pk)}">{csrf}'
        '<button type="submit" class="btn btn-sm btn-danger">Yes, withdraw them</button></form>'
        "\n      </details>"
        "\n    </div>"
    )


def _score_fields(form: ScoreForm) -> str:
    """A score form's messages and fields, as the template wrote them."""
    html = "".join(
        f'<p class="invalid-feedback d-block">{escape(str(error))}</p>'
        for error in form.non_field_errors()
    )
    html += "\n        " + bootstrap_field(form["timepoint"])
    if form.measure == "pam":
        return (
            html
            + "\n        "
            + bootstrap_field(form["pam_score"])
            + "\n        "
            + bootstrap_field(form["pam_level"])
        )
    items = "".join(bootstrap_field(field) for field in form if field.name != "timepoint")
    return (
        html + "\n        <fieldset>"
        '\n          <legend class="fs-6 fw-semibold">Answers, 1 (none of the time) to 5'
        " (all of the time)</legend>"
        f'\n          <div class="hope-items">{items}</div>'
        "\n        </fieldset>"
    )


@cache
def _blank_score_fields(measure: str) -> str:
    """``_score_fields`` of a form not yet sent, with ``_PLACE_MARK`` for the place: the
    same for every place but its number."""
    return _score_fields(ScoreForm(auto_id=f"score-{_PLACE_MARK}-{measure}-%s", measure=measure))


def _score_form(place: Place, form: ScoreForm | str, url: str, csrf: str) -> str:
    """One measure's form: ``form`` sent back with errors, or the measure of a blank one."""
    if isinstance(form, str):
        measure, is_open = form, False
        fields = _blank_score_fields(measure).replace(_PLACE_MARK, str(int(place.pk)))
    else:
        measure, is_open = form.measure, bool(form.errors)
        fields = _score_fields(form)
    return (
        f'\n    <details class="mb-2"{" open" if is_open else ""}>'
        f"\n      <summary>Record {escape(Measure(measure).label)}</summary>"
        f'\n      <form method="post" action="{url}" class="mt-2" novalidate>{csrf}'
        f'\n        <input type="hidden" name="measure" value="{escape(measure)}">'
        f"\n        {fields}"
        '\n        <p class="form-text">The total is worked out for you. A score already'
        " recorded for the same point is replaced.</p>"
        '\n        <button type="submit" class="btn btn-sm btn-primary">Save'
        f" {escape(measure.upper())} score</button>"
        "\n      </form>"
        "\n    </details>"
    )


def _lines(lines: list[SafeString]) -> str:
    return "".join(f"<li>{line}</li>" for line in lines)


def place_cards(places: list[Place], *, csrf_token: str, automatic, offer_days: int) -> SafeString:
    """Each place's card, in order, or the words for none. Each place carries what the
    view read for it: ``is_live``, ``holds``, ``register_lines``, ``score_lines`` (safe
    lines), ``score_forms`` (for each measure its form sent back with errors, or the
    measure's name for a blank one) and ``feedback_form`` (the form sent back with errors,
    the feedback already given for a blank one, or None for no form)."""
    if not places:
        return mark_safe("\n  <p>Not on any course yet.</p>")
    csrf = csrf_input(csrf_token)
    course = RowLink("programmes:course_detail")
    links = {
        "accept": RowLink("programmes:offer_accept"),
        "decline": RowLink("programmes:offer_decline"),
        "withdraw": RowLink("programmes:place_withdraw"),
        "score": RowLink("programmes:score_record"),
        "feedback": RowLink("programmes:feedback_record"),
    }
    cards = []
    for place in places:
        title = escape(place.course.title)
        html = (
            f'\n  <article class="card mb-3" aria-labelledby="place-{int(place.pk)}-heading">'
            '<div class="card-body">'
            '\n    <div class="d-flex flex-wrap justify-content-between gap-2">'
            f'\n      <h3 class="h5 card-title mb-1" id="place-{int(place.pk)}-heading">'
            f'<a href="{course(place.course_id)}">{title}</a></h3>'
            f"\n      <strong>{escape(_STATUSES.get(place.status, place.status))}</strong>"
            "\n    </div>"
            f'\n    <p class="mb-2">\n      {_status_line(place)}\n    </p>'
        )
        if place.is_live:
            html += _actions(
                place, title, links, csrf, automatic=automatic, offer_days=int(offer_days)
            )
        if place.register_lines:
            html += (
                '\n    <h4 class="h6 mt-3">Register</h4>'
                f'\n    <ul class="list-unstyled mb-2">\n      {_lines(place.register_lines)}'
                "\n    </ul>"
            )
        if place.score_forms or place.score_lines:
            html += '\n    <h4 class="h6 mt-3">Scores</h4>'
            if place.score_lines:
                html += (
                    f'\n    <ul class="list-unstyled mb-2">\n      {_lines(place.score_lines)}'
                    "\n    </ul>"
                )
            else:
                html += '\n    <p class="mb-2">None recorded yet.</p>'
            url = links["score"](place.pk)
            html += "".join(_score_form(place, form, url, csrf) for form in place.score_forms)
        if place.feedback_form is not None:
            html += _feedback(place, place.feedback_form, links["feedback"](place.pk), csrf, title)
        cards.append(html + "\n  </div></article>")
    return mark_safe("".join(cards))  # noqa: S308 - every value escaped above, or a number


@cache
def _blank_feedback_field() -> str:
    """The feedback field of a form not yet sent, with ``_PLACE_MARK`` for the place and
    ``_VALUE_MARK``'s attribute for what they said before."""
    form = FeedbackForm(auto_id=f"feedback-{_PLACE_MARK}-%s", initial={"feedback": _VALUE_MARK})
    return bootstrap_field(form["feedback"])


def _feedback(place: Place, form: forms.Form | str, url: str, csrf: str, title: str) -> str:
    """The feedback form: sent back with errors, or blank with the words kept (``form``)."""
    if isinstance(form, str):
        # As the text input writes a value: none when empty, else escaped.
        value = f' value="{escape(form)}"' if form else ""
        field = (
            _blank_feedback_field()
            .replace(_PLACE_MARK, str(int(place.pk)))
            .replace(f' value="{_VALUE_MARK}"', value)
        )
    else:
        field = bootstrap_field(form["feedback"])
    return (
        f'\n    <form method="post" action="{url}" class="mt-3" novalidate>{csrf}'
        f"\n      {field}"
        '\n      <button type="submit" class="btn btn-sm btn-outline-primary">Save feedback'
        f'<span class="visually-hidden"> on {title}</span></button>'
        "\n    </form>"
    )
