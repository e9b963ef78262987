from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from hope.access import can_see_costs, coordinator_required, role_required
from hope.audit import save_with_audit
from hope.compiled import Compiled
from venues.forms import VenueForm
from venues.models import Venue
from venues.venue_rows import venue_rows


def _venues_with_upcoming(now, *, show_inactive: bool):
    venues = Venue.objects.annotate(
        upcoming_sessions=Count(
            "sessions", filter=Q(sessions__start__gt=now, sessions__is_cancelled=False)
        )
    ).order_by("name", "pk")  # GROUP BY queries ignore Meta.ordering
    return venues if show_inactive else venues.filter(is_active=True)


# Compiled once a process (hope/compiled.py): building the count cost Django more than
# PostgreSQL took to run it.
_VENUES = {
    show_inactive: Compiled(
        lambda now, show_inactive=show_inactive: _venues_with_upcoming(
            now, show_inactive=show_inactive
        ),
        now=datetime,
    )
    for show_inactive in (True, False)
}


@login_required
@role_required
def venue_list(request: HttpRequest) -> HttpResponse:
    show_inactive = request.GET.get("all") == "1"
    venues = _VENUES[show_inactive].instances(now=timezone.now())
    rows = venue_rows(venues, with_costs=can_see_costs(request.user))
    return render(request, "venues/venue_list.html", {"rows": rows, "show_inactive": show_inactive})


@login_required
@role_required
def venue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    venue = get_object_or_404(Venue, pk=pk)
    # The price history is money: only for those who see costs (one query, a few rows).
    prices = venue.prices.all() if can_see_costs(request.user) else []
    return render(request, "venues/venue_detail.html", {"venue": venue, "prices": prices})


@login_required
@coordinator_required
def venue_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    venue = get_object_or_404(Venue, pk=pk) if pk else None
    form = VenueForm(request.POST or None, instance=venue)
    if request.method == "POST" and form.is_valid():
        saved = save_with_audit(form=form, actor=request.user, noun="venue")
        messages.success(request, f"{saved.name} is saved.")
        return redirect("venues:venue_detail", pk=saved.pk)
    return render(request, "venues/venue_form.html", {"form": form, "venue": venue})
