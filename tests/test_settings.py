"""The two configuration modes, checked in fresh processes as a deployment would start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7!kQ2#pL9$wE4^rT6&yU8*iO0(pA3)sD5_fG7+hJ1-kL2=zX4c",
    "ALLOWED_HOSTS": "shop.example.com",
}


def _manage(*args, env_overrides: dict, drop=("DATABASE_URL", "REDIS_URL")):
    skip = {*drop, "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check", env_overrides={"DEBUG": "0", "ALLOWED_HOSTS": "a.example"})
    assert result.returncode != 0
    assert "DEBUG=0 needs SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", env_overrides={"DEBUG": "0", "SECRET_KEY": "k" * 60})
    assert result.returncode != 0
    assert "DEBUG=0 needs ALLOWED_HOSTS" in result.stderr


def test_check_deploy_is_clean_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_real_stack_settings_come_from_the_environment():
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'],"
        " s.CACHES['default']['BACKEND'], s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        env_overrides={
            "DATABASE_URL": "postgres://u@db.example:5432/shop",
            "REDIS_URL": "redis://cache.example:6379/0",
        },
        drop=(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "shop",
        "core.cache.RedisCache",
        "redis://cache.example:6379/0",
        "False",
    ]


@pytest.mark.skipif(settings.USES_POSTGRES, reason="checks the embedded SQLite default")
@pytest.mark.django_db
def test_embedded_default_uses_sqlite_in_wal_mode_with_immediate_transactions():
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.REDIS_URL)
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]
    assert connection.vendor == "sqlite"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TRUSTED_PROXIES", "10.0.0.5,proxy.internal", "TRUSTED_PROXIES: 'proxy.internal' is not"),
        ("LOGIN_FAILED_ACCOUNT_LIMIT", "1000 a day", "LOGIN_FAILED_ACCOUNT_LIMIT: write it like"),
    ],
)
def test_security_settings_refuse_values_they_cannot_use(variable, value, message):
    result = _manage("check", env_overrides={variable: value})
    assert result.returncode != 0
    assert message in result.stderr
