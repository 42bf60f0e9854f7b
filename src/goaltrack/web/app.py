"""The FastAPI application: middleware, error pages, the built-in routes and the plugins'.

:func:`create_app` builds it from an :class:`~goaltrack.context.AppContext` (settings,
database, plugins), so the web application and the command line share one way of opening
everything. :func:`app_from_environment` is the factory ``uvicorn --factory`` and the
worker processes of ``goaltrack serve --workers N`` call: it reads the same settings from
``GOALTRACK_DB``, ``GOALTRACK_CONFIG`` and ``GOALTRACK_WEB_SECRET``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from goaltrack import __version__
from goaltrack.errors import DataError, GoaltrackError
from goaltrack.people.access import PermissionDenied
from goaltrack.web.cache import ReportCache
from goaltrack.web.pages import Pages, url
from goaltrack.web.session import SESSION_COOKIE, CsrfRejected, SignInLimiter, SignInRequired, signed_in_actor

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from goaltrack.context import AppContext

STATIC_DIR = Path(__file__).resolve().parent.parent / "templates" / "web" / "static"
API_PREFIX = "/api/v1"


@dataclass
class WebState:
    """What every request needs, made once per process: ``request.app.state.goaltrack``."""

    ctx: AppContext
    pages: Pages
    limiter: SignInLimiter = field(default_factory=SignInLimiter)
    cache: ReportCache = field(default_factory=ReportCache)

    @property
    def engine(self) -> Engine:
        return self.ctx.engine()

    def setting(self, section: str, key: str) -> Any:
        return self.ctx.setting(section, key)


def create_app(ctx: AppContext, *, secret: str, https: bool = False) -> FastAPI:
    """The application for ``ctx``'s database. ``secret`` signs the session cookies (every
    worker must share it); ``https`` marks them Secure even when the request arrived over
    plain HTTP (TLS ended at a proxy that does not send ``X-Forwarded-Proto``)."""
    from goaltrack.web import api, routes_admin, routes_home, routes_plan, routes_review, routes_work

    ctx.engine()  # open (and check) the database now: a wrong --db fails at start, not per request
    app = FastAPI(
        title="goaltrack",
        version=__version__,
        description="The JSON API of goaltrack: plans, reports, values, statuses and review. "
                    "Authenticate with an API token (`goaltrack user token LOGIN`) in "
                    "`Authorization: Bearer TOKEN`.",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    app.state.goaltrack = WebState(ctx=ctx, pages=Pages(ctx),
                                   limiter=SignInLimiter(attempts=int(ctx.setting("web", "signin_attempts"))))
    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE, same_site="lax",
                       https_only=https, max_age=int(ctx.setting("web", "session_hours")) * 3600)
    app.add_middleware(SecurityHeaders)  # outermost: it also marks the session cookie Secure over HTTPS
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (routes_home, routes_plan, routes_work, routes_review, routes_admin, api):
        app.include_router(module.router)
    _plugin_routes(app, ctx)
    api.api_only_schema(app)
    _error_handlers(app)
    return app


def _plugin_routes(app: FastAPI, ctx: AppContext) -> None:
    """Each plugin's routers, after the built-in ones (so a plugin adds pages but cannot
    replace one); a plugin that fails is named and skipped like any other hook."""
    routers: list[Any] = []
    ctx.plugins.hook.register_web_routes(register=routers.append)
    for router in routers:
        app.include_router(router)


def app_from_environment() -> FastAPI:
    """The application of ``goaltrack serve``'s worker processes (``uvicorn --factory``)."""
    from goaltrack.context import AppContext

    config = os.environ.get("GOALTRACK_CONFIG")
    dirs = os.environ.get("GOALTRACK_WEB_PLUGIN_DIRS")
    ctx = AppContext(db=os.environ.get("GOALTRACK_DB"), config_file=Path(config) if config else None,
                     plugins_dirs=tuple(Path(d) for d in dirs.split(os.pathsep)) if dirs else ())
    secret = os.environ.get("GOALTRACK_WEB_SECRET") or ""
    if not secret:
        raise RuntimeError("GOALTRACK_WEB_SECRET is not set (goaltrack serve sets it for its workers)")
    return create_app(ctx, secret=secret, https=os.environ.get("GOALTRACK_WEB_HTTPS") == "1")


class SecurityHeaders:
    """Headers for every response, and ``Secure`` on the session cookie whenever the request
    came over HTTPS (directly, or through a proxy whose ``X-Forwarded-Proto`` uvicorn trusts).

    The content security policy allows no script but the site's own files and no framing:
    even a plan title that escaped escaping could not run."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"content-security-policy",
         b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
         b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        docs = scope.get("path", "").startswith(f"{API_PREFIX}/docs")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                # The OpenAPI page loads Swagger UI from a CDN: it gets the framework's defaults.
                headers += [(k, v) for k, v in self.HEADERS if k not in present and not docs]
                if https:
                    headers = [_secure(k, v) for k, v in headers]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure(key: bytes, value: bytes) -> tuple[bytes, bytes]:
    if key.lower() == b"set-cookie" and value.startswith(SESSION_COOKIE.encode() + b"=") \
            and b"; secure" not in value.lower():
        return key, value + b"; secure"
    return key, value


# --------------------------------------------------------------------------- errors

#: Stable codes of the API's errors (docs/web.md): clients branch on these, not on messages.
ERROR_CODES = {
    400: "bad_request", 401: "not_signed_in", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_type", 422: "invalid", 429: "too_many_attempts",
}


def error_response(request: Request, status: int, message: str, *, code: str | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    """The error as JSON (``{"error": {"code", "message"}}``) under ``/api``, else as a page."""
    code = code or ERROR_CODES.get(status, "error")
    if request.url.path.startswith(API_PREFIX):
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)
    state: WebState = request.app.state.goaltrack
    actor = signed_in_actor(request) if status != 401 else None
    response = state.pages.render(request, "web/error.html", actor=actor, status=status, message=message,
                                  code=code)
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        if request.url.path.startswith(API_PREFIX):
            return error_response(request, 401, "sign in first: send an API token as `Authorization: Bearer TOKEN`",
                                  headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(url(request, "signin_form", query={"next": target}), status_code=303)

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, exc: CsrfRejected) -> Response:
        return error_response(request, 403, "the form has expired or did not come from this site; "
                                            "go back, reload the page and send it again", code="csrf")

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied) -> Response:
        return error_response(request, 403, exc.message, code="permission_denied")

    @app.exception_handler(GoaltrackError)
    async def _data(request: Request, exc: GoaltrackError) -> Response:
        status = 422 if isinstance(exc, DataError) else 400
        return error_response(request, status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail), code=getattr(exc, "code", None),
                              headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
        return error_response(request, 422, f"{where}: {first.get('msg', 'invalid')}" if where else "invalid request")
