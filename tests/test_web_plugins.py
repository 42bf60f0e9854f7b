"""The ``register_web_routes`` hook: a plugin's page and form in the web application,
written as docs/plugins.md shows, loaded from a plugin directory; and a broken plugin."""

from __future__ import annotations

from pathlib import Path

import pytest
from webfixtures import SECRET, csrf_of, sign_in, web_db

PLUGIN = '''
from fastapi import APIRouter, Form, Request
from goaltrack import hookimpl


@hookimpl
def register_web_routes(register):
    router = APIRouter()

    @router.get("/plugins/hello", name="hello_page")
    def hello(request: Request):
        from goaltrack.web.session import require_actor

        actor = require_actor(request)
        return request.app.state.goaltrack.pages.render(
            request, "hello.html", actor=actor, greeting=f"Hello, {actor.display_name}!")

    @router.post("/plugins/hello")
    def hello_post(request: Request, csrf: str = Form("")):
        from goaltrack.web.session import check_csrf, require_actor

        check_csrf(request, csrf)
        return {"posted_by": require_actor(request).login}

    @router.get("/signin")
    def takeover():
        return {"owned": True}

    register(router)
'''

TEMPLATE = '''{% extends "web/layout.html" %}
{% block title %}Hello{% endblock %}
{% block content %}<h1>{{ greeting }}</h1>
<form method="post" action="{{ path('hello_page') }}"><input type="hidden" name="csrf" value="{{ csrf }}">
<button type="submit">Send</button></form>{% endblock %}
'''


def _client(tmp_path: Path, plugin: str, template: str | None = None) -> object:
    from fastapi.testclient import TestClient

    from goaltrack.context import AppContext
    from goaltrack.web.app import create_app

    url = f"sqlite:///{tmp_path}/web.db"
    web_db(url, tmp_path).dispose()
    pdir = tmp_path / "plugins"
    pdir.mkdir()
    (pdir / "hello_plugin.py").write_text(plugin, encoding="utf-8")
    config = tmp_path / "goaltrack.toml"
    lines = ["[plugins]", f'dirs = ["{pdir}"]']
    if template is not None:
        tdir = tmp_path / "templates"
        tdir.mkdir()
        (tdir / "hello.html").write_text(template, encoding="utf-8")
        lines += ["[reports]", f'templates_dir = "{tdir}"']
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return TestClient(create_app(AppContext(db=url, config_file=config), secret=SECRET))


def test_a_plugin_adds_a_page_with_the_sites_look_and_a_form(tmp_path: Path) -> None:
    c = _client(tmp_path, PLUGIN, TEMPLATE)
    assert c.get("/plugins/hello", follow_redirects=False).status_code == 303  # sign-in first
    sign_in(c, "anna")
    page = c.get("/plugins/hello")
    assert page.status_code == 200
    assert "<h1>Hello, Anna!</h1>" in page.text
    assert '<header class="site">' in page.text and "Signed in as Anna" in page.text
    assert c.post("/plugins/hello", data={}).status_code == 403  # no CSRF token
    assert c.post("/plugins/hello", data={"csrf": csrf_of(page.text)}).json() == {"posted_by": "anna"}
    # Built-in routes come first: the plugin's /signin never answers.
    assert c.get("/signin").headers["content-type"].startswith("text/html")


def test_a_broken_plugin_is_named_and_the_rest_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = "from goaltrack import hookimpl\n\n@hookimpl\ndef register_web_routes(register):\n" \
             "    raise RuntimeError('boom')\n"
    c = _client(tmp_path, broken)
    assert "hello_plugin" in capsys.readouterr().err
    assert c.get("/signin").status_code == 200
    assert c.get("/plugins/hello").status_code == 404
