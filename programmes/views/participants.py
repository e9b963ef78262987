"""The coordinators' participant pages: the referrals queue, recording a referral, a
participant's record (details, consents, places, register, scores, feedback), and each
course's participants (facilitators see first names and access needs, in a window).

Every page that shows someone's details adds a line to the audit trail, naming records by
number only. Every change goes through ``programmes.services.participants``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from hope.access import coordinator_required
from hope.audit import audit_viewed
from hope.compiled import Compiled
from hope.links import RowLink
from hope.models import AuditArea
from hope.params import int_or_none
from programmes.access import (
    get_course_participants_for_user,
    get_participant_for_user,
    get_place_for_user,
)
from programmes.course_people_rows import enrolled_row
from programmes.measures import Measure
from programmes.models import (
    HOLDING_PLACE,
    LIVE_PLACE,
    Participant,
    Place,
    PlaceStatus,
    Referral,
    ReferralStatus,
)
from programmes.notices import channel_for
from programmes.participant_forms import (
    FeedbackForm,
    ParticipantForm,
    PlaceAddForm,
    ReferralForm,
    ReferralStatusForm,
    ScoreForm,
    add_service_error,
    add_validation_errors,
)
from programmes.place_cards import place_cards
from programmes.record_details import record_details
from programmes.record_lines import (
    record_places,
    record_referrals,
    register_lines,
    ride_lines,
    score_lines,
)
from programmes.referral_rows import PER_PAGE, Queue, referral_rows
from programmes.services.participants import (
    PlaceError,
    ScoreError,
    feedback_record,
    offer_accept,
    offer_decline,
    participant_update,
    place_request,
    place_withdraw,
    referral_create,
    referral_set_status,
    score_record,
)

# --- The referrals queue --------------------------------------------------------------

# The queue's filter: the open referrals by default, one status, or all of them.
REFERRAL_FILTERS = {
    "open": "Open",
    **{status.value: status.label for status in ReferralStatus},
    "all": "All",
}


def _referral_filter(value: str | None) -> str:
    return value if value in REFERRAL_FILTERS else "open"


def _queue_url(show: str, page: int | None = None) -> str:
    query = {"status": show} if show != "open" else {}
    if page and page > 1:
        query["page"] = page
    url = reverse("programmes:referral_list")
    return f"{url}?{urlencode(query)}" if query else url


@login_required
@coordinator_required
def referral_list(request: HttpRequest) -> HttpResponse:
    """Everyone referred, oldest first, so nobody waits unseen. Four queries, whatever
    the number of referrals: the count, the page's rows (with person and course), the
    audit line, and the roles of the person asking."""
    show = _referral_filter(request.GET.get("status"))
    page = Paginator(Queue(show), PER_PAGE).get_page(request.GET.get("page"))
    rows = referral_rows(
        page.object_list,
        today=timezone.localdate(),
        show=show,
        page_number=page.number,
        csrf_token=get_token(request),
    )
    audit_viewed(request, "the referrals queue", area=AuditArea.ROTA)
    return render(
        request,
        "programmes/referral_list.html",
        {
            "page": page,
            "rows": rows,
            "show": show,
            "filters": REFERRAL_FILTERS,
        },
    )


@require_POST
@login_required
@coordinator_required
def referral_status(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(Referral.objects.select_related("participant"), pk=pk)
    back = _queue_url(
        _referral_filter(request.POST.get("show")), int_or_none(request.POST.get("page"))
    )
    form = ReferralStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["status"][0])
        return redirect(back)
    try:
        referral = referral_set_status(
            referral=referral, status=form.cleaned_data["status"], by=request.user
        )
    except PlaceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"The referral of {referral.participant.full_name or 'an anonymised person'} "
            f"is now “{referral.get_status_display()}”.",
        )
    return redirect(back)


@require_POST
@login_required
@coordinator_required
def referral_place(request: HttpRequest, pk: int) -> HttpResponse:
    """From the queue: a place on the course the referral asked for (or its waiting list)."""
    referral = get_object_or_404(
        Referral.objects.select_related("participant", "course"), pk=pk, course__isnull=False
    )
    back = _queue_url(
        _referral_filter(request.POST.get("show")), int_or_none(request.POST.get("page"))
    )
    who = referral.participant.full_name or "an anonymised person"
    try:
        note = _place_requested(request, referral.participant, referral.course)
    except PlaceError as error:
        messages.error(request, f"{who} is not on “{referral.course.title}”: {error}")
    else:
        messages.success(request, f"{who}: {note}")
    return redirect(back)


@login_required
@coordinator_required
def referral_create_view(request: HttpRequest) -> HttpResponse:
    """The person's details and consents, and who referred them; optionally a place on
    the course they asked for (or its waiting list) at once."""
    person_form = ParticipantForm(request.POST or None)
    referral_form = ReferralForm(request.POST or None)
    # Both forms are checked (``&``, not ``and``), so each shows all its messages at once.
    if request.method == "POST" and person_form.is_valid() & referral_form.is_valid():
        try:
            referral = referral_create(
                participant=Participant(**person_form.values()),
                referral=referral_form.referral(),
                by=request.user,
            )
        except ValidationError as error:  # the model's checks, behind the form's
            add_validation_errors(person_form, error)
        else:
            participant = referral.participant
            note = f"Referral recorded for {participant.full_name}."
            if referral_form.cleaned_data["enrol_now"]:
                try:
                    note += " " + _place_requested(request, participant, referral.course)
                except PlaceError as error:
                    # The referral stands; the place can be asked for again on the record.
                    messages.error(request, f"They are not on “{referral.course}”: {error}")
            messages.success(request, note)
            return redirect("programmes:participant_detail", pk=participant.pk)
    return render(
        request,
        "programmes/referral_form.html",
        {
            "person_form": person_form,
            "referral_form": referral_form,
        },
    )


def _place_requested(request, participant: Participant, course) -> str:
    """Ask for a place and say which it was: enrolled, or where on the waiting list.
    Raises PlaceError when neither can be."""
    place = place_request(participant=participant, course=course, by=request.user)
    if place.status == PlaceStatus.ENROLLED:
        return f"They are enrolled on “{course.title}”."
    ahead = (
        Place.objects.filter(course=course, waiting_since__lte=place.waiting_since)
        .waiting()
        .exclude(pk=place.pk)
        .count()
    )
    return f"“{course.title}” is full, so they are on its waiting list (number {ahead + 1})."


# --- A participant's record -----------------------------------------------------------


def _record(request, participant: Participant, **bound) -> HttpResponse:
    """The record page. A POST that failed passes its bound form in ``bound`` (keyed as
    the page keys its forms), so the page shows it with its messages. A fixed number of
    queries however many referrals, places, sessions and scores: their referrals, places,
    register lines and scores, their rides to come, and (unless remembered) the courses
    open for places."""
    places = record_places(participant)
    registers, scores = register_lines(participant), score_lines(participant)
    referrals = record_referrals(participant, timezone.localdate())
    for place in places:
        place.is_live = place.status in LIVE_PLACE
        place.holds = place.status in HOLDING_PLACE
        place.register_lines, place.score_lines = registers[place.pk], scores[place.pk]
        # Scores and feedback are for people who have had a place, not those waiting. A
        # score form not sent is its measure's name, a feedback form the words already
        # given: place_cards writes them from forms made once a process.
        place.score_forms, place.feedback_form = [], None
        if place.enrolled_at is not None:
            place.score_forms = [
                bound.get(f"score-{place.pk}-{measure}", measure)
                for measure in place.course.programme.measures
                if measure in Measure.values
            ]
            place.feedback_form = bound.get(f"feedback-{place.pk}", place.feedback)
    place_form = bound.get("place") or PlaceAddForm(
        participant=participant,
        live_courses=[place.course_id for place in places if place.is_live],
    )
    forms = [place_form] + [
        form
        for place in places
        for form in (*place.score_forms, place.feedback_form)
        if form is not None and not isinstance(form, str)
    ]
    automatic = channel_for(participant)
    rides = ride_lines(participant)
    audit_viewed(request, f"participant #{participant.pk}", area=AuditArea.ROTA)
    return render(
        request,
        "programmes/participant_detail.html",
        {
            "participant": participant,
            "referrals": referrals,
            "places": places,
            "place_cards": place_cards(
                places,
                csrf_token=get_token(request),
                automatic=automatic,
                offer_days=settings.PLACE_OFFER_DAYS,
            ),
            "details": record_details(participant, automatic=automatic, rides=rides),
            "rides": rides,
            "place_form": place_form,
            # The forms inside places, where base.html's error summary can find them.
            "page_forms": forms,
            "automatic": automatic,
        },
    )


@login_required
def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _record(request, get_participant_for_user(request, pk))


@login_required
def participant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    participant = get_participant_for_user(request, pk)
    if participant.is_anonymised:
        messages.error(request, "This record was anonymised; its details can no longer change.")
        return redirect("programmes:participant_detail", pk=participant.pk)
    form = ParticipantForm(request.POST or None, instance=participant)
    if request.method == "POST" and form.is_valid():
        try:
            participant_update(participant=participant, values=form.values(), by=request.user)
        except ValidationError as error:
            add_validation_errors(form, error)
        except PlaceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{participant.full_name}'s details are saved.")
            return redirect("programmes:participant_detail", pk=participant.pk)
    audit_viewed(request, f"participant #{participant.pk}", area=AuditArea.ROTA)
    return render(
        request,
        "programmes/participant_edit.html",
        {"participant": participant, "form": form},
    )


@require_POST
@login_required
def place_add(request: HttpRequest, pk: int) -> HttpResponse:
    participant = get_participant_for_user(request, pk)
    form = PlaceAddForm(request.POST, participant=participant)
    if form.is_valid():
        course = form.cleaned_data["course"]
        try:
            place = place_request(participant=participant, course=course, by=request.user)
        except PlaceError as error:
            add_service_error(form, error, default="course")
        else:
            if place.status == PlaceStatus.ENROLLED:
                messages.success(request, f"{participant.full_name} is enrolled on {course.label}.")
            else:
                messages.success(
                    request,
                    f"{course.label} is full, so {participant.full_name} is on its waiting list.",
                )
            return redirect("programmes:participant_detail", pk=participant.pk)
    return _record(request, participant, place=form)


def _after_place_change(request, place: Place, change, done: str) -> HttpResponse:
    """Withdraw, accept or decline through the service; say what happened."""
    try:
        change(place=place, by=request.user)
    except PlaceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("programmes:participant_detail", pk=place.participant_id)


@require_POST
@login_required
def place_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_place_for_user(request, pk)
    done = f"They have left “{place.course.title}”."
    if place.status in HOLDING_PLACE:
        done += " Their place is offered to the first person on the waiting list, if any."
    return _after_place_change(request, place, place_withdraw, done)


@require_POST
@login_required
def offer_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_place_for_user(request, pk)
    return _after_place_change(
        request, place, offer_accept, f"They accepted: enrolled on “{place.course.title}”."
    )


@require_POST
@login_required
def offer_decline_view(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_place_for_user(request, pk)
    return _after_place_change(
        request,
        place,
        offer_decline,
        f"They declined the place on “{place.course.title}”. It is offered to the next "
        "person on the waiting list, if any.",
    )


@require_POST
@login_required
def score_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_place_for_user(request, pk)
    measure = request.POST.get("measure")
    if measure not in place.course.programme.measures or measure not in Measure.values:
        messages.error(request, f"{place.course.programme} does not use this measure.")
        return redirect("programmes:participant_detail", pk=place.participant_id)
    key = f"score-{place.pk}-{measure}"
    form = ScoreForm(request.POST, measure=measure, auto_id=f"{key}-%s")
    if form.is_valid():
        try:
            score = score_record(
                place=place,
                measure=measure,
                timepoint=form.cleaned_data["timepoint"],
                by=request.user,
                **form.answers(),
            )
        except PlaceError as error:
            if error.field not in form.fields:  # about the place, not an answer
                messages.error(request, str(error))
                return redirect("programmes:participant_detail", pk=place.participant_id)
            add_service_error(form, error)
        except ScoreError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"{Measure(measure).name} ({score.get_timepoint_display().lower()}) saved: "
                f"total {score.total:g}.",
            )
            return redirect("programmes:participant_detail", pk=place.participant_id)
    return _record(request, place.participant, **{key: form})


@require_POST
@login_required
def feedback_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_place_for_user(request, pk)
    key = f"feedback-{place.pk}"
    form = FeedbackForm(request.POST, auto_id=f"{key}-%s")
    if not form.is_valid():
        return _record(request, place.participant, **{key: form})
    try:
        feedback_record(place=place, text=form.cleaned_data["feedback"], by=request.user)
    except PlaceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Feedback on “{place.course.title}” saved.")
    return redirect("programmes:participant_detail", pk=place.participant_id)


# --- A course's participants ----------------------------------------------------------


def _course_places(full: bool) -> Compiled:
    """The places a course's participants page lists, with each person: coordinators
    (``full``) see everyone enrolled, waiting and offered a place; a facilitator the
    enrolled only. Only what the page shows of each person (for a facilitator, less
    still)."""
    shown = (
        (PlaceStatus.ENROLLED, PlaceStatus.WAITING, PlaceStatus.OFFERED)
        if full
        else (PlaceStatus.ENROLLED,)
    )
    people = ["full_name", "preferred_name", "access_needs", "anonymised_at"]
    if full:
        people += ["needs_transport", "pickup_postcode"]
    fields = ("status", "participant_id", "enrolled_at", "offered_at", "offer_expires_at",
              "waiting_since", *(f"participant__{field}" for field in people))  # fmt: skip
    return Compiled(
        lambda course: (
            Place.objects.filter(course=course, status__in=shown)
            .with_attendance()
            .select_related("participant")
            .only(*fields)
            .order_by("waiting_since", "pk")
        ),
        course=int,
    )


# Compiled once a process (hope/compiled.py): building the query (the completion rule's
# counts, the person's columns) cost Django more than PostgreSQL took to run it.
_COURSE_PLACES = {full: _course_places(full) for full in (True, False)}


@login_required
def course_participants(request: HttpRequest, pk: int) -> HttpResponse:
    """Who is on a course. Coordinators: everyone enrolled, waiting (in order) and offered
    a place, by full name. A facilitator who holds one of its sessions, from 14 days before
    to 30 days after the course: the enrolled people's first names and access needs, and
    nothing else. Three queries for the list whatever its length."""
    course, full = get_course_participants_for_user(request, pk)
    places = _COURSE_PLACES[full].instances(course=course.pk)
    detail = RowLink("programmes:participant_detail")
    for place in places:
        place.url = detail(place.participant_id)
    enrolled = sorted(
        (p for p in places if p.status == PlaceStatus.ENROLLED),
        key=lambda p: (p.participant.full_name if full else p.participant.first_name).lower(),
    )
    if full:
        for place in enrolled:
            place.row = enrolled_row(place)
    audit_viewed(request, f"the participants of course #{course.pk}", area=AuditArea.ROTA)
    return render(
        request,
        "programmes/course_participants.html",
        {
            "course": course,
            "full": full,
            "enrolled": enrolled,
            "waiting": [p for p in places if p.status == PlaceStatus.WAITING],
            "offered": [p for p in places if p.status == PlaceStatus.OFFERED],
        },
    )
