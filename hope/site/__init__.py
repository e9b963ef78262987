"""The site layer: what puts the apps together into one site.

The home page (a summary from every app), ``seed_demo`` and the URL wiring live here;
the beat schedule is in hope/celery.py. This is the only code that may import every app.
The rest of ``hope/`` is the kernel (people and roles, audit, the outbox and its
channels, the after-commit queue, model bases), which imports no app.
"""
