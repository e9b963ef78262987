"""Appending to the audit trail. Call inside the transaction that made the change, so the
line and the change commit together or not at all."""

from __future__ import annotations

from django.db import models, transaction

from hope.models import AuditArea, AuditEvent
from hope.requestcontext import current_ip
from hope.roles import Role, has_role, is_coordinator

# The part of the trail a line belongs to, by the app of what it is about.
AREA_BY_APP = {
    "expenses": AuditArea.MONEY,
    "hope": AuditArea.ACCOUNTS,
    "account": AuditArea.ACCOUNTS,
    "mfa": AuditArea.ACCOUNTS,
}


def audit_record(
    *,
    actor,
    action: str,
    summary: str,
    target: models.Model | None = None,
    area: str | None = None,
) -> AuditEvent:
    """Append one line: who (``actor``), what, about which row, and from where."""
    target_type = target._meta.label_lower if target is not None else ""
    if area is None:
        area = AREA_BY_APP.get(target_type.split(".")[0], AuditArea.ROTA)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        area=area,
        target_type=target_type,
        target_id=str(target.pk) if target is not None else "",
        summary=summary,
        ip_address=current_ip(),
    )


def readable_areas(user) -> list[str]:
    """Coordinators read accounts and the rota; finance leads read money."""
    if user.is_superuser:
        return list(AuditArea.values)
    areas = []
    if is_coordinator(user):
        areas += [AuditArea.ACCOUNTS, AuditArea.ROTA]
    if has_role(user, Role.FINANCE_LEAD):
        areas.append(AuditArea.MONEY)
    return areas


def audit_viewed(request, what: str, area: str = AuditArea.ACCOUNTS) -> None:
    """A page listing people's personal details was opened: who, when, which, from where."""
    audit_record(
        actor=request.user,
        action="personal_data.viewed",
        area=area,
        summary=f"Opened {what}",
    )


def _shown(value) -> str:
    return "empty" if value in (None, "") else str(value)


def save_with_audit(*, form, actor, noun: str, show_values: bool = False) -> models.Model:
    """Save a ModelForm and record which fields changed, in one transaction.

    ``show_values`` adds "old → new" for each field: for rates and budgets, whose values
    are the point; never for forms with personal details or free text.
    """
    creating = form.instance.pk is None
    before = {}
    if show_values and not creating:
        before = {name: form.initial.get(name) for name in form.changed_data}
    with transaction.atomic():
        saved = form.save()
        if show_values and not creating:
            changes = ", ".join(
                f"{form.fields[name].label or name}: {_shown(before[name])} → "
                f"{_shown(form.cleaned_data.get(name))}"
                for name in form.changed_data
            )
        else:
            changes = ", ".join(form.changed_data)
        audit_record(
            actor=actor,
            action=f"{noun}.{'created' if creating else 'changed'}",
            target=saved,
            summary=f"{'Added' if creating else 'Changed'} {saved}: " + (changes or "no changes"),
        )
    return saved
