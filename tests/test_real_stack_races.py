"""Races on unique constraints over HTTP: eight requests at once, from threads released
together, against the live server (a thread of this process, on the test database).

Each race must give every request the normal outcome — the one it gets when it comes
second rather than at the same instant — never a 5xx, with exactly one row written and
counters exact. Each round races on fresh rows, so every round is a real race.
"""

from functools import partial

import pytest
from django.core import mail

from creators.models import User
from tests.races import Browser, race_outcomes

pytestmark = [pytest.mark.real_stack, pytest.mark.django_db(transaction=True)]

RACERS = 8
ROUNDS = 3


def _burst(browsers, path: str, data: dict | None = None, **kwargs) -> list:
    """Every browser posts `data` to `path` at the same instant; none may get a 5xx (or
    no answer). Returns the responses, in the order of `browsers`."""
    responses = race_outcomes([partial(b.post, path, data, **kwargs) for b in browsers])
    failed = [r for r in responses if not hasattr(r, "status_code") or r.status_code >= 500]
    assert failed == [], [getattr(r, "text", repr(r))[:3000] for r in failed]
    return responses


def _statuses(responses) -> list[int]:
    return [r.status_code for r in responses]


def test_concurrent_sign_ups_with_one_email_make_one_account(live_server, settings):
    # allauth allows 20 sign-ups a minute per IP; every racer here comes from 127.0.0.1.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1000/m/ip"}
    for round_ in range(ROUNDS):
        email = f"racer{round_}@example.com"
        form = {"email": email, "password1": "a-Long-pass-7", "password2": "a-Long-pass-7"}
        visitors = [Browser(live_server.url) for _ in range(RACERS)]
        responses = _burst(visitors, "/accounts/signup/", form)
        # Every racer, winner or not, is told to check their email (enumeration prevention).
        assert _statuses(responses) == [302] * RACERS
        assert {r.headers["Location"] for r in responses} == {"/accounts/confirm-email/"}
        assert User.objects.filter(email__iexact=email).count() == 1
        # allauth mails an address at most once in 3 minutes: the confirmation, or — if a
        # loser got there first — "account already exists" (as for a sign-up one second
        # later). Either way the owner hears once, and nobody else.
        assert [m.to for m in mail.outbox if email in m.to] == [[email]]
    assert User.objects.count() == ROUNDS
    assert len(mail.outbox) == ROUNDS
