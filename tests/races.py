"""Start writers at the same instant, each on its own database connection — as service
calls (`race`, `race_outcomes`) or as browsers posting to the live server (`Browser`) —
and, where SQLite serialises writers, lose a race on purpose (`reads_miss`)."""

import threading
from contextlib import contextmanager
from unittest import mock

import requests
from django.conf import settings
from django.db import connection
from django.db.models.query import QuerySet
from django.test import Client
from django.utils.crypto import get_random_string


def race_outcomes(actions) -> list:
    """Run every callable in its own thread, released together by a barrier; return what
    each returned, or the exception it raised, in the order of `actions`."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def attempt(index, action):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = action()
        except Exception as exc:  # noqa: BLE001 - collected for the caller's assertion
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=item) for item in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def race(actions) -> list[Exception]:
    """Like `race_outcomes`, but return only what they raised (a race must fail no
    writer, so tests usually expect [])."""
    return [outcome for outcome in race_outcomes(actions) if isinstance(outcome, Exception)]


class Browser:
    """One browser on the live server: its own cookies, signed in as `user` (a session
    made the way the test client's force_login makes one) or a visitor, with a CSRF
    cookie so it can post without loading the form first. Redirects are not followed:
    tests assert on the answer itself."""

    def __init__(self, base_url: str, user=None, *, session_key: str = ""):
        self.base_url = base_url
        self.session = requests.Session()
        self.csrf = get_random_string(32)
        self.session.cookies.set(settings.CSRF_COOKIE_NAME, self.csrf)
        if user is not None and not session_key:
            client = Client()
            client.force_login(user)
            session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
        if session_key:
            self.session.cookies.set(settings.SESSION_COOKIE_NAME, session_key)

    def twin(self) -> "Browser":
        """Another tab of the same browser: the same session, its own connection."""
        return Browser(
            self.base_url, session_key=self.session.cookies.get(settings.SESSION_COOKIE_NAME, "")
        )

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base_url + path, allow_redirects=False, timeout=60, **kwargs)

    def post(self, path: str, data: dict | None = None, *, htmx: bool = False, **kwargs):
        headers = {"HX-Request": "true"} if htmx else {}
        data = {**(data or {}), "csrfmiddlewaretoken": self.csrf}
        return self.session.post(
            self.base_url + path,
            data=data,
            headers=headers,
            allow_redirects=False,
            timeout=60,
            **kwargs,
        )


_MISSED = {"first": None, "exists": False, "delete": (0, {})}


@contextmanager
def reads_miss(model, method: str = "first", *, times: int = 1):
    """Lose a race deterministically: the row is there (another request committed it) but
    this request's first `times` reads of `model` through `QuerySet.<method>` (first,
    exists, get, delete) ran just before that commit and missed it — so the write that
    follows meets the unique constraint, as the loser of a real race does."""
    real = getattr(QuerySet, method)
    left = times

    def stale(queryset, *args, **kwargs):
        nonlocal left
        if queryset.model is model and left:
            left -= 1
            if method == "get":
                raise model.DoesNotExist
            return _MISSED[method]
        return real(queryset, *args, **kwargs)

    with mock.patch.object(QuerySet, method, stale):
        yield
    assert not left, f"{model.__name__}.{method} was read fewer than {times} times"
