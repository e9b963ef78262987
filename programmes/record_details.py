"""The participant record's heading, details and rides to come, written here rather than
by the template: forty template nodes and filters for one person's details were a fifth
of the page's rendering. The markup is the template's as it was
(tests/programmes/test_record_details.py compares them). Nothing here is kept between
requests: these are someone's personal details.
"""

from __future__ import annotations

from html import escape

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from hope.links import RowLink
from programmes.models import Participant


def _day(value) -> str:
    """``|date:"j F Y"``: the local day (of a date, the day itself), or nothing for none."""
    if value is None:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value)
    return f"{value.day} {value:%B %Y}"


def _lines(text: str) -> str:
    """``|linebreaksbr``: escaped, each line break a ``<br>``."""
    return escape(text.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")


def _automatic(participant: Participant, automatic) -> str:
    if automatic:
        how = "text message" if automatic[0] == "sms" else "email"
        return f"By {how} to {escape(str(automatic[1]))}"
    if not participant.consent_contact:
        return "<strong>None</strong>: they have not agreed to be contacted"
    letters = " (they prefer letters)" if participant.preferred_channel == "letter" else ""
    return f"<strong>None</strong>: contact them yourself{letters}"


def _consent(given: bool, on, how: str) -> str:
    return f"Yes, given on {_day(on)}. How: {escape(how.lower())}" if given else "No"


def record_details(participant: Participant, *, automatic, rides: list) -> SafeString:
    """Their heading, and unless anonymised their details, how automatic messages reach
    them (``automatic``: ``channel_for``), and their rides to come (``ride_lines``)."""
    p = participant
    if p.is_anonymised:
        return mark_safe(  # noqa: S308 - a number and a date
            f"\n<h1>Participant #{int(p.pk)}</h1>"
            f"\n<p>This record was anonymised on {_day(p.anonymised_at)}: their details were"
            " removed on schedule. Their attendance and scores stay, without a name, for the"
            " programme's reports.</p>\n"
        )
    row = '\n    <dt class="col-sm-4">{}</dt><dd class="col-sm-8">{}</dd>'
    edit = RowLink("programmes:participant_edit")(p.pk)
    html = (
        '\n<div class="d-flex flex-wrap justify-content-between align-items-start gap-2">'
        f"\n  <h1>{escape(p.full_name)}</h1>"
        f'\n  <a class="btn btn-outline-primary" href="{edit}">'
        'Change details<span class="visually-hidden"> and consents</span></a>'
        "\n</div>\n"
    )
    if p.preferred_name:
        html += f"<p>Likes to be called <strong>{escape(p.preferred_name)}</strong>.</p>"
    html += (
        '\n\n<section aria-labelledby="details-heading" class="mb-4">'
        '\n  <h2 class="h4" id="details-heading">Details</h2>'
        '\n  <dl class="row hope-record">'
    )
    html += row.format("Email address", escape(p.email or "None"))
    html += row.format("Mobile number", escape(p.mobile or "None"))
    html += row.format("Prefers", escape(p.get_preferred_channel_display()))
    html += "\n    "
    if p.postal_address:
        html += row.format("Postal address", _lines(p.postal_address))[5:]
    html += row.format("Automatic messages", _automatic(p, automatic))
    html += row.format("Access needs", _lines(p.access_needs or "None given"))
    if p.needs_transport:
        transport = (
            f"Needs transport, collected from {escape(p.pickup_postcode)}."
            f" {escape(p.get_transport_legs_display())}."
        )
    else:
        transport = "Makes their own way"
    html += row.format("Transport", transport)
    html += "\n    "
    if p.needs_transport:
        html += row.format("Notes for the driver", escape(p.pickup_notes or "None"))[5:]
    html += row.format(
        "Agrees to be contacted",
        _consent(p.consent_contact, p.consent_contact_on, p.get_consent_contact_how_display()),
    )
    html += row.format(
        "Agrees to the evaluation",
        _consent(
            p.consent_evaluation, p.consent_evaluation_on, p.get_consent_evaluation_how_display()
        ),
    )
    html += "\n  </dl>\n</section>\n\n"
    if p.needs_transport or rides:
        html += (
            '\n<section aria-labelledby="rides-heading" class="mb-4">'
            '\n  <h2 class="h4" id="rides-heading">Rides to come</h2>\n  '
        )
        if rides:
            items = "".join(f'\n    <li class="mb-1">{ride}</li>\n    ' for ride in rides)
            html += f'\n  <ul class="list-unstyled">\n    {items}\n  </ul>\n  '
        else:
            html += (
                "\n  <p>No rides to come: they are not enrolled on a session still to come at"
                " a venue.</p>\n  "
            )
        html += "\n</section>\n"
    html += "\n"
    return mark_safe(html)  # noqa: S308 - every value escaped above, or a number or safe line
