"""What `make bench` needs from inside a database (``manage.py bench_probe``): signed-in
sessions for each role, the pages to measure with real ids, each page's query count
(measured in-process, through every middleware), the largest year's CSV export and the
claims to race. Run once against the demo database and once against the scale one.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from expenses.models import Budget, ExpenseClaim, financial_year_of
from facilitators.models import FacilitatorProfile, FacilitatorStatus, SessionClaim, Training
from hope.models import User
from hope.signin import HAS_SECOND_FACTOR, LAST_SEEN, SIGNED_IN_AT, mfa_required
from programmes.models import Course, CourseStatus, Place, Session

ROLES = {
    "coordinator": "coordinator@example.org",
    "workforce": "workforce@example.org",
    "lived": "lived@example.org",
    "volunteer": "volunteer@example.org",
    "finance": "finance@example.org",
    "evidence": "evidence@example.org",
}
HOST = "127.0.0.1"


@dataclass
class Page:
    role: str
    name: str
    path: str
    status: int = 0
    queries: int = 0


def signed_in_session(user: User) -> str:
    """A session as allauth leaves it after a full sign-in (password and, for those who
    need it, the authenticator's code): the bench skips the sign-in form and its
    two-factor step, never the middleware each request goes through."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    now = int(time.time())
    store[SIGNED_IN_AT] = now
    store[LAST_SEEN] = now
    if mfa_required(user):
        store[HAS_SECOND_FACTOR] = True
    store.create()
    return store.session_key


def sample_pages() -> list[Page]:
    """The pages issue 17 lists, for the roles that use them, on the same kind of rows
    in either database: the published course with the most places, its first session,
    one of its people."""
    course = (
        Course.objects.filter(status=CourseStatus.PUBLISHED, venue__isnull=False)
        .annotate(n=Count("places"))
        .order_by("-n", "pk")
        .first()
    )
    session = course.sessions.order_by("number").first()
    place = Place.objects.filter(course=course).order_by("pk").first()
    year = financial_year_of(timezone.localdate())
    pages = [
        Page(role, "home", "/")
        for role in ("coordinator", "workforce", "lived", "volunteer", "finance", "evidence")
    ]
    pages += [
        Page("coordinator", "courses", "/courses/"),
        Page("workforce", "courses", "/courses/"),
        Page("coordinator", "course", f"/courses/{course.pk}/"),
        Page("coordinator", "calendar week", "/calendar/"),
        Page("coordinator", "calendar month", "/calendar/?view=month"),
        Page("coordinator", "venues", "/venues/"),
        Page("workforce", "board", "/sessions/open/"),
        Page("lived", "board", "/sessions/open/"),
        Page("workforce", "my sessions", "/sessions/mine/"),
        Page("coordinator", "session", f"/sessions/{session.pk}/"),
        Page("workforce", "session", f"/sessions/{session.pk}/"),
        Page("coordinator", "cover", "/cover/"),
        Page("coordinator", "facilitators", "/facilitators/"),
        Page("coordinator", "referrals", "/referrals/"),
        Page("coordinator", "register", f"/sessions/{session.pk}/register/"),
        Page("coordinator", "participants", f"/courses/{course.pk}/participants/"),
        Page("coordinator", "participant", f"/participants/{place.participant_id}/"),
        Page("coordinator", "outcomes report", "/reports/outcomes/"),
        Page("evidence", "outcomes report", "/reports/outcomes/"),
        Page("finance", "cost report", "/reports/costs/"),
        Page("evidence", "cost report", "/reports/costs/"),
        Page("volunteer", "expenses", "/expenses/"),
        Page("workforce", "expenses", "/expenses/"),
        Page("finance", "finance", "/finance/"),
        Page("finance", "finance chart", f"/finance/{year}/charts/categories.svg"),
        Page("coordinator", "messages", "/messages/"),
        Page("volunteer", "messages", "/messages/"),
        Page("coordinator", "people", "/people/"),
        Page("volunteer", "rides", "/rides/"),
        Page("anonymous", "find (public)", "/find/"),
    ]
    return pages


def count_queries(pages: list[Page], cookies: dict[str, str]) -> None:
    """Each page's queries on its second request (the first warms per-process caches)."""
    for page in pages:
        client = Client(HTTP_HOST=HOST)
        if page.role in cookies:
            client.cookies[settings.SESSION_COOKIE_NAME] = cookies[page.role]
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page.path)
                if response.streaming:
                    b"".join(response.streaming_content)
        page.status = response.status_code
        page.queries = len(queries)


