"""What the kernel announces about people, for the apps to add their own rules.

Sent by hope/services.py inside the change's transaction. A receiver of
``roles_changing`` refuses a change by raising ``hope.services.PersonError``.
"""

from django.dispatch import Signal

#: ``person`` is about to gain the roles ``added`` and lose ``removed``;
#: ``facilitator_kind`` is the kind chosen for a new facilitator ("" if none).
roles_changing = Signal()

#: ``person`` gained ``added`` and lost ``removed`` (saved); ``facilitator_kind`` as above.
roles_changed = Signal()

#: Asked before ``person`` is deactivated: each receiver returns a phrase about what
#: they still hold ("holds 3 upcoming sessions"), or None.
person_commitments = Signal()
