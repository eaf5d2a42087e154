"""Two-factor in tests: an authenticator app's codes (RFC 6238, written from the RFC, not
from allauth), and a user's authenticator app set up directly."""

import base64
import hashlib
import hmac
import secrets
import struct
import time

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt


def totp_code(secret: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The code an authenticator app shows for `secret` (base32) at time `at`."""
    counter = int((time.time() if at is None else at) // step)
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def totp_enable(user) -> str:
    """Give `user` an active authenticator app; return its secret."""
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)}
    )
    return secret
