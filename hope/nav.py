"""The main menu on every signed-in page, written here once: as template tags it reversed
two dozen routes on every request (about 1.5 ms of each page on a 2-core machine), and its
links change only with the person's roles."""

from __future__ import annotations

from functools import lru_cache

from django.middleware.csrf import get_token
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from hope.links import csrf_input


@lru_cache(maxsize=128)
def _reversed(prefix: str, name: str) -> str:
    # Keyed by the script prefix reverse() puts in front, so a site served under a path
    # (SCRIPT_NAME) never gets another's links.
    return reverse(name)


def route(name: str) -> str:
    """The URL of a route that takes no arguments, reversed once a process."""
    return _reversed(get_script_prefix(), name)


_BAR_ITEM = '<li class="nav-item"><a class="nav-link" href="{}"{}>{}</a></li>'
_MORE_ITEM = '<li><a class="dropdown-item" href="{}"{}>{}</a></li>'
_CURRENT = SafeString(' aria-current="page"')


def _items(links: list[tuple[str, str]], path: str, row: str) -> SafeString:
    """Each link, marked as the current page where it is the one being shown."""
    urls = [(route(name), label) for label, name in links]
    return format_html_join(
        "\n", row, ((url, _CURRENT if url == path else "", label) for url, label in urls)
    )


def _bar_links(flags: dict, user) -> list[tuple[str, str]]:
    """The bar's links for these role flags (hope.context_processors.roles), in order."""
    links = [("Home", "home")]
    if flags.get("works_here"):
        links += [
            ("Courses", "programmes:course_list"),
            ("Calendar", "programmes:calendar"),
            ("Venues", "venues:venue_list"),
        ]
    if flags.get("is_facilitator"):
        links += [("Open sessions", "facilitators:board"), ("My sessions", "facilitators:mine")]
    if flags.get("is_volunteer") and user.is_driver:
        links += [("Rides", "programmes:ride_board"), ("My rides", "programmes:rides_mine")]
    if flags.get("is_volunteer") or flags.get("is_facilitator"):
        links.append(("Expenses", "expenses:claim_list"))
    if flags.get("is_finance_lead"):
        links.append(("Finance", "expenses:dashboard"))
    if flags.get("is_coordinator"):
        links += [
            ("Referrals", "programmes:referral_list"),
            ("Cover", "facilitators:cover_gaps"),
            ("Facilitators", "facilitators:facilitator_list"),
        ]
    # An evidence viewer's only pages; coordinators and finance leads find them under More.
    if (
        flags.get("can_see_reports")
        and not flags.get("is_coordinator")
        and not flags.get("is_finance_lead")
    ):
        links += [
            ("Outcomes report", "programmes:outcomes_report"),
            ("Cost report", "expenses:costs_report"),
        ]
    return links


def _more_links(flags: dict) -> list[tuple[str, str]]:
    """Pages used weekly rather than daily, kept out of the bar so it fits on one line."""
    if not (flags.get("is_coordinator") or flags.get("is_finance_lead")):
        return []
    links = []
    if flags.get("is_coordinator"):
        links += [
            ("Programmes", "programmes:programme_list"),
            ("Rides wanted", "programmes:rides_unmet"),
            ("Closures", "programmes:closure_list"),
            ("Messages", "message_log"),
            ("Settings", "team_settings"),
        ]
    return links + [
        ("Outcomes report", "programmes:outcomes_report"),
        ("Cost report", "expenses:costs_report"),
        ("People", "people"),
        ("Audit", "audit_trail"),
    ]


def main_menu(context) -> SafeString:
    """The signed-in person's menu: the bar, More, Account and Sign out."""
    request, user = context["request"], context["user"]
    flags = context  # the role flags, read with .get as from a dict (no copy of the page's context)
    path = request.path
    bar = _items(_bar_links(flags, user), path, _BAR_ITEM)
    more = _more_links(flags)
    if more:
        bar = format_html(
            '{}\n<li class="nav-item dropdown">'
            '\n<button class="nav-link dropdown-toggle" type="button" id="more-menu"'
            ' data-bs-toggle="dropdown" aria-expanded="false">More</button>'
            '\n<ul class="dropdown-menu" aria-labelledby="more-menu">\n{}\n</ul>\n</li>',
            bar,
            _items(more, path, _MORE_ITEM),
        )
    if user.is_staff:
        bar = format_html(
            '{}\n<li class="nav-item"><a class="nav-link" href="{}">Admin</a></li>',
            bar,
            route("admin:index"),
        )
    return format_html(
        '<ul class="navbar-nav me-auto">\n{}\n</ul>\n'
        '<ul class="navbar-nav">\n'
        '<li class="nav-item"><a class="nav-link" href="{}">Account'
        ' <span class="visually-hidden">({})</span></a></li>\n'
        '<li class="nav-item">\n<form method="post" action="{}" class="d-inline">'
        "\n{}"
        '\n<button type="submit" class="btn btn-link nav-link">Sign out</button>\n</form>'
        "\n</li>\n"
        "</ul>",
        bar,
        route("mfa_index"),
        user.email,
        route("account_logout"),
        csrf_input(get_token(request)),
    )
