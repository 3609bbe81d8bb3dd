"""What a token looks like, and how it is recognised: no database here."""

import hashlib
import secrets

# Recognisable in a leaked file or a secret scanner's rules: "cmns_pat_" then 43
# URL-safe characters (32 random bytes).
TOKEN_PREFIX = "cmns_pat_"
HINT_LENGTH = len(TOKEN_PREFIX) + 4
TOKEN_MAX_LENGTH = 200


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest_of(token: str) -> str:
    """The SHA-256 of a token, as stored. A long random secret needs no slow hash or
    salt: nobody can guess their way back from the digest."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def hint_of(token: str) -> str:
    return token[:HINT_LENGTH]


def looks_like_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX) and len(token) <= TOKEN_MAX_LENGTH