def largest_year() -> int:
    """The financial year with the most claims."""
    budgets = sorted(Budget.objects.values_list("start_year", flat=True))
    counts = {}
    for year in budgets:
        start, end = timezone.datetime(year, 4, 1).date(), timezone.datetime(year + 1, 3, 31).date()
        counts[year] = ExpenseClaim.objects.filter(spent_on__range=(start, end)).count()
    return max(counts, key=lambda year: (counts[year], year))


def claim_plan(*, distinct: int, together: int) -> dict:
    """Free slots to race for: ``distinct`` facilitators each after a different slot, and
    ``together`` facilitators after one slot. Each is active, trained for the programme
    and free at that time, so only the race decides who gets a slot."""
    now = timezone.now()
    free_slots = []
    sessions = (
        Session.objects.filter(
            start__gt=now + timedelta(days=2),
            is_cancelled=False,
            course__status=CourseStatus.PUBLISHED,
        )
        .on_open_days()
        .select_related("course")
        .order_by("start", "pk")
    )
    for session in sessions:
        held = set(session.claims.filter(released_at__isnull=True).values_list("kind", flat=True))
        for kind in ("workforce", "lived_experience"):
            if kind not in held:
                free_slots.append((session, kind))
    profiles = list(
        FacilitatorProfile.objects.filter(
            status=FacilitatorStatus.ACTIVE, user__is_active=True, user__email__contains="scale"
        )
        .select_related("user")
        .order_by("pk")
    )

    def eligible(profile, session) -> bool:
        clash = SessionClaim.objects.filter(
            facilitator=profile,
            released_at__isnull=True,
            start__lt=session.end,
            end__gt=session.start,
        ).exists()
        trained = Training.objects.filter(
            profile=profile, programme_id=session.course.programme_id
        ).exists()
        return trained and not clash

    used: set[int] = set()
    pairs = []
    chosen_sessions: set[int] = set()
    for session, kind in free_slots:
        if len(pairs) == distinct:
            break
        if session.pk in chosen_sessions:
            continue
        for profile in profiles:
            if profile.pk in used or profile.kind != kind:
                continue
            if eligible(profile, session):
                used.add(profile.pk)
                chosen_sessions.add(session.pk)
                pairs.append((profile, session))
                break
    one = None
    racers: list[FacilitatorProfile] = []
    for session, kind in free_slots:
        if session.pk in chosen_sessions:
            continue
        racers = [
            p for p in profiles if p.kind == kind and p.pk not in used and eligible(p, session)
        ][:together]
        if len(racers) == together:
            one = session
            break
    return {
        "distinct": [
            {
                "cookie": signed_in_session(p.user),
                "path": f"/sessions/{s.pk}/claim/",
                "session": s.pk,
                "kind": p.kind,
            }
            for p, s in pairs
        ],
        "together": {
            "session": one.pk if one else None,
            "kind": racers[0].kind if racers else None,
            "path": f"/sessions/{one.pk}/claim/" if one else None,
            "cookies": [signed_in_session(p.user) for p in racers],
        },
    }


def probe(*, with_claims: bool) -> dict:
    users = {role: User.objects.get(email=email) for role, email in ROLES.items()}
    cookies = {role: signed_in_session(user) for role, user in users.items()}
    pages = sample_pages()
    count_queries(pages, cookies)
    year = largest_year()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        postgres = cursor.fetchone()[0]
    result = {
        "cookies": cookies,
        "pages": [asdict(p) for p in pages],
        "export": {"year": year, "path": f"/finance/{year}/export.csv"},
        "postgres": postgres,
        "counts": {
            "sessions": Session.objects.count(),
            "expense_claims": ExpenseClaim.objects.count(),
            "claims_in_year": ExpenseClaim.objects.filter(
                Q(spent_on__gte=timezone.datetime(year, 4, 1).date())
                & Q(spent_on__lte=timezone.datetime(year + 1, 3, 31).date())
            ).count(),
        },
    }
    if with_claims:
        result["claims"] = claim_plan(distinct=50, together=20)
    return result


def held_claims(session_id: int, kind: str) -> int:
    return SessionClaim.objects.filter(
        session_id=session_id, kind=kind, released_at__isnull=True
    ).count()


def undo_bench_claims(session_ids: list[int]) -> int:
    """Remove the claims the race made, so the next run finds the same free slots (the
    audit lines stay: the trail is append-only)."""
    since = timezone.now() - timedelta(hours=1)
    claims = SessionClaim.objects.filter(session_id__in=session_ids, claimed_at__gte=since)
    return claims.delete()[0]
