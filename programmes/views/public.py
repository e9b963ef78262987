"""The public pages: find a course and ask for a place, without signing in.

They show only what programmes/public.py puts on a course card, from the cache, so a
crawler reads Redis and not the database. The self-referral form is guarded by a
honeypot and by limits per client address and per contact counted in Redis (429 past
them), and a request only reaches the coordinators once confirmed from the person's own
email or phone (programmes/services/public.py).
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hope.links import RowLink
from hope.ratelimit import client_network, limit_hit
from hope.requestcontext import client_ip
from programmes.models import Channel, Course, RequestStatus
from programmes.public import (
    card_html,
    course_sessions,
    filter_cards,
    listed_course,
    listed_courses,
    public_team,
)
from programmes.public_forms import ConfirmCodeForm, FindForm, SelfReferralForm
from programmes.services.public import (
    RequestError,
    referral_request_confirm,
    referral_request_make,
    request_for_token,
)

HOUR = 3600
DAY = 24 * HOUR
PER_PAGE = 20
# Anyone may keep a copy of a listing for this long (a shared cache or the browser).
PUBLIC_MAX_AGE = 60


def public_page(view):
    """A listing page anyone (a shared cache too) may keep for ``PUBLIC_MAX_AGE``, unless
    the visitor brings a session cookie: their response may renew it (the idle clock
    moves), and no shared cache may keep a page carrying someone's session."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            patch_cache_control(response, private=True, max_age=PUBLIC_MAX_AGE)
        else:
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        return response

    return wrapped


def _page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    shared = {
        "team": public_team(),
        "hours": settings.SELF_REFERRAL_CONFIRM_HOURS,
        "months": settings.RETENTION_PARTICIPANT_MONTHS,
    }
    return render(request, f"public/{template}", {**shared, **context}, status=status)


def _not_found(request) -> HttpResponse:
    return _page(request, "not_found.html", {}, status=404)


@public_page
@require_http_methods(["GET", "HEAD"])
def find(request: HttpRequest) -> HttpResponse:
    cards = listed_courses()
    form = FindForm(request.GET or None, cards=cards)
    chosen = form.filters() if request.GET else {}
    shown = filter_cards(
        cards,
        programme=chosen.get("programme"),
        town=chosen.get("town", ""),
        weekday=chosen.get("day"),
        near=chosen.get("near", ""),
    )
    page = Paginator(shown, PER_PAGE).get_page(request.GET.get("page"))
    card_url = RowLink("programmes:find_course")
    query = request.GET.copy()
    query.pop("page", None)
    return _page(
        request,
        "find.html",
        {
            "form": form,
            "page": page,
            "cards": [
                card_html(card, url=card_url(card.pk), near=chosen.get("near", "")) for card in page
            ],
            "filtered": bool(chosen),
            "near": chosen.get("near", ""),
            "query": query.urlencode(),
            "total": len(cards),
        },
    )


@public_page
@require_http_methods(["GET", "HEAD"])
def find_course(request: HttpRequest, pk: int) -> HttpResponse:
    card = listed_course(pk)
    if card is None:
        return _not_found(request)
    return _page(request, "course.html", {"card": card, "sessions": course_sessions(pk)})


def _too_many(request, form, card, message: str) -> HttpResponse:
    form.add_error(None, message)
    return _page(request, "refer.html", {"form": form, "card": card}, status=429)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def find_refer(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Ask for a place on one course (``pk``) or on any course."""
    card = None
    if pk is not None:
        card = listed_course(pk)
        if card is None:
            return _not_found(request)
    cards = None if card else listed_courses()
    form = SelfReferralForm(request.POST or None, cards=cards)
    if request.method != "POST" or not form.is_valid():
        return _page(request, "refer.html", {"form": form, "card": card})
    contact_line = public_team().contact_line
    ring = f" Or contact the team: {contact_line}" if contact_line else ""
    if limit_hit(
        "selfreferral:address",
        client_network(client_ip(request)),
        limit=settings.SELF_REFERRALS_PER_ADDRESS_HOUR,
        seconds=HOUR,
    ):
        return _too_many(
            request,
            form,
            card,
            "Too many requests have been sent from this connection. Try again in an hour." + ring,
        )
    if form.is_bot:
        # Looks sent, so the bot learns nothing; nothing is saved or sent.
        return redirect("programmes:find_sent")
    if limit_hit(
        "selfreferral:everyone", "all", limit=settings.SELF_REFERRALS_PER_DAY, seconds=DAY
    ):
        return _too_many(
            request,
            form,
            card,
            "The team has had more requests than usual today, so the form is closed until "
            "tomorrow." + (ring or " Please try again tomorrow."),
        )
    details = form.details()
    contact = (
        details["email"].lower()
        if details["preferred_channel"] == Channel.EMAIL
        else details["mobile"]
    )
    if limit_hit(
        "selfreferral:contact",
        contact,
        limit=settings.SELF_REFERRALS_PER_CONTACT_DAY,
        seconds=DAY,
    ):
        return _too_many(
            request,
            form,
            card,
            "Too many requests have been made with these contact "
            "details today. Try again tomorrow." + ring,
        )
    course_pk = card.pk if card else form.cleaned_data.get("course")
    chosen = listed_course(course_pk) if course_pk else None
    if course_pk and chosen is None:
        form.add_error("course", "That course is no longer taking requests: choose another.")
        return _page(request, "refer.html", {"form": form, "card": card})
    try:
        _, token = referral_request_make(
            details=details,
            course=Course.objects.get(pk=chosen.pk) if chosen else None,
            how_heard=form.cleaned_data["how_heard"],
            consent_evaluation=form.cleaned_data["consent_evaluation"],
        )
    except RequestError as error:
        if error.too_many:
            return _too_many(request, form, card, str(error) + ring)
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return _page(request, "refer.html", {"form": form, "card": card})
    if token:  # by text: their browser keeps the token, the phone gets the code
        return redirect("programmes:find_confirm", token=token)
    return redirect("programmes:find_sent")


@never_cache
@require_http_methods(["GET", "HEAD"])
def find_sent(request: HttpRequest) -> HttpResponse:
    return _page(request, "sent.html", {})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def find_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the email (a button, so a mail scanner opening the link confirms
    nothing), or the page where the texted code is typed."""
    # Every look counts (a link opened, a code typed): guessing tokens gets nowhere, and
    # soon not even a query.
    if limit_hit(
        "selfreferral:confirm",
        client_network(client_ip(request)),
        limit=settings.SELF_REFERRAL_CONFIRMS_PER_ADDRESS_HOUR,
        seconds=HOUR,
    ):
        return _page(request, "expired.html", {"too_many": True}, status=429)
    pending = request_for_token(token)
    if pending is None or pending.status == RequestStatus.VOID or pending.is_expired():
        return _page(request, "expired.html", {}, status=404)
    if pending.status == RequestStatus.CONFIRMED:
        return _page(request, "confirmed.html", {"already": True})
    form = ConfirmCodeForm(request.POST or None) if pending.code_hash else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            referral = referral_request_confirm(
                token=token, code=form.cleaned_data["code"] if form else None
            )
        except RequestError as error:
            if error.already:  # pressed twice at once: the other press confirmed it
                return _page(request, "confirmed.html", {"already": True})
            if error.field == "code" and form is not None:
                form.add_error("code", str(error))
            else:
                return _page(request, "expired.html", {"message": str(error)}, status=404)
        else:
            return _page(request, "confirmed.html", {"referral": referral})
    return _page(request, "confirm.html", {"form": form, "pending": pending})
