from __future__ import annotations

from django.db import models, transaction

from hope.models import AuditEvent


def audit_record(*, actor, action: str, target: models.Model, summary: str) -> AuditEvent:
    """Append one line to the audit trail; call inside the transaction that made the change."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        summary=summary,
    )


def save_with_audit(*, form, actor, noun: str) -> models.Model:
    """Save a ModelForm and record which fields changed, in one transaction."""
    creating = form.instance.pk is None
    with transaction.atomic():
        saved = form.save()
        audit_record(
            actor=actor,
            action=f"{noun}.{'created' if creating else 'changed'}",
            target=saved,
            summary=f"{'Added' if creating else 'Changed'} {saved}: "
            + (", ".join(form.changed_data) or "no changes"),
        )
    return saved
