from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured


@contextmanager
def exit_on_bad_settings() -> Iterator[None]:
    """A bad or missing setting ends the process with one line, not a traceback."""
    try:
        yield
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"HOPE Coordinator cannot start: {exc}\n")
        raise SystemExit(1) from None
