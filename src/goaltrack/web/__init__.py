"""``goaltrack serve``: the web application (``pip install 'goaltrack[web]'``).

A page is a report rendered to HTML and a form is a command: every page reads through the
report builders and every form writes through the same domain functions the command line
calls (:mod:`goaltrack.store.recording`, :mod:`goaltrack.review.transitions`,
:mod:`goaltrack.people.accounts`), with the same permission check
(:mod:`goaltrack.people.access`). Nothing here knows a plan; nothing here writes SQL of its
own.

Modules: :mod:`.app` builds the FastAPI application; :mod:`.session` signs people in and
out, keeps the CSRF token and limits sign-in attempts; :mod:`.pages` renders the jinja2
templates in ``templates/web/``; the ``routes_*`` modules hold the routes, one module per
part of the site; :mod:`.api` is the JSON API under ``/api/v1``.
"""
