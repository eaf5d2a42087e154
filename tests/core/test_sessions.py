"""The session store (core/sessions.py): Django's database sessions, read by hand."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_site_keeps_sessions_in_the_database_through_this_store():
    assert settings.SESSION_ENGINE == "core.sessions"


def test_a_session_reads_back_in_one_query(django_assert_num_queries):
    session = SessionStore()
    session["cart_id"] = 7
    session.create()
    with django_assert_num_queries(1):
        again = SessionStore(session.session_key)
        assert again["cart_id"] == 7
    assert again.session_key == session.session_key


def test_an_expired_session_is_empty_and_its_key_forgotten():
    session = SessionStore()
    session["cart_id"] = 7
    session.create()
    Session.objects.filter(pk=session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    again = SessionStore(session.session_key)
    assert again.load() == {}
    assert again.session_key is None  # written again, it gets a new key


def test_an_unknown_key_is_empty_and_forgotten():
    session = SessionStore("x" * 32)
    assert "cart_id" not in session
    assert session.session_key is None


def test_a_fan_stays_signed_in_across_pages_and_signing_out_ends_it(fan_client, fan):
    assert fan_client.get(reverse("shops:order_list")).status_code == 200
    key = fan_client.session.session_key
    fan_client.post(reverse("account_logout"))
    assert not Session.objects.filter(pk=key).exists()
    # The old cookie names no session any more: the order list asks to sign in.
    fan_client.cookies[settings.SESSION_COOKIE_NAME] = key
    response = fan_client.get(reverse("shops:order_list"))
    assert response.status_code == 302 and "login" in response["Location"]
