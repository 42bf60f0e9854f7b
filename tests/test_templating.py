"""The Jinja2 environment factory: loader order and the ``default:`` prefix, user overrides
(``--templates``, config), plugin template directories and the prepare_jinja2_environment
hook, escaping per format, StrictUndefined, and no state shared between environments."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup
from report_helpers import REPORT_PLAN, load_db, report

from goaltrack.interfaces import RenderOptions
from goaltrack.render.environment import make_environment, md_escape

TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as mp:
        yield load_db(tmp_path_factory.mktemp("tpl") / "r.db", REPORT_PLAN, mp)


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


# --------------------------------------------------------------------------- loaders


def test_loader_order_user_then_plugin_then_builtin(tmp_path: Path) -> None:
    user = write(tmp_path / "user", "a.html", "user a")
    write(user, "_macros.html", "{% macro t(x) %}user macros{% endmacro %}")
    plugin = write(tmp_path / "plugin", "a.html", "plugin a")
    write(plugin, "b.html", "plugin b")
    env = make_environment("html", RenderOptions(templates_dir=user, plugin_templates=(plugin,)))
    assert env.get_template("a.html").render() == "user a"
    assert env.get_template("b.html").render() == "plugin b"
    assert "default:" not in env.get_template("default:base.html").filename  # type: ignore[operator]
    # default: always means the built-in, whatever overrides it.
    assert env.get_template("default:_macros.html").filename.endswith("goaltrack/templates/_macros.html")  # type: ignore[union-attr]
    assert env.get_template("_macros.html").filename == str(user / "_macros.html")
    with pytest.raises(jinja2.TemplateNotFound):
        env.get_template("default:a.html")


def test_cli_override_extends_default(db: Path, tmp_path: Path) -> None:
    t = write(tmp_path / "t", "coverage.html",
              '{% extends "default:coverage.html" %}'
              '{% block kicker %}Riverside council · {{ super() }}{% endblock %}')
    write(t, "coverage.md", '{% extends "default:coverage.md" %}'
                            '{% block kicker %}Riverside council · {{ super() }}{% endblock %}')
    html = report(db, "coverage", "html", "--templates", t)
    assert '<p class="kicker">Riverside council · Goal coverage</p>' in html
    assert 'class="chart coverage-matrix"' in html  # the rest is the built-in report
    md = report(db, "coverage", "markdown", "--templates", t, "--lang", "da")
    assert "**Riverside council · Måldækning** ·" in md  # super() is not escaped twice


def test_override_of_base_applies_to_every_report(db: Path, tmp_path: Path) -> None:
    t = write(tmp_path / "t", "base.html",
              '{% extends "default:base.html" %}{% block extra_style %}h1 { color: #7b3fa0; }{% endblock %}')
    for kind in ("coverage", "budget", "progress"):
        assert "h1 { color: #7b3fa0; }" in report(db, kind, "html", "--templates", t)


def test_config_templates_dir(db: Path, tmp_path: Path) -> None:
    from report_helpers import invoke

    t = write(tmp_path / "cfgtpl", "budget.md",
              '{% extends "default:budget.md" %}{% block kicker %}From config{% endblock %}')
    config = tmp_path / "goaltrack.toml"
    config.write_text(f'[reports]\ntemplates_dir = "{t}"\n', encoding="utf-8")
    out = invoke("--config", config, "--db", db, "report", "budget", "--format", "markdown")
    assert "**From config** ·" in out
    # --templates wins over the config.
    other = write(tmp_path / "cli", "budget.md",
                  '{% extends "default:budget.md" %}{% block kicker %}From CLI{% endblock %}')
    out = invoke("--config", config, "--db", db, "report", "budget", "--format", "markdown", "--templates", other)
    assert "**From CLI** ·" in out


def test_templates_dir_must_exist(db: Path, tmp_path: Path) -> None:
    from helpers import run_cli

    proc = run_cli("--db", db, "report", "coverage", "--format", "html", "--templates", tmp_path / "missing")
    assert proc.returncode == 2 and "not a directory" in proc.stderr


# --------------------------------------------------------------------------- plugins


def test_prepare_jinja2_environment_hook_reaches_templates(db: Path, tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    shutil.copy(TESTS / "plugins" / "jinja_shout.py", plugins)
    t = write(tmp_path / "t", "budget.html",
              '{% extends "default:budget.html" %}'
              '{% block kicker %}{{ "budget"|shout }} by {{ plugin_name }}{% endblock %}')
    from report_helpers import invoke

    out = invoke("--plugins-dir", plugins, "--db", db, "report", "budget", "--format", "html", "--templates", t)
    assert '<p class="kicker">BUDGET! by jinja_shout</p>' in out


def test_hook_is_passed_not_global() -> None:
    """Each environment gets the hook of its own render; none leaks into the next."""
    seen: list[object] = []
    env = make_environment("html", RenderOptions(jinja_hook=seen.append))
    assert seen == [env]
    env2 = make_environment("html", RenderOptions())
    assert seen == [env] and env2 is not env
    da = make_environment("markdown", RenderOptions(lang="da"))
    en = make_environment("markdown", RenderOptions(lang="en"))
    assert da.from_string("{{ _('Goal') }}").render() == "Mål"
    assert en.from_string("{{ _('Goal') }}").render() == "Goal"


def test_plugin_package_templates(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin package's templates/ directory sits between the user's and the built-ins."""
    site = tmp_path / "site"
    pkg = site / "gt_tplplug"
    write(pkg, "__init__.py",
          "from goaltrack import hookimpl\n\n"
          "@hookimpl\ndef prepare_jinja2_environment(env):\n    env.globals['tplplug'] = 'yes'\n")
    write(pkg / "templates", "progress.md",
          '{% extends "default:progress.md" %}{% block kicker %}Plugin progress {{ tplplug }}{% endblock %}')
    write(pkg / "templates", "budget.md",
          "{% extends 'default:budget.md' %}{% block kicker %}Plugin budget{% endblock %}")
    dist = site / "gt_tplplug-0.1.dist-info"
    write(dist, "METADATA", "Metadata-Version: 2.1\nName: gt-tplplug\nVersion: 0.1\n")
    write(dist, "entry_points.txt", "[goaltrack]\ntplplug = gt_tplplug\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("GOALTRACK_LOAD_PLUGINS", "tplplug")
    try:
        from goaltrack.plugins import load_plugins

        assert load_plugins().template_dirs() == [pkg / "templates"]
        assert "**Plugin progress yes** ·" in report(db, "progress", "markdown")
        user = write(tmp_path / "user", "budget.md",
                     "{% extends 'default:budget.md' %}{% block kicker %}User budget{% endblock %}")
        assert "**User budget** ·" in report(db, "budget", "markdown", "--templates", user)
        assert "**Plugin budget** ·" in report(db, "budget", "markdown")
    finally:
        sys.modules.pop("gt_tplplug", None)


def test_builtin_plugins_have_no_template_dirs() -> None:
    from goaltrack.plugins import load_plugins

    assert load_plugins(entrypoints=False).template_dirs() == []


# --------------------------------------------------------------------------- escaping


def test_html_autoescapes_every_template_name(tmp_path: Path) -> None:
    user = write(tmp_path / "u", "part.txt", "{{ x }}")
    write(user, "page.html", "{% include 'part.txt' %}|{{ x }}")
    env = make_environment("html", RenderOptions(templates_dir=user))
    assert env.get_template("page.html").render(x="<b>") == "&lt;b&gt;|&lt;b&gt;"
    assert env.from_string("{{ x }}").render(x="<i>") == "&lt;i&gt;"


def test_markdown_escapes_values_not_template_text() -> None:
    env = make_environment("markdown", RenderOptions())
    t = env.from_string(
        "**{{ x }}** {{ x|upper }} {{ [x, 'b']|join(', ') }} {{ x|replace('a', '[a]') }} "
        "{{ _('via %(code)s', code=x) }} {{ x|e }} {{ x|tojson }}"
    )
    out = t.render(x="[a](javascript:1)<br>")
    assert out.startswith("**\\[a\\](javascript\\:1)&lt;br&gt;** \\[A\\](JAVASCRIPT\\:1)&lt;BR&gt;")
    assert "<" not in out and "](" not in out.replace("\\](", "")


def test_markdown_macros_and_blocks_are_not_escaped_twice(tmp_path: Path) -> None:
    user = write(tmp_path / "u", "m.md", "{% macro b(x) %}**{{ x }}**{% endmacro %}")
    write(user, "page.md", "{% import 'm.md' as m %}{% set s %}_{{ y }}_{% endset %}{{ m.b(y) }} {{ s }}")
    env = make_environment("markdown", RenderOptions(templates_dir=user))
    assert env.get_template("page.md").render(y="a*b") == "**a\\*b** _a\\*b_"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain text, æøå – ok.", "plain text, æøå – ok."),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("[x](javascript:alert(1))", "\\[x\\](javascript\\:alert(1))"),
        ("![i](https://e.x/i.png)", "!\\[i\\](https\\://e.x/i.png)"),
        ("see www.example.dk", "see www\\.example.dk"),
        ("a | b", "a \\| b"),
        ("*em* _em_ `code` ~~s~~ $x$", "\\*em\\* \\_em\\_ \\`code\\` \\~\\~s\\~\\~ \\$x\\$"),
        ("# heading", "\\# heading"),
        ("- item", "\\- item"),
        ("1. item", "1\\. item"),
        ("-3.417 and 12,4 %", "-3.417 and 12,4 %"),
        ("line\nbreak\r\n\ttab", "line break tab"),
        ("Børn & Familie", "Børn &amp; Familie"),
        ("back\\slash", "back\\\\slash"),
        ("{{ 7*7 }}", "{{ 7\\*7 }}"),
        (None, ""),
        (12.5, "12.5"),
    ],
)
def test_md_escape(text: object, escaped: str) -> None:
    out = md_escape(text)
    assert isinstance(out, Markup) and str(out) == escaped
    assert md_escape(out) == out  # idempotent on what is already safe


def test_strict_undefined() -> None:
    env = make_environment("html", RenderOptions())
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ nope }}").render()
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ d.missing }}").render(d={})


def test_unknown_flavour() -> None:
    with pytest.raises(ValueError, match="unknown template flavour"):
        make_environment("pdf", RenderOptions())  # type: ignore[arg-type]


def test_filters_follow_the_language() -> None:
    for lang, expected in (("da", "540.225|12,4\u00a0%|+31.309|0,83|18. okt. 2020|ja|på rette spor"),
                           ("en", "540,225|12.4%|+31,309|0.83|18 Oct 2020|yes|on track")):
        env = make_environment("html", RenderOptions(lang=lang))
        out = env.from_string(
            "{{ 540225|number }}|{{ 12.4|percent }}|{{ 31309|signed(0) }}|{{ 0.8281|number }}|"
            "{{ '2020-10-18'|date }}|{{ _('yes') }}|{{ 'on-track'|label('status') }}"
        ).render()
        assert out == expected
