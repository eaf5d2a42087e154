"""Fixtures shared by every test folder.

Tests run on the embedded default (SQLite, tasks in-process). With DATABASE_URL and
REDIS_URL set they run on PostgreSQL and Redis, and tests marked `real_stack` run too.
"""

import os

# Playwright's sync API (tests/e2e) runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402

from tests.factories import PASSWORD, CreatorProfileFactory, ShopFactory, UserFactory  # noqa: E402

REAL_STACK = settings.USES_POSTGRES and bool(settings.REDIS_URL)


def pytest_collection_modifyitems(config, items):
    if REAL_STACK:
        once = pytest.mark.skip(reason="runs in the embedded pass (without REDIS_URL) only")
        for item in items:
            if "embedded" in item.keywords:
                item.add_marker(once)
        return
    skip = pytest.mark.skip(
        reason="needs the real stack: set DATABASE_URL (PostgreSQL) and REDIS_URL "
        "(.ci/run does this against 127.0.0.1)"
    )
    for item in items:
        if "real_stack" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _media_and_email(settings, tmp_path):
    """Every test writes uploads to its own folder and sends mail to the locmem outbox."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Hashing cost is for production; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _page_cache(request, settings):
    """The shared page cache is invalidated when a write commits, and most tests roll back
    instead: they run with it off. Browser journeys and `page_cache` tests commit for real
    and keep it on."""
    if not ({"e2e", "page_cache"} & set(request.keywords)):
        settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Run tasks in-process unless a test asks for the real broker (`real_stack`)."""
    from relcommerce.celery import app

    if "real_stack" in request.keywords:
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def broker_at(monkeypatch):
    """Point the Celery app at another broker URL for one test (real-stack tests)."""
    from relcommerce.celery import app as celery_app

    def point(url):
        monkeypatch.setattr(celery_app.conf, "broker_url", url)
        celery_app.close()  # drop pooled connections made for the previous URL

    yield point
    monkeypatch.undo()
    celery_app.close()


@pytest.fixture(autouse=True)
def _clear_cache():
    """allauth's rate limits live in the cache; each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's superuser (and so `admin_client`), with the authenticator app that
    staff need before admin opens (relcommerce/admin_site.py)."""
    from tests.two_factor import totp_enable

    totp_enable(admin_user)
    return admin_user


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def fan(db):
    return UserFactory(email="fan@example.com")


@pytest.fixture
def creator(db):
    """A creator with a shop: `creator.user` signs in, `creator.shop` sells."""
    return ShopFactory(creator=CreatorProfileFactory(handle="ana_makes")).creator


@pytest.fixture
def fan_client(client, fan):
    client.force_login(fan)
    return client


@pytest.fixture
def creator_client(client, creator):
    client.force_login(creator.user)
    return client
