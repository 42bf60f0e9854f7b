"""Who is signed in: the signed session cookie, the CSRF token, the sign-in rate limit.

The session cookie (Starlette's ``SessionMiddleware``, signed with the server's secret by
itsdangerous) holds the login, the CSRF token and the chosen language, nothing else. The
person is looked up again on every request, so a deactivated person or a revoked role
takes effect at once, not when the cookie expires.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from goaltrack.errors import DataError

if TYPE_CHECKING:
    from starlette.requests import Request

    from goaltrack.people.access import Actor

SESSION_COOKIE = "goaltrack_session"
CSRF_FIELD = "csrf"


class SignInRequired(Exception):
    """Raised by a page that needs a signed-in person; answered with a redirect to /signin
    (or 401 JSON in the API)."""


class CsrfRejected(Exception):
    """A form posted without this session's CSRF token."""


def signed_in_actor(request: Request) -> Actor | None:
    """The signed-in person, looked up afresh; ``None`` if nobody is signed in or the person
    has been deactivated since (the session is then cleared)."""
    from goaltrack.people.accounts import actor_for_login

    login = request.session.get("login")
    if not login:
        return None
    engine = request.app.state.goaltrack.engine
    with engine.connect() as conn:
        try:
            return actor_for_login(conn, str(login))
        except DataError:
            request.session.clear()
            return None


def require_actor(request: Request) -> Actor:
    actor = signed_in_actor(request)
    if actor is None:
        raise SignInRequired()
    return actor


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use; every form carries it in a hidden field."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return str(token)


def check_csrf(request: Request, sent: str | None) -> None:
    expected = request.session.get(CSRF_FIELD)
    if not expected or not sent or not hmac.compare_digest(str(expected), str(sent)):
        raise CsrfRejected()


def sign_in(request: Request, actor: Actor) -> None:
    """Start a new session for ``actor``: the old one's contents (and CSRF token) are dropped,
    so a session fixed before sign-in is worth nothing after it."""
    lang = request.session.get("lang")
    request.session.clear()
    request.session["login"] = actor.login
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)
    if lang:
        request.session["lang"] = lang


def sign_out(request: Request) -> None:
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


@dataclass
class SignInLimiter:
    """At most ``attempts`` failed sign-ins per ``window`` seconds, counted per client address
    and per login (so neither guessing one person's password from many addresses nor many
    logins from one address gets far). Kept in memory: each worker process counts on its
    own, which bounds a guesser at ``attempts × workers`` per window (docs/web.md)."""

    attempts: int = 5
    window: float = 300.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def retry_after(self, *keys: str) -> int:
        """Seconds until another attempt is allowed for these keys; 0 when it is allowed now."""
        now = time.monotonic()
        with self._lock:
            waits = [self.window - (now - q[0]) for k in keys if len(q := self._recent(k, now)) >= self.attempts]
        return max(1, round(max(waits))) if waits else 0

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)
            if len(self._failures) > 10_000:  # bounded memory under a flood of made-up logins
                for k in [k for k, q in self._failures.items() if not q]:
                    del self._failures[k]

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)


def client_address(request: Request) -> str:
    client: Any = request.client
    return str(client.host) if client is not None else "unknown"
