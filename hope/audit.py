from __future__ import annotations

from django.db import models

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
