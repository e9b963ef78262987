"""What programmes announces, so the apps that staff sessions (and pay for them) can react
without programmes knowing they exist.

The change signals are sent by ``programmes/services.py`` inside the change's transaction,
after its rows are written, so whatever a receiver writes (claims released, outbox
messages stored) commits or rolls back with the change. Receivers write rows; they never
send mail themselves.
"""

from django.dispatch import Signal

#: ``sessions`` (a list of Session, already saved with their new time, venue and
#: revision) were moved or changed venue; ``by`` is who did it.
sessions_moved = Signal()

#: ``sessions`` (a list of Session, already saved as cancelled) were cancelled; ``by``.
sessions_cancelled = Signal()

#: ``course`` went back to Draft; ``sessions`` are its future sessions, no longer
#: promised to anyone; ``by``.
course_unpublished = Signal()

#: A page is about to show ``sessions`` (a list). Receivers may set attributes on them for
#: the page, in a fixed number of queries whatever the number of sessions.
sessions_listed = Signal()

#: A page is about to show ``courses`` (a list, with ``CourseQuerySet.with_dates()``).
#: Receivers may set attributes on them, in a fixed number of queries. A page showing one
#: course with all its sessions, already sent as ``sessions_listed``, passes them as
#: ``sessions`` so receivers can answer from them.
courses_listed = Signal()

#: Who runs which sessions: receivers return a queryset of Session pks that ``user``
#: staffs (facilitators: the slots they hold), or None. Used to show a facilitator their
#: sessions' participants and registers.
sessions_staffed_by = Signal()

#: Who would hear if ``sessions`` (a list) were cancelled: receivers return the names of
#: the people holding them (facilitators), or None. Read only, in a fixed number of
#: queries: for the page that asks before cancelling.
sessions_held_by = Signal()
