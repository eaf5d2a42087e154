"""The session store: Django's database sessions, read with one hand-written query.

Every signed-in request reads its session row. Django's `db.SessionStore.load()` builds
that primary-key lookup with the ORM (a queryset, a compiled WHERE, a model instance),
which costs several times the query itself (core/sql.py says why that matters). This
subclass — the extension point Django documents for database-backed sessions
(docs.djangoproject.com/en/5.2/topics/http/sessions/#extending-database-backed-session-engines)
— reads just the session data with one raw SQL query; everything else (saving, expiry,
cycling keys, deletion at sign-out) is Django's own. Sessions stay in the database only:
they never depend on Redis (settings.SESSION_ENGINE says why).
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connection
from django.utils import timezone

from core import sql


class SessionStore(DatabaseSessionStore):
    def load(self):
        model = self.model
        found = sql.one(
            f"SELECT session_data FROM {sql.table(model)}"  # noqa: S608 (see core/sql.py)
            " WHERE session_key = %s AND expire_date > %s",
            (self.session_key, _db_now(model)),
        )
        if found is not None:
            return self.decode(found[0])
        # No such session, or expired: Django's own load forgets the key (a new one is
        # made if the session is written) — one more query, once per stale cookie.
        return super().load()


def _db_now(model):
    """Now, as the expiry column stores it (naive UTC text on SQLite)."""
    return model._meta.get_field("expire_date").get_db_prep_value(timezone.now(), connection)
