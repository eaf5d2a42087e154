"""Settings for a site a test serves from another process (gunicorn): the project's own,
with the test suite's fast password hasher, so that users made by the factories sign in
and a sign-in costs what the code under test costs, not 1,000,000 PBKDF2 iterations."""

from relcommerce.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
