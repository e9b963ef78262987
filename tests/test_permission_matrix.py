"""Every URL of the project, for every role: who gets the page and who does not.

A URL pattern that is not classified here fails `test_every_url_is_classified`, so
each new page must say who may open it; a POST without an effect fails
`test_every_post_says_what_it_changes`, so each must also say what a success changes,
which the matrix then checks stays as it was for everyone refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.sessions.models import Session as SignedInSession
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from expenses.models import ClaimRide
from hope.models import AuditEvent
from programmes.measures import Measure
from programmes.models import DriverArea, meaningful_changes
from tests.csp import html_response_problems
from tests.factories import BudgetFactory
from tests.samples import Samples, fresh, make_samples

# "evidence": an evidence viewer (a commissioner or quality lead), who reads the anonymous
# reports and nothing else: besides those, only their home page and their own account.
ROLES = ["anonymous", "volunteer", "workforce", "lived", "finance", "coordinator", "evidence"]
STAFF_ROLES = ROLES[1:]

LOGIN = "login"  # 302 to the sign-in page
OK = 200
REFUSED = (403, 404, LOGIN)

# Reads the state a request may change, for one role's fresh samples.
Effect = Callable[[Samples, dict, str], object]


@dataclass(frozen=True)
class Case:
    expect: dict[str, object]
    method: str = "get"
    kwargs: dict = field(default_factory=dict)
    # The form a POST sends; values naming a sample are filled in like kwargs.
    data: dict = field(default_factory=dict)
    # What a successful request changes, read before and after each role's request: it
    # must change for ``changes_for`` (default: every role not refused) and stay as it was
    # for everyone else. Every POST row says what it changes.
    effect: Effect | None = None
    changes_for: set[str] | None = None

    def refused(self) -> set[str]:
        return {role for role, outcome in self.expect.items() if outcome in REFUSED}

    def changers(self) -> set[str]:
        if self.changes_for is not None:
            return set(self.changes_for)
        return set(self.expect) - self.refused()


def field_of(sample: str, name: str) -> Effect:
    """One field of a sample (None once the row is deleted)."""

    def read(samples, personas, role):
        row = samples.fresh(sample)
        return None if row is None else getattr(row, name)

    return read


def still_there(sample: str) -> Effect:
    return lambda samples, personas, role: samples.fresh(sample) is not None


def holders(sample: str) -> Effect:
    """Who holds a slot in the sample session."""
    return lambda samples, personas, role: sorted(
        samples.fresh(sample).claims.held().values_list("facilitator_id", flat=True)
    )


def audit_lines(samples, personas, role):
    return AuditEvent.objects.count()


def feed_tokens(samples, personas, role):
    return [fresh(personas[f].facilitator_profile).calendar_token for f in ("workforce", "lived")]


def own_rota_notices(samples, personas, role):
    return None if role == "anonymous" else fresh(personas[role]).rota_notices


def own_driver_area(samples, personas, role):
    """Where the person drives from (the board's order), if they said."""
    if role == "anonymous":
        return None
    return DriverArea.objects.filter(user=personas[role]).values_list("district", flat=True).first()


def signed_in_sessions(samples, personas, role):
    return SignedInSession.objects.count()


def swemwbs_threshold(samples, personas, role):
    return meaningful_changes()[Measure.SWEMWBS]


def everyone(outcome) -> dict[str, object]:
    return dict.fromkeys(ROLES, outcome)


def signed_in(outcome, anonymous=LOGIN) -> dict[str, object]:
    """Everyone signed in, the evidence viewer too: their home page and their own account."""
    return {"anonymous": anonymous, **dict.fromkeys(STAFF_ROLES, outcome)}


def working_roles(outcome, anonymous=LOGIN) -> dict[str, object]:
    """Every role that runs the programme (courses, sessions, venues, the rota); not the
    evidence viewer, who sees no course, session or name."""
    return {**signed_in(outcome, anonymous), "evidence": 403}


def coordinators_only(outcome=OK) -> dict[str, object]:
    return {**signed_in(403), "coordinator": outcome}


def people_managers(outcome=OK) -> dict[str, object]:
    return {**signed_in(403), "coordinator": outcome, "finance": outcome}


def report_readers(outcome=OK) -> dict[str, object]:
    """The evidence reports: coordinators, finance leads and evidence viewers."""
    return {**people_managers(outcome), "evidence": outcome}


def claimants_only(outcome=OK) -> dict[str, object]:
    return {**signed_in(403), "volunteer": outcome, "workforce": outcome, "lived": outcome}


def finance_only(outcome=OK) -> dict[str, object]:
    return {**signed_in(403), "finance": outcome}


def own_claim(outcome) -> dict[str, object]:
    return {**signed_in(404), "volunteer": outcome, "finance": outcome}


def drivers_only(outcome=OK) -> dict[str, object]:
    """Mileage and rides: the sample volunteer is the one driver among the personas."""
    return {**signed_in(403), "volunteer": outcome}


def ride_claimed(samples, personas, role):
    return ClaimRide.objects.filter(ride_id=samples["claimable_ride"]).exists()


def participant_record(outcome) -> dict[str, object]:
    """Coordinators only; for everyone else the person does not exist."""
    return {**signed_in(404), "coordinator": outcome}


def facilitators_only(outcome=OK) -> dict[str, object]:
    return {**signed_in(403), "workforce": outcome, "lived": outcome}


def drivers_and_coordinators(outcome=OK) -> dict[str, object]:
    return {**drivers_only(outcome), "coordinator": outcome}


def a_ride(outcome) -> dict[str, object]:
    """A ride: the driver who holds it or may take it, and coordinators; for everyone
    else it does not exist."""
    return {**signed_in(404), "volunteer": outcome, "coordinator": outcome}


def with_second_factor(outcome, without) -> dict[str, object]:
    """Pages about an authenticator: the roles that must have one have one."""
    must = ("finance", "coordinator", "evidence")
    return {**signed_in(without), **dict.fromkeys(must, outcome)}


# allauth answers a signed-in person on pages meant for signing in with a redirect home.
SIGNED_OUT_PAGE = {"anonymous": OK, **dict.fromkeys(STAFF_ROLES, 302)}

MATRIX: dict[str, Case] = {
    "home": Case(signed_in(OK, anonymous=302)),
    # The public pages: find a course and ask for a place. Anyone, signed in or not. The
    # confirmation page answers 404 to a token that names no request.
    "programmes:find": Case(everyone(OK)),
    "programmes:find_course": Case(everyone(OK), kwargs={"pk": "course"}),
    "programmes:find_refer": Case(everyone(OK), kwargs={"pk": "course"}),
    "programmes:find_refer_any": Case(everyone(OK)),
    "programmes:find_sent": Case(everyone(OK)),
    "programmes:find_confirm": Case(everyone(404), kwargs={"token": "invitation_token"}),
    "healthz": Case(everyone(OK)),
    "accessibility": Case(everyone(OK)),
    "ping": Case(signed_in(OK, anonymous=LOGIN)),
    # People and invitations: coordinators, and finance leads (who alone give the Finance
    # lead role). Opening a page of people's details adds a line to the audit trail.
    "people": Case(people_managers(), effect=audit_lines),
    "invite": Case(people_managers()),
    # Resending or withdrawing needs the right to give all the invitation's roles (the
    # sample invites a volunteer); deactivating is for coordinators.
    "invitation_resend": Case(
        coordinators_only(302),
        method="post",
        kwargs={"pk": "invitation"},
        effect=field_of("invitation", "token"),
    ),
    "invitation_revoke": Case(
        coordinators_only(302),
        method="post",
        kwargs={"pk": "invitation"},
        effect=field_of("invitation", "revoked_at"),
    ),
    "person_detail": Case(people_managers(), kwargs={"pk": "person"}, effect=audit_lines),
    "person_deactivate": Case(coordinators_only(), kwargs={"pk": "person"}),
    "person_reactivate": Case(
        coordinators_only(302),
        method="post",
        kwargs={"pk": "inactive_person"},
        effect=field_of("inactive_person", "is_active"),
    ),
    # The audit trail: coordinators read their parts, finance leads the money.
    "audit_trail": Case(people_managers(), effect=audit_lines),
    # The link in the email: the invitee is not signed in yet; someone who is signed
    # in is told to sign out first.
    "invitation_accept": Case(everyone(OK), kwargs={"token": "invitation_token"}),
    # Courses, sessions, venues: every working role reads (not the evidence viewer);
    # coordinators change.
    "programmes:course_list": Case(working_roles(OK)),
    "programmes:course_create": Case(coordinators_only()),
    "programmes:course_detail": Case(working_roles(OK), kwargs={"pk": "course"}),
    "programmes:course_edit": Case(coordinators_only(), kwargs={"pk": "course"}),
    "programmes:course_cancel": Case(
        coordinators_only(302),
        method="post",
        kwargs={"pk": "course"},
        effect=field_of("course", "status"),
    ),
    "programmes:session_edit": Case(coordinators_only(), kwargs={"pk": "session"}),
    "programmes:session_cancel": Case(
        coordinators_only(302),
        method="post",
        kwargs={"pk": "session"},
        effect=field_of("session", "is_cancelled"),
    ),
    # The register: coordinators, and the facilitators holding the session (the
    # workforce one holds the sample); nobody else may learn who is on it. Opening it is
    # audited; a mark saves and comes back to the register.
    "programmes:register": Case(
        {**signed_in(404), "workforce": OK, "coordinator": OK},
        kwargs={"pk": "held_session"},
        effect=audit_lines,
    ),
    "programmes:register_mark": Case(
        {**signed_in(404), "workforce": 302, "coordinator": 302},
        method="post",
        kwargs={"pk": "held_session", "line": "register_line"},
        data={"mark": "present"},
        effect=field_of("register_line", "mark"),
    ),
    "programmes:calendar": Case(working_roles(OK)),
    "programmes:programme_list": Case(working_roles(OK)),
    "programmes:programme_create": Case(coordinators_only()),
    "programmes:programme_edit": Case(coordinators_only(), kwargs={"pk": "programme"}),
    "programmes:closure_list": Case(coordinators_only()),
    "programmes:closure_delete": Case(
        coordinators_only(302),
        method="post",
        kwargs={"pk": "closure"},
        effect=still_there("closure"),
    ),
    # Participants: referrals and records are the coordinators'. A record, a place or an
    # offer is 404 for everyone else, who may not know the person exists. Every page of
    # people's details adds a line to the audit trail.
    "programmes:referral_list": Case(coordinators_only(), effect=audit_lines),
    "programmes:referral_place": Case(
        coordinators_only(302),
        method="post",
        kwargs={"pk": "referral"},
        effect=field_of("referral", "status"),
    ),
    "programmes:referral_create": Case(coordinators_only()),
    "programmes:referral_status": Case(
        coordinators_only(302),
        method="post",
        kwargs={"pk": "referral"},
        data={"status": "contacted"},
        effect=field_of("referral", "status"),
    ),
    "programmes:participant_detail": Case(
        participant_record(OK), kwargs={"pk": "participant"}, effect=audit_lines
    ),
    "programmes:participant_edit": Case(
        participant_record(OK), kwargs={"pk": "participant"}, effect=audit_lines
    ),
    "programmes:place_add": Case(
        participant_record(302),
        method="post",
        kwargs={"pk": "participant"},
        data={"course": "course"},
        effect=lambda samples, personas, role: samples.fresh("participant").places.count(),
    ),
    "programmes:place_withdraw": Case(
        participant_record(302),
        method="post",
        kwargs={"pk": "place"},
        effect=field_of("place", "status"),
    ),
    "programmes:offer_accept": Case(
        participant_record(302),
        method="post",
        kwargs={"pk": "offer"},
        effect=field_of("offer", "status"),
    ),
    "programmes:offer_decline": Case(
        participant_record(302),
        method="post",
        kwargs={"pk": "offer"},
        effect=field_of("offer", "status"),
    ),
    "programmes:score_record": Case(
        participant_record(302),
        method="post",
        kwargs={"pk": "place"},
        data={"measure": "swemwbs", "timepoint": "first"} | {f"item_{n}": "3" for n in range(1, 8)},
        effect=lambda samples, personas, role: samples.fresh("place").scores.count(),
    ),
    "programmes:feedback_record": Case(
        participant_record(302),
        method="post",
        kwargs={"pk": "place"},
        data={"feedback": "Met people who understand."},
        effect=field_of("place", "feedback"),
    ),
    # A course's participants: coordinators; the workforce facilitator holds a session of
    # the sample course, which starts within the window (first names and access needs).
    # The lived-experience facilitator holds none of it: 404, as for everyone else.
    "programmes:course_participants": Case(
        {**participant_record(OK), "workforce": OK},
        kwargs={"pk": "participants_course"},
        effect=audit_lines,
    ),
    # Rides: the board and "my rides" are the volunteer drivers' (the sample volunteer
    # drives); coordinators see the board and the rides wanted, and give rides to drivers.
    # The sample ``ride`` is the volunteer's, ``open_ride`` nobody's yet. Every page of
    # rides adds a line to the audit trail.
    "programmes:ride_board": Case(drivers_and_coordinators(), effect=audit_lines),
    "programmes:rides_mine": Case(drivers_only(), effect=audit_lines),
    "programmes:rides_unmet": Case(coordinators_only(), effect=audit_lines),
    "programmes:driver_area": Case(
        drivers_only(302), method="post", data={"district": "ng5"}, effect=own_driver_area
    ),
    "programmes:ride_detail": Case(a_ride(OK), kwargs={"pk": "ride"}, effect=audit_lines),
    # A coordinator who does not drive is told so (a redirect with an error); they give
    # rides to drivers instead.
    "programmes:ride_take": Case(
        a_ride(302),
        method="post",
        kwargs={"pk": "open_ride"},
        effect=field_of("open_ride", "driver"),
        changes_for={"volunteer"},
    ),
    "programmes:ride_assign": Case(
        coordinators_only(302),
        method="post",
        kwargs={"pk": "open_ride"},
        data={"driver": "person"},
        effect=field_of("open_ride", "driver"),
    ),
    # Ten days away: outside the notice, so the driver may give it back themselves.
    "programmes:ride_release": Case(
        a_ride(302), method="post", kwargs={"pk": "ride"}, effect=field_of("ride", "driver")
    ),
    # Only the driver asks for cover; a coordinator is told so, and nothing changes.
    "programmes:ride_cover": Case(
        a_ride(302),
        method="post",
        kwargs={"pk": "ride"},
        effect=field_of("ride", "cover_wanted_at"),
        changes_for={"volunteer"},
    ),
    "programmes:ride_arrange": Case(
        coordinators_only(302),
        method="post",
        kwargs={"pk": "open_ride"},
        data={"how": "taxi"},
        effect=field_of("open_ride", "arranged"),
    ),
    "programmes:ride_pickup": Case(
        a_ride(302),
        method="post",
        kwargs={"pk": "ride"},
        data={"pickup": "ride_pickup"},
        effect=field_of("ride", "pickup_lead"),
    ),
    "venues:venue_list": Case(working_roles(OK)),
    "venues:venue_create": Case(coordinators_only()),
    "venues:venue_detail": Case(working_roles(OK), kwargs={"pk": "venue"}),
    "programmes:venue_sessions": Case(working_roles(OK), kwargs={"pk": "venue"}),
    "venues:venue_edit": Case(coordinators_only(), kwargs={"pk": "venue"}),
    "team_settings": Case(coordinators_only()),
    # Coordinators see every message (on the audit trail); everyone else their own (for an
    # evidence viewer, part of their account). How one hears about the rota is for those
    # on it.
    "message_log": Case(signed_in(OK), effect=audit_lines, changes_for={"coordinator"}),
    "notice_preferences": Case(working_roles(OK)),
    # Facilitators' own pages: a coordinator without a facilitator profile gets 403.
    "facilitators:board": Case(facilitators_only()),
    "facilitators:mine": Case(facilitators_only()),
    "facilitators:my_profile": Case(facilitators_only()),
    "facilitators:reset_feed_token": Case(
        facilitators_only(302), method="post", effect=feed_tokens
    ),
    "facilitators:claim_session": Case(
        facilitators_only(302),
        method="post",
        kwargs={"pk": "free_session"},
        effect=holders("free_session"),
    ),
    "facilitators:claim_course": Case(
        facilitators_only(302),
        method="post",
        kwargs={"pk": "course"},
        data={"session": "free_session"},
        effect=holders("free_session"),
    ),
    # A workforce colleague's session: the lived-experience facilitator may not cover it
    # (redirect with an error; nothing changes).
    "facilitators:accept_cover": Case(
        facilitators_only(302),
        method="post",
        kwargs={"pk": "colleague_cover_request"},
        effect=field_of("colleague_cover_request", "resolved_at"),
        changes_for={"workforce"},
    ),
    # The sample claim is the workforce facilitator's: others may not know it exists.
    "facilitators:release": Case(
        {**signed_in(404), "workforce": 302, "coordinator": 302},
        method="post",
        kwargs={"pk": "claim"},
        effect=field_of("claim", "released_at"),
    ),
    # Undo the sample claim (the workforce facilitator's, made just now): for anyone
    # else a redirect with an error; coordinators without a profile are refused.
    "facilitators:undo_claims": Case(
        facilitators_only(302),
        method="post",
        data={"claim": "claim"},
        effect=field_of("claim", "released_at"),
        changes_for={"workforce"},
    ),
    "facilitators:ask_cover": Case(
        {**signed_in(404), "workforce": 302},
        method="post",
        kwargs={"pk": "claim"},
        effect=lambda samples, personas, role: samples.fresh("claim").cover_requests.count(),
    ),
    "facilitators:withdraw_cover": Case(
        {**signed_in(404), "workforce": 302, "coordinator": 302},
        method="post",
        kwargs={"pk": "cover_request"},
        effect=field_of("cover_request", "resolved_at"),
    ),
    "facilitators:session_detail": Case(working_roles(OK), kwargs={"pk": "session"}),
    "facilitators:assign": Case(
        coordinators_only(302),
        method="post",
        kwargs={"pk": "free_session"},
        data={"facilitator": "profile"},
        effect=holders("free_session"),
    ),
    "facilitators:cover_gaps": Case(coordinators_only()),
    "facilitators:facilitator_list": Case(coordinators_only(), effect=audit_lines),
    "facilitators:facilitator_edit": Case(
        coordinators_only(), kwargs={"pk": "profile"}, effect=audit_lines
    ),
    "facilitators:training_delete": Case(
        coordinators_only(302),
        method="post",
        kwargs={"pk": "training"},
        effect=still_there("training"),
    ),
    # The private calendar feed: the token is the key, no sign-in.
    "facilitators:feed": Case(everyone(OK), kwargs={"token": "feed_token"}),
    # Expenses: volunteers and facilitators claim; finance leads decide. The sample claim
    # is the volunteer's; for anyone else but finance it does not exist.
    "expenses:claim_list": Case(claimants_only()),
    "expenses:claim_create": Case(claimants_only()),
    # The volunteer's rides still to claim for: only drivers claim mileage. Opening the
    # list (participants' first names) is audited.
    "expenses:claim_from_rides": Case(drivers_only(), effect=audit_lines),
    "expenses:claim_detail": Case(own_claim(OK), kwargs={"pk": "expense"}),
    "expenses:claim_receipt": Case(own_claim(OK), kwargs={"pk": "expense"}),
    # Only claimants edit: everyone else who does not claim is refused before the claim.
    "expenses:claim_edit": Case(
        {**own_claim(OK), **dict.fromkeys(("finance", "coordinator", "evidence"), 403)},
        kwargs={"pk": "expense"},
    ),
    # A finance lead may open the claim but not submit or delete it: a redirect with an
    # error, and the claim stays as it was.
    "expenses:claim_submit": Case(
        own_claim(302),
        method="post",
        kwargs={"pk": "expense"},
        effect=field_of("expense", "status"),
        changes_for={"volunteer"},
    ),
    "expenses:claim_delete": Case(
        own_claim(302),
        method="post",
        kwargs={"pk": "expense"},
        effect=still_there("expense"),
        changes_for={"volunteer"},
    ),
    "expenses:dashboard": Case(finance_only()),
    "expenses:approve": Case(
        finance_only(302),
        method="post",
        kwargs={"pk": "submitted_expense"},
        effect=field_of("submitted_expense", "status"),
    ),
    "expenses:reject": Case(
        finance_only(302),
        method="post",
        kwargs={"pk": "submitted_expense"},
        data={"reason": "Not an expense we can repay."},
        effect=field_of("submitted_expense", "status"),
    ),
    "expenses:pay": Case(
        finance_only(302),
        method="post",
        kwargs={"pk": "approved_expense"},
        data={"paid_on": "today", "reference": "BACS 0042"},
        effect=field_of("approved_expense", "status"),
    ),
    "expenses:budget_list": Case(finance_only()),
    "expenses:budget_edit": Case(finance_only(), kwargs={"pk": "budget"}),
    "expenses:spend_list": Case(finance_only()),
    "expenses:spend_attachment": Case(finance_only(), kwargs={"pk": "spend"}),
    "expenses:rates": Case(finance_only()),
    "expenses:export": Case(
        finance_only(), kwargs={"start_year": "budget_year"}, effect=audit_lines
    ),
    "expenses:chart": Case(
        finance_only(), kwargs={"start_year": "budget_year", "name": "categories"}
    ),
    # The evidence reports: coordinators, finance leads and evidence viewers
    # (hope.access.reports_required); opening one or its CSV is on the audit trail (its
    # charts are pictures on the page). Each measure's meaningful change is the
    # coordinators' to set.
    "programmes:outcomes_report": Case(report_readers(), effect=audit_lines),
    "programmes:outcomes_export": Case(report_readers(), effect=audit_lines),
    "programmes:outcomes_chart": Case(report_readers(), kwargs={"name": "referrals"}),
    "programmes:meaningful_change": Case(coordinators_only()),
    "expenses:costs_report": Case(report_readers(), effect=audit_lines),
    "expenses:costs_export": Case(report_readers(), effect=audit_lines),
    "expenses:costs_chart": Case(report_readers(), kwargs={"name": "venues"}),
    "account_login": Case(SIGNED_OUT_PAGE),
    "account_logout": Case(
        everyone(302), method="post", effect=signed_in_sessions, changes_for=set(STAFF_ROLES)
    ),
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
    # Two-factor sign-in (allauth.mfa): offered to everyone who is signed in. Coordinators,
    # finance leads and evidence viewers have it set up (required); the others have not
    # (404 for pages about an authenticator they do not have). Changes ask for the code
    # again (302).
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

# A URL already classified, asked again about other samples or with another method:
# (URL name, Case).
MORE_CASES: dict[str, tuple[str, Case]] = {
    # Destructive actions ask first: a GET shows what would happen and changes nothing.
    **{
        f"{name}, the page that asks first": (
            name,
            Case(expect, kwargs={"pk": sample}, effect=effect, changes_for=set()),
        )
        for name, expect, sample, effect in [
            (
                "programmes:course_cancel",
                coordinators_only(),
                "course",
                field_of("course", "status"),
            ),
            (
                "programmes:session_cancel",
                coordinators_only(),
                "session",
                field_of("session", "is_cancelled"),
            ),
            (
                "facilitators:release",
                {**signed_in(404), "workforce": OK, "coordinator": OK},
                "claim",
                field_of("claim", "released_at"),
            ),
            ("programmes:closure_delete", coordinators_only(), "closure", still_there("closure")),
            (
                "facilitators:training_delete",
                coordinators_only(),
                "training",
                still_there("training"),
            ),
            ("programmes:ride_release", a_ride(OK), "ride", field_of("ride", "driver")),
            # A finance lead may open the volunteer's draft, and is told it is not theirs.
            ("expenses:claim_delete", own_claim(OK), "expense", still_there("expense")),
            (
                "expenses:reject",
                finance_only(),
                "submitted_expense",
                field_of("submitted_expense", "status"),
            ),
        ]
    },
    # The page to choose who fills a session's open slots (from the cover page): asking
    # changes nothing; its Assign buttons are the POST row above.
    "facilitators:assign, the page to choose who": (
        "facilitators:assign",
        Case(
            coordinators_only(),
            kwargs={"pk": "free_session"},
            effect=holders("free_session"),
            changes_for=set(),
        ),
    ),
    # A claim made from the volunteer's ride: the form, filled in from it (audited), and
    # saved. Another volunteer's ride would not exist (404: tests/expenses).
    "expenses:claim_create, from a ride": (
        "expenses:claim_create",
        Case(drivers_only(), data={"ride": "claimable_ride"}, effect=audit_lines),
    ),
    "expenses:claim_create, from a ride, saved": (
        "expenses:claim_create",
        Case(
            drivers_only(302),
            method="post",
            data={
                "ride": "claimable_ride",
                "start_postcode": "NG3 5AA",
                "end_postcode": "NG1 1AA",
                "miles": "12.5",
                "purpose": "Driving HOPE participants",
                "action": "draft",
            },
            effect=ride_claimed,
        ),
    ),
    # Each person chooses how they hear about the rota, for themselves only.
    "notice_preferences, saved": (
        "notice_preferences",
        Case(
            working_roles(302),
            method="post",
            data={"rota_notices": "digest"},
            effect=own_rota_notices,
        ),
    ),
    "programmes:meaningful_change, saved": (
        "programmes:meaningful_change",
        Case(
            coordinators_only(302),
            method="post",
            data={"swemwbs": "2.5", "wemwbs": "3.0", "pam": "4.0"},
            effect=swemwbs_threshold,
        ),
    ),
    # A ride nobody holds yet: on the board, so drivers may open it (without the details).
    "programmes:ride_detail of a ride nobody holds": (
        "programmes:ride_detail",
        Case(a_ride(OK), kwargs={"pk": "open_ride"}, effect=audit_lines),
    ),
    # Another course's participants, by id: the workforce facilitator holds a session of
    # the sample course, not of this one, which is as near (404, as for everyone else).
    "programmes:course_participants of a course nobody holds": (
        "programmes:course_participants",
        Case(participant_record(OK), kwargs={"pk": "unheld_course"}, effect=audit_lines),
    ),
}

# What an evidence viewer may open, besides the pages open to anyone: their home page, and
# their own account (allauth's pages, and the messages sent to them). The reports and their
# CSVs join this list when they land.
EVIDENCE_VIEWER_PAGES = {
    "home",
    # "Signed in.": nothing about anyone (make bench's floor).
    "ping",
    "message_log",
    "programmes:outcomes_report",
    "programmes:outcomes_export",
    "programmes:outcomes_chart",
    "expenses:costs_report",
    "expenses:costs_export",
    "expenses:costs_chart",
}
OWN_ACCOUNT_PREFIXES = ("account_", "mfa_", "usersessions_")


def test_an_evidence_viewer_reaches_only_their_home_their_account_and_the_reports():
    cases = {**MATRIX, **{key: case for key, (_, case) in MORE_CASES.items()}}
    reached = {key for key, case in cases.items() if case.expect["evidence"] not in REFUSED}
    theirs = {key for key in reached if key.startswith(OWN_ACCOUNT_PREFIXES)}
    theirs |= EVIDENCE_VIEWER_PAGES
    beyond = sorted(key for key in reached - theirs if cases[key].expect["anonymous"] in REFUSED)
    assert not beyond, f"An evidence viewer should not reach: {beyond}"
    assert EVIDENCE_VIEWER_PAGES <= reached


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


# Every page someone who is not signed in may open. A new page is public only by being
# added here, so nothing becomes public by accident.
PUBLIC = {
    "healthz",
    "accessibility",
    "invitation_accept",
    "programmes:find",
    "programmes:find_course",
    "programmes:find_refer",
    "programmes:find_refer_any",
    "programmes:find_sent",
    "facilitators:feed",
}


def test_only_the_public_pages_are_open_without_signing_in():
    cases = {**MATRIX, **{key: case for key, (_, case) in MORE_CASES.items()}}
    open_to_all = {
        key
        for key, case in cases.items()
        if case.expect["anonymous"] not in REFUSED
        and case.expect["anonymous"] != 302
        and not key.startswith(("account_", "mfa_"))
    }
    assert open_to_all == PUBLIC


def test_every_post_says_what_it_changes():
    cases = {**MATRIX, **{key: case for key, (_, case) in MORE_CASES.items()}}
    silent = [key for key, case in cases.items() if case.method == "post" and not case.effect]
    assert not silent, f"Say what these POST rows change (Case.effect): {silent}"
    # A refused role that changes something is a security bug, never an expectation.
    wrong = {key: case.changers() & case.refused() for key, case in cases.items()}
    wrong = {key: sorted(roles) for key, roles in wrong.items() if roles}
    assert not wrong, f"These rows expect a refused role to change something: {wrong}"


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


WRITE = re.compile(r'^(?:INSERT INTO|UPDATE|DELETE FROM) "(\w+)"')
# A GET may add a line to the audit trail (who opened personal details) and create the
# one row of team settings or mileage rates the first time they are read; nothing else.
GET_MAY_WRITE = {"hope_auditevent", "hope_teamsettings", "expenses_rates"}


def _tables_written(queries: CaptureQueriesContext) -> set[str]:
    return {m[1] for query in queries.captured_queries if (m := WRITE.match(query["sql"]))}


@pytest.mark.parametrize("key", sorted(MATRIX) + sorted(MORE_CASES))
def test_page_answers_each_role_as_the_matrix_says(client, personas, key):
    name, case = MORE_CASES[key] if key in MORE_CASES else (key, MATRIX[key])
    mismatches = []
    budget = BudgetFactory()
    # Fresh samples for each role, so one role's successful POST leaves the next role
    # something to act on. A GET changes nothing (checked below), so one set serves all.
    shared = make_samples(personas, budget=budget) if case.method == "get" else None
    for n, role in enumerate(ROLES):
        samples = shared or make_samples(personas, budget=budget, n=n)
        kwargs = {k: samples.get(v, v) for k, v in case.kwargs.items()}
        data = {k: samples.get(v, v) for k, v in case.data.items()}
        url = reverse(name, kwargs=kwargs)
        _login(client, role, personas)
        before = case.effect(samples, personas, role) if case.effect else None
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, case.method)(url, data)
            if response.streaming:  # reading a download to the end lets the client close it
                b"".join(response.streaming_content)
        if not _outcome_matches(response, case.expect[role]):
            mismatches.append(f"{role}: got {response.status_code}, want {case.expect[role]}")
        if case.effect:
            after = case.effect(samples, personas, role)
            if role in case.changers() and after == before:
                mismatches.append(f"{role}: nothing changed ({before!r})")
            elif role not in case.changers() and after != before:
                mismatches.append(f"{role}: changed {before!r} to {after!r}")
        # Whatever the row watches, a refused request writes nothing, and a GET only what
        # GET_MAY_WRITE allows.
        written = _tables_written(queries)
        if role in case.refused() and written:
            mismatches.append(f"{role}: refused, yet wrote to {sorted(written)}")
        elif case.method == "get" and written - GET_MAY_WRITE:
            mismatches.append(f"{role}: a GET wrote to {sorted(written - GET_MAY_WRITE)}")
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


def test_finance_forms_sent_empty_show_their_errors_under_the_csp(client, personas):
    """The matrix sends reject and pay valid forms; the pages their errors give, too."""
    samples = make_samples(personas)
    client.force_login(personas["finance"])
    for key, sample in [
        ("expenses:reject", "submitted_expense"),
        ("expenses:pay", "approved_expense"),
    ]:
        response = client.post(reverse(key, args=[samples[sample]]))
        assert response.status_code == OK, key
        assert "<title>Error: " in response.content.decode(), key
        assert not html_response_problems(response), key
