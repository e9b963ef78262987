"""One postcode rule everywhere: any case and spacing in, "LS1 4AP" out, the rest refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from expenses.forms import MileageForm
from hope.postcodes import PostcodeField, district_nearness, uk_district, uk_postcode
from programmes.participant_forms import ParticipantForm
from tests.hope.test_form_messages import FORM_CLASSES
from venues.forms import VenueForm
from venues.models import Venue


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("ls14ap", "LS1 4AP"),
        ("  Ls1   4aP ", "LS1 4AP"),
        ("sw1a1aa", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("ec1v 9lt", "EC1V 9LT"),
        ("b33 8th", "B33 8TH"),
    ],
)
def test_postcodes_are_kept_one_way(typed, kept):
    assert uk_postcode(typed) == kept


@pytest.mark.parametrize(
    "typed",
    ["LS1", "12345", "LS1 4A", "ZZZ 999", "LS1\x004AP", "75008", "ＬＳ１ ４ＡＰ", "LS1 4AP X"],
)
def test_what_is_not_a_uk_postcode_is_refused_in_words(typed):
    with pytest.raises(ValidationError) as refused:
        uk_postcode(typed)
    assert refused.value.messages == ["Enter a real postcode, like LS1 4AP."]


def test_every_postcode_field_uses_the_one_rule():
    for form_class in FORM_CLASSES:
        for name, field in form_class.base_fields.items():
            if "postcode" in name:
                assert isinstance(field, PostcodeField), (form_class.__name__, name)
    assert isinstance(VenueForm.base_fields["postcode"], PostcodeField)
    assert isinstance(MileageForm.base_fields["start_postcode"], PostcodeField)
    assert isinstance(ParticipantForm.base_fields["pickup_postcode"], PostcodeField)


@pytest.mark.django_db
def test_a_venue_postcode_is_saved_normalised(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("venues:venue_create"),
        {"name": "Mill Lane Hall", "address": "14 Mill Lane", "postcode": " ls14ap ",
         "setting": "community", "room_capacity": "20", "hire_cost": "30.00"},
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    assert Venue.objects.get().postcode == "LS1 4AP"


@pytest.mark.django_db
def test_a_foreign_venue_postcode_is_refused_at_the_field(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("venues:venue_create"), {"postcode": "75008"})
    assert response.context["form"].errors["postcode"] == ["Enter a real postcode, like LS1 4AP."]


# --- Postcode districts: where a driver sets off from, and the board's order -------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("ng4", "NG4"),
        ("  Ng4 ", "NG4"),
        ("ng4 2rl", "NG4"),  # a whole postcode gives its district
        ("NG42RL", "NG4"),
        ("ls14ap", "LS1"),
        ("sw1a", "SW1A"),
        ("sw1a 1aa", "SW1A"),
        ("ec1v9lt", "EC1V"),
        ("m1", "M1"),
        ("b33", "B33"),
        ("NG14", "NG14"),
    ],
)
def test_a_district_is_kept_as_its_outward_code(typed, kept):
    assert uk_district(typed) == kept


@pytest.mark.parametrize(
    "typed",
    # Longer than any outward code (which the driver's area column holds: four
    # characters): two digits never take a sub-district letter.
    ["", "NG", "4", "12", "AB12C", "NG42R", "NG4 2R", "ABC1", "NG123", "ＮＧ４", "N\x004", "NG-4"],
)
def test_what_is_not_a_district_is_refused_in_words(typed):
    with pytest.raises(ValidationError) as refused:
        uk_district(typed)
    assert refused.value.messages == ["Enter a postcode district, like NG4 or LS1."]


def test_districts_nearest_the_origin_come_first():
    districts = ["LS1", "NG14", "", "NG3", "DE1", "NG5", "??", "NG4"]
    nearest = sorted(districts, key=lambda d: district_nearness("NG4", d))
    # The same district; the same area by how far apart the numbers are (ties by name);
    # other areas by name; what is not a district at all, last.
    assert nearest == ["NG4", "NG3", "NG5", "NG14", "DE1", "LS1", "", "??"]


def test_a_sub_district_is_near_its_district():
    nearest = sorted(["SW2", "SW1", "SW1A", "W1"], key=lambda d: district_nearness("SW1A", d))
    assert nearest == ["SW1A", "SW1", "SW2", "W1"]


def test_without_an_origin_no_district_is_nearer_than_another_area():
    assert district_nearness("", "NG4")[0] == district_nearness("", "LS1")[0] == 2
    assert district_nearness("??", "NG4")[0] == 2
    assert district_nearness("", "??")[0] == 3
