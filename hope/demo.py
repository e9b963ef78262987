"""The demo people shared by `seed_demo`, `make run`'s banner and the README."""

from __future__ import annotations

from dataclasses import dataclass

from hope.roles import FacilitatorKind, Role

DEMO_PASSWORD = "hope-demo-2026"
# The authenticator-app secret of the demo coordinator, finance lead, evidence viewer and
# admin, who must sign in with two factors like their real counterparts. Published, so demo only:
# seed_demo refuses to run unless DEBUG=true.
DEMO_TOTP_SECRET = "HOPEDEMOSECRETFORTRYINGTHEAPPOUT"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    roles: tuple[str, ...]
    kind: str = ""
    is_driver: bool = False
    is_staff: bool = False
    shown: bool = True  # listed in make run's banner and the README


DEMO_PEOPLE = [
    DemoPerson("coordinator@example.org", "Chloe Okafor", (Role.COORDINATOR,)),
    DemoPerson(
        "workforce@example.org",
        "Wendy Harris",
        (Role.FACILITATOR,),
        kind=FacilitatorKind.WORKFORCE,
    ),
    DemoPerson(
        "lived@example.org",
        "Leon Marsh",
        (Role.FACILITATOR,),
        kind=FacilitatorKind.LIVED_EXPERIENCE,
    ),
    DemoPerson("volunteer@example.org", "Val Singh", (Role.VOLUNTEER,), is_driver=True),
    DemoPerson("finance@example.org", "Fatima Rahman", (Role.FINANCE_LEAD,)),
    # A commissioner from the integrated care board: the anonymous reports, nothing else.
    DemoPerson("evidence@example.org", "Eve Adebayo", (Role.EVIDENCE_VIEWER,)),
    DemoPerson(
        "admin@example.org",
        "Ada Admin",
        (Role.COORDINATOR,),
        is_staff=True,
    ),
    # More people so lists look like a real team.
    DemoPerson(
        "nurse.practitioner@example.org",
        "Priya Natarajan",
        (Role.FACILITATOR,),
        kind=FacilitatorKind.WORKFORCE,
        shown=False,
    ),
    DemoPerson(
        "physio@example.org",
        "Tom Bailey",
        (Role.FACILITATOR,),
        kind=FacilitatorKind.WORKFORCE,
        shown=False,
    ),
    DemoPerson(
        "peer.lead@example.org",
        "Grace Adeyemi",
        (Role.FACILITATOR, Role.VOLUNTEER),
        kind=FacilitatorKind.LIVED_EXPERIENCE,
        shown=False,
    ),
    DemoPerson(
        "carer@example.org",
        "Sam Whitfield",
        (Role.FACILITATOR,),
        kind=FacilitatorKind.LIVED_EXPERIENCE,
        shown=False,
    ),
    DemoPerson("driver2@example.org", "Derek Lowe", (Role.VOLUNTEER,), is_driver=True, shown=False),
    DemoPerson("helper@example.org", "Hannah Cole", (Role.VOLUNTEER,), shown=False),
]


def second_factor_lines() -> list[str]:
    return [
        "Coordinator, finance lead, evidence viewer and admin also sign in with a code. Add",
        f"this secret to an authenticator app: {DEMO_TOTP_SECRET}",
        "or get the current code with: make code",
    ]


def banner_lines() -> list[str]:
    lines = []
    for person in DEMO_PEOPLE:
        if person.shown:
            what = ", ".join(str(Role(r).label) for r in person.roles)
            if person.kind:
                what += f" ({FacilitatorKind(person.kind).label.lower()})"
            if person.is_driver:
                what += ", drives"
            if person.is_staff:
                what += ", Django admin"
            lines.append(f"  {person.email:<28} {what}")
    return lines
