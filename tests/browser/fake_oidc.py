"""A small OpenID Connect provider on loopback, standing in for an organisation's IdP.

It implements just what a relying party needs for the authorization code flow with PKCE:
discovery, an authorize endpoint that approves at once (the person is "already signed in"
at their IdP), a token endpoint that checks the client, the redirect URI and the PKCE
verifier, a userinfo endpoint and the JWKS for the RS256-signed ID token. Anything it does
not expect is refused with an error, so a relying party that cuts a corner fails the test.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


@dataclass
class Identity:
    """The person signed in at the identity provider."""

    sub: str
    email: str
    name: str
    email_verified: bool = True

    def claims(self) -> dict:
        return {
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "name": self.name,
        }


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    identity: Identity


@dataclass
class FakeOIDCProvider:
    client_id: str
    client_secret: str
    identity: Identity
    grants: dict[str, _Grant] = field(default_factory=dict)
    access_tokens: dict[str, Identity] = field(default_factory=dict)
    # What the relying party did, for the test to assert on.
    log: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._kid = secrets.token_hex(8)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # Lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeOIDCProvider:
        provider = self

        class Handler(_Handler):
            idp = provider

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def issuer(self) -> str:
        assert self._server is not None, "start() the provider first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def origin(self) -> str:
        return self.issuer

    # Protocol --------------------------------------------------------------------------

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        }

    def jwks(self) -> dict:
        key = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        key.update({"kid": self._kid, "use": "sig", "alg": "RS256"})
        return {"keys": [key]}

    def authorize(self, query: dict[str, str]) -> str:
        """Approve the request at once; return where to send the browser back to."""
        problems = []
        if query.get("response_type") != "code":
            problems.append("response_type must be code")
        if query.get("client_id") != self.client_id:
            problems.append("unknown client_id")
        if "openid" not in query.get("scope", "").split():
            problems.append("scope must include openid")
        if not query.get("redirect_uri"):
            problems.append("redirect_uri missing")
        if not query.get("state"):
            problems.append("state missing")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            problems.append("PKCE S256 challenge missing")
        if problems:
            raise ValueError("; ".join(problems))
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.grants[code] = _Grant(
                client_id=query["client_id"],
                redirect_uri=query["redirect_uri"],
                code_challenge=query["code_challenge"],
                nonce=query.get("nonce"),
                identity=self.identity,
            )
        separator = "&" if urlsplit(query["redirect_uri"]).query else "?"
        answer = urlencode({"code": code, "state": query["state"]})
        return f"{query['redirect_uri']}{separator}{answer}"

    def token(self, form: dict[str, str], authorization: str | None) -> dict:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization[6:]).decode()
            client_id, _, client_secret = decoded.partition(":")
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            raise ValueError("invalid client credentials")
        if form.get("grant_type") != "authorization_code":
            raise ValueError("grant_type must be authorization_code")
        with self._lock:
            grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        if grant is None:
            raise ValueError("unknown or reused code")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise ValueError("redirect_uri differs from the authorization request")
        verifier = form.get("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if challenge != grant.code_challenge:
            raise ValueError("PKCE verifier does not match the challenge")
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self.access_tokens[access_token] = grant.identity
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_hex(8),
            **grant.identity.claims(),
        }
        if grant.nonce:
            claims["nonce"] = grant.nonce
        id_token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self._kid})
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def userinfo(self, authorization: str | None) -> dict:
        token = (authorization or "").removeprefix("Bearer ").strip()
        identity = self.access_tokens.get(token)
        if identity is None:
            raise PermissionError("invalid access token")
        return identity.claims()


class _Handler(BaseHTTPRequestHandler):
    idp: FakeOIDCProvider

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _send_json(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _refuse(self, status: int, error: str, description: str) -> None:
        self.idp.errors.append(f"{self.command} {self.path}: {description}")
        self._send_json(status, {"error": error, "error_description": description})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        self.idp.log.append(f"GET {parts.path}")
        if parts.path == "/.well-known/openid-configuration":
            self._send_json(200, self.idp.discovery())
        elif parts.path == "/jwks":
            self._send_json(200, self.idp.jwks())
        elif parts.path == "/authorize":
            try:
                location = self.idp.authorize(query)
            except ValueError as error:
                self._refuse(400, "invalid_request", str(error))
                return
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif parts.path == "/userinfo":
            try:
                self._send_json(200, self.idp.userinfo(self.headers.get("Authorization")))
            except PermissionError as error:
                self._refuse(401, "invalid_token", str(error))
        else:
            self._refuse(404, "not_found", "no such endpoint")

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        self.idp.log.append(f"POST {parts.path}")
        length = int(self.headers.get("Content-Length") or 0)
        form = {
            key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()
        }
        if parts.path != "/token":
            self._refuse(404, "not_found", "no such endpoint")
            return
        try:
            payload = self.idp.token(form, self.headers.get("Authorization"))
        except ValueError as error:
            self._refuse(400, "invalid_grant", str(error))
            return
        self._send_json(200, payload)
