"""Rendering the web pages: the reports' jinja2 environment, with the web templates.

One environment per language, made by :func:`goaltrack.render.environment.make_environment`
(the same filters, charts, escaping, Babel catalogs and plugin hook as the HTML reports)
and kept for the life of the process. Web templates live in ``templates/web/`` beside the
report templates, so a user's ``[reports] templates_dir`` overrides them the same way.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from goaltrack.vocab import LANGUAGES

if TYPE_CHECKING:
    import jinja2
    from starlette.requests import Request
    from starlette.responses import HTMLResponse

    from goaltrack.context import AppContext
    from goaltrack.people.access import Actor


def choose_lang(request: Request, default: str) -> str:
    """The session's choice, else the best of ``Accept-Language``, else ``default``."""
    chosen = request.session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    weighted: list[tuple[float, int, str]] = []
    for i, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGUAGES and q > 0:
            weighted.append((-q, i, base))
    return sorted(weighted)[0][2] if weighted else default


class Pages:
    """The templates of one application, one environment per language."""

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx
        self._envs: dict[str, jinja2.Environment] = {}
        self._lock = threading.Lock()

    def default_lang(self) -> str:
        lang = str(self._ctx.setting("reports", "lang") or "")
        return lang if lang in LANGUAGES else "en"

    def env(self, lang: str) -> jinja2.Environment:
        with self._lock:
            if lang not in self._envs:
                from goaltrack.interfaces import RenderOptions
                from goaltrack.render.environment import make_environment

                plugins = self._ctx.plugins

                def prepare(env: jinja2.Environment) -> None:
                    plugins.hook.prepare_jinja2_environment(env=env)

                options = RenderOptions(
                    lang=lang,
                    templates_dir=self._ctx.config.path_setting("reports", "templates_dir"),
                    plugin_templates=tuple(plugins.template_dirs()),
                    jinja_hook=prepare,
                )
                self._envs[lang] = make_environment("html", options)
            return self._envs[lang]

    def render(self, request: Request, name: str, *, actor: Actor | None, status: int = 200,
               headers: dict[str, str] | None = None, **values: Any) -> HTMLResponse:
        from starlette.responses import HTMLResponse

        html = self.render_text(request, name, actor=actor, **values)
        return HTMLResponse(html, status_code=status, headers={**(_NO_STORE if actor is not None else {}),
                                                               **(headers or {})})

    def render_text(self, request: Request, name: str, *, actor: Actor | None, **values: Any) -> str:
        """Template ``name`` with a page's context, as text: a whole page, or a part of one
        (the site bar above a report viewed in the web application)."""
        from goaltrack.web.session import csrf_token

        lang = choose_lang(request, self.default_lang())
        template = self.env(lang).get_template(name)
        return template.render(
            request=request,
            actor=actor,
            csrf=csrf_token(request),
            path=lambda route, **params: url(request, route, **params),
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            languages=LANGUAGES,
            **values,
        )


# A signed-in page is someone's own view of the data: not for shared caches.
_NO_STORE = {"Cache-Control": "no-store"}


def url(request: Request, route: str, **params: Any) -> str:
    """The path of route ``route`` under the application's root path (a reverse proxy's
    sub-folder), with ``query`` (a dict) as the query string."""
    from urllib.parse import urlencode

    query = params.pop("query", None)
    path = str(request.app.url_path_for(route, **{k: str(v) for k, v in params.items()}))
    root = request.scope.get("root_path", "")
    return f"{root}{path}" + (f"?{urlencode(query)}" if query else "")


def safe_next(target: str | None, request: Request) -> str:
    """Where to go after signing in or switching language: a path on this site only (never
    ``//host`` or ``https://host``: no open redirect)."""
    root = request.scope.get("root_path", "")
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return f"{root}/"
    return target


def flash(request: Request, text: str, **params: Any) -> None:
    """A message for the next page the person sees (post/redirect/get). ``text`` is an
    English msgid (marked with :func:`goaltrack.render.i18n.N_`) filled with ``params``, or
    a message already in the reader's language; either way it is stored translated."""
    if params:
        text = formatter(request).gettext(text) % {k: str(v) for k, v in params.items()}
    else:
        text = formatter(request).gettext(text)
    request.session["flash"] = text


def pop_flash(request: Request) -> str | None:
    """The message :func:`flash` left, once; pass it to the page as ``flash``
    (``web/layout.html`` shows it)."""
    text = request.session.pop("flash", None)
    return str(text) if text else None


def formatter(request: Request) -> Any:
    """The :class:`~goaltrack.render.i18n.Formatter` of the request's language (for messages
    built in Python: ``formatter(request).gettext(N_("..."))``)."""
    pages: Pages = request.app.state.goaltrack.pages
    return pages.env(choose_lang(request, pages.default_lang())).globals["fmt"]
