"""The participant record's heading, details and rides (programmes/record_details.py) are
the markup the template wrote before them, character for character, whoever the person:
anonymised, reachable by text or email or neither, writing letters, needing transport or
not, with rides or none, and details that need escaping or span lines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone
from django.utils.safestring import mark_safe

from programmes.models import Channel, ConsentMethod, Participant, TransportLegs
from programmes.notices import channel_for
from programmes.record_details import record_details

# The details as templates/programmes/participant_detail.html wrote them before.
_TEMPLATE = """{% if participant.is_anonymised %}
<h1>Participant #{{ participant.pk }}</h1>
<p>This record was anonymised on {{ participant.anonymised_at|date:"j F Y" }}: their details were removed on schedule. Their attendance and scores stay, without a name, for the programme's reports.</p>
{% else %}
<div class="d-flex flex-wrap justify-content-between align-items-start gap-2">
  <h1>{{ participant.full_name }}</h1>
  <a class="btn btn-outline-primary" href="{% url 'programmes:participant_edit' participant.pk %}">Change details<span class="visually-hidden"> and consents</span></a>
</div>
{% if participant.preferred_name %}<p>Likes to be called <strong>{{ participant.preferred_name }}</strong>.</p>{% endif %}

<section aria-labelledby="details-heading" class="mb-4">
  <h2 class="h4" id="details-heading">Details</h2>
  <dl class="row hope-record">
    <dt class="col-sm-4">Email address</dt><dd class="col-sm-8">{{ participant.email|default:"None" }}</dd>
    <dt class="col-sm-4">Mobile number</dt><dd class="col-sm-8">{{ participant.mobile|default:"None" }}</dd>
    <dt class="col-sm-4">Prefers</dt><dd class="col-sm-8">{{ participant.get_preferred_channel_display }}</dd>
    {% if participant.postal_address %}<dt class="col-sm-4">Postal address</dt><dd class="col-sm-8">{{ participant.postal_address|linebreaksbr }}</dd>{% endif %}
    <dt class="col-sm-4">Automatic messages</dt><dd class="col-sm-8">{% if automatic %}By {% if automatic.0 == "sms" %}text message{% else %}email{% endif %} to {{ automatic.1 }}{% elif not participant.consent_contact %}<strong>None</strong>: they have not agreed to be contacted{% else %}<strong>None</strong>: contact them yourself{% if participant.preferred_channel == "letter" %} (they prefer letters){% endif %}{% endif %}</dd>
    <dt class="col-sm-4">Access needs</dt><dd class="col-sm-8">{{ participant.access_needs|default:"None given"|linebreaksbr }}</dd>
    <dt class="col-sm-4">Transport</dt><dd class="col-sm-8">{% if participant.needs_transport %}Needs transport, collected from {{ participant.pickup_postcode }}. {{ participant.get_transport_legs_display }}.{% else %}Makes their own way{% endif %}</dd>
    {% if participant.needs_transport %}<dt class="col-sm-4">Notes for the driver</dt><dd class="col-sm-8">{{ participant.pickup_notes|default:"None" }}</dd>{% endif %}
    <dt class="col-sm-4">Agrees to be contacted</dt><dd class="col-sm-8">{% if participant.consent_contact %}Yes, given on {{ participant.consent_contact_on|date:"j F Y" }}. How: {{ participant.get_consent_contact_how_display|lower }}{% else %}No{% endif %}</dd>
    <dt class="col-sm-4">Agrees to the evaluation</dt><dd class="col-sm-8">{% if participant.consent_evaluation %}Yes, given on {{ participant.consent_evaluation_on|date:"j F Y" }}. How: {{ participant.get_consent_evaluation_how_display|lower }}{% else %}No{% endif %}</dd>
  </dl>
</section>

{% if participant.needs_transport or rides %}
<section aria-labelledby="rides-heading" class="mb-4">
  <h2 class="h4" id="rides-heading">Rides to come</h2>
  {% if rides %}
  <ul class="list-unstyled">
    {% for ride in rides %}
    <li class="mb-1">{{ ride }}</li>
    {% endfor %}
  </ul>
  {% else %}
  <p>No rides to come: they are not enrolled on a session still to come at a venue.</p>
  {% endif %}
</section>
{% endif %}
{% endif %}"""  # noqa: E501

_RIDES = [mark_safe('<a href="/rides/1/">Mon 3 Feb, there</a> (Pain &amp; more, session 1)')]


def _person(**fields) -> Participant:
    values = {
        "pk": 7,
        "full_name": "Ann <O'Neil> & Co",
        "email": "ann@example.org",
        "preferred_channel": Channel.EMAIL,
        "consent_contact": True,
        "consent_contact_on": date(2026, 3, 9),
        "consent_contact_how": ConsentMethod.SPOKEN,
    }
    return Participant(**(values | fields))


PEOPLE = {
    "by email": _person(),
    "by text, called by another name, both consents": _person(
        preferred_name='Annie "A"',
        mobile="07700900123",
        preferred_channel=Channel.SMS,
        consent_evaluation=True,
        consent_evaluation_on=date(2025, 12, 31),
        consent_evaluation_how=ConsentMethod.ONLINE,
    ),
    "letters, an address over lines, access needs": _person(
        email="",
        preferred_channel=Channel.LETTER,
        postal_address="1 High St\r\nTown <B>\rNG1 1AA",
        access_needs="Step-free\nA quiet room & a chair",
    ),
    "not agreed to contact": _person(consent_contact=False, consent_contact_on=None),
    "needs transport, no rides": _person(
        needs_transport=True,
        pickup_postcode="NG4 2RL",
        transport_legs=TransportLegs.SEPARATE,
        pickup_notes="Ring <twice>",
    ),
    "needs transport, no notes": _person(
        needs_transport=True, pickup_postcode="NG4 2RL", transport_legs=TransportLegs.THERE
    ),
    "anonymised": _person(
        full_name="", email="", anonymised_at=timezone.now() - timedelta(days=3, hours=5)
    ),
}


@pytest.mark.parametrize("rides", [[], _RIDES], ids=["no rides", "rides"])
@pytest.mark.parametrize("who", PEOPLE)
def test_the_details_are_the_markup_the_template_wrote(who, rides):
    person = PEOPLE[who]
    automatic = channel_for(person)
    context = {"participant": person, "automatic": automatic, "rides": rides}
    expected = Template(_TEMPLATE).render(Context(context))
    assert record_details(person, automatic=automatic, rides=rides) == expected


def test_the_records_place_columns_are_in_the_models_field_order():
    """Model.from_db takes a subset of columns in the model's own field order, whatever
    order it is given: the record's place columns must keep to it."""
    from programmes.models import Place
    from programmes.record_lines import _PLACE_FIELDS

    order = [field.attname for field in Place._meta.concrete_fields]
    assert sorted(_PLACE_FIELDS, key=order.index) == list(_PLACE_FIELDS)
