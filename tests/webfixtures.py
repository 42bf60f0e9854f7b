"""The web application under test: a real database (SQLite file or PostgreSQL), the real
FastAPI application, and clients signed in as the people of :mod:`reviewfixtures`.

``web_db(url, tmp_path)`` loads holmstad-2023 (``review: required``) with the people of
:data:`reviewfixtures.PEOPLE` (and ``admin``), each with the password :data:`PASSWORD`.
``client(url)`` is a Starlette ``TestClient`` on the application (requests run through
the whole ASGI stack, middleware included, with no server); ``signed_in(url, login)`` is
one that has signed in through the sign-in form, as a browser would.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from reviewfixtures import PEOPLE, SLUG, admin_actor, review_db
from sqlalchemy.engine import Engine

from goaltrack.people import accounts

PASSWORD = "test-password-1"
SECRET = "test-secret-" + "x" * 40
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def web_db(url: str, where: Path, *, review: str | None = "required", self_approval: bool | None = None) -> Engine:
    engine = review_db(url, where, review=review, self_approval=self_approval)
    admin = admin_actor(engine)
    for login in ["admin", *PEOPLE]:
        accounts.set_password(engine, login, PASSWORD, actor=admin)
    return engine


def app_for(url: str, **settings: Any) -> Any:
    from goaltrack.context import AppContext
    from goaltrack.web.app import create_app

    return create_app(AppContext(db=url), secret=SECRET, **settings)


def client(url: str, *, base_url: str = "http://testserver", **settings: Any) -> Any:
    from fastapi.testclient import TestClient

    return TestClient(app_for(url, **settings), base_url=base_url)


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "no CSRF field on the page"
    return m[1]


def sign_in(c: Any, login: str, password: str = PASSWORD) -> Any:
    page = c.get("/signin")
    r = c.post("/signin", data={"login": login, "password": password, "csrf": csrf_of(page.text), "next": "/"},
               follow_redirects=False)
    assert r.status_code == 303, (login, r.status_code, r.text[:500])
    return c


def signed_in(url: str, login: str, **settings: Any) -> Any:
    return sign_in(client(url, **settings), login)


def post_form(c: Any, page_path: str, action: str, data: dict[str, Any], **kw: Any) -> Any:
    """Open ``page_path`` (to get its CSRF token, as a browser has it) and post ``data`` to
    ``action``."""
    page = c.get(page_path)
    assert page.status_code == 200, (page_path, page.status_code)
    return c.post(action, data={**data, "csrf": csrf_of(page.text)}, **kw)


__all__ = ["PASSWORD", "SLUG", "app_for", "client", "csrf_of", "post_form", "sign_in", "signed_in", "web_db"]
