"""Importing a file through the web: the upload, its limits, the dry run and the confirmation.

1. The first POST carries the file (multipart). Its body is read through a counter: past
   ``[web] max_upload_mb`` (plus a little for the other fields) reading stops and the answer
   is 413, so an oversize upload is never held, in memory or on disk. A file whose extension
   or content type does not fit the chosen data source is refused with 415.
2. The file is written to a new temporary directory named by a random token, under a name
   the server chooses (``upload.csv``), never the one the browser sent. The token is bound to
   the signed-in login and to the session (a hash of its CSRF token), and expires after
   :data:`TOKEN_SECONDS`.
3. The dry run (:func:`goaltrack.store.importing.import_file` with ``dry_run``, as
   ``goaltrack import --dry-run``) shows the rows read, new, changed, unchanged and the
   invalid rows with their line numbers.
4. The confirming POST carries only the token; the import runs (or is filed for review) and
   the upload is deleted, whatever the outcome.

The permission check is the import's own: every indicator in the file.

Which files fit a source: the built-in ``csv`` and ``jsonl`` by :data:`KNOWN_TYPES`; a
plugin's source may declare ``file_extensions`` and ``media_types`` (tuples) as class
attributes, else it takes text files with the usual data extensions or its own name's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from goaltrack.errors import GoaltrackError, ValidationError
from goaltrack.people.access import PermissionDenied
from goaltrack.render.i18n import N_
from goaltrack.web.pages import flash, formatter, url
from goaltrack.web.routes_home import plan_for_viewer
from goaltrack.web.session import CSRF_FIELD, check_csrf, require_actor

MB = 1024 * 1024
#: Room for the form's other fields and the multipart framing, beyond the file itself.
FORM_SLACK = 64 * 1024
TOKEN_SECONDS = 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
#: How much of the file is looked at to tell text from binary.
SNIFF = 8192
ANY_TYPE = ("", "application/octet-stream")
KNOWN_TYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "csv": ((".csv", ".txt"), ("text/csv", "text/plain", "application/csv", "application/vnd.ms-excel",
                               "text/comma-separated-values", "text/x-csv")),
    "jsonl": ((".jsonl", ".ndjson", ".json", ".txt"), ("application/x-ndjson", "application/jsonl",
                                                       "application/jsonlines", "application/x-jsonlines",
                                                       "application/json", "text/plain")),
}
PLUGIN_EXTENSIONS = (".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson")


def max_bytes(request: Request) -> int:
    return int(float(request.app.state.goaltrack.setting("web", "max_upload_mb")) * MB)


# --------------------------------------------------------------------------- reading the form


@dataclass
class UploadForm:
    """The POSTed form, read within the size limit (``too_large`` when it was not)."""

    fields: dict[str, str] = field(default_factory=dict)
    file: UploadFile | None = None
    too_large: bool = False

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    def close(self) -> None:
        if self.file is not None:
            self.file.file.close()


class _TooLarge(Exception):
    pass


async def upload_form(request: Request) -> UploadForm:
    """The form of an import POST, read with a counter on the body (a dependency: the route
    itself stays a plain ``def``)."""
    limit = max_bytes(request) + FORM_SLACK
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return UploadForm(too_large=True)
    received = 0

    async def receive() -> Any:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise _TooLarge
        return message

    try:
        form = await Request(request.scope, receive).form(max_files=1, max_fields=20)
    except _TooLarge:
        return UploadForm(too_large=True)
    out = UploadForm()
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            if key == "file" and out.file is None:
                out.file = value
            else:
                value.file.close()
        else:
            out.fields[key] = value
    return out


# --------------------------------------------------------------------------- the uploads kept


def upload_root() -> Path:
    """The directory the uploads wait in, shared by the worker processes of one server:
    ours alone (mode 0700, owned by us, not a symbolic link)."""
    root = Path(tempfile.gettempdir()) / f"goaltrack-uploads-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        root.mkdir(mode=0o700)
    st = root.lstat()

    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise RuntimeError(f"{root} is not a private directory of this user; remove it")
    return root


def session_key(request: Request) -> str:
    return hashlib.sha256(str(request.session.get(CSRF_FIELD, "")).encode()).hexdigest()


def sweep(root: Path) -> None:
    """Delete the uploads older than :data:`TOKEN_SECONDS`."""
    now = time.time()
    for d in root.iterdir():
        try:
            if now - d.lstat().st_mtime > TOKEN_SECONDS:
                shutil.rmtree(d, ignore_errors=True)
        except FileNotFoundError:
            pass


def keep(upload: UploadFile, ext: str, meta: dict[str, Any], limit: int) -> tuple[str, Path] | None:
    """Copy the upload to a new token's directory; None (nothing kept) when it exceeds ``limit``."""
    root = upload_root()
    sweep(root)
    token = secrets.token_urlsafe(24)
    where = root / token
    where.mkdir(mode=0o700)
    path = where / f"upload{ext}"
    written = 0
    upload.file.seek(0)
    with path.open("xb") as out:
        while chunk := upload.file.read(1 << 20):
            written += len(chunk)
            if written > limit:
                break
            out.write(chunk)
    if written > limit:
        shutil.rmtree(where, ignore_errors=True)
        return None
    (where / "meta.json").write_text(json.dumps({**meta, "file": path.name, "size": written}), encoding="utf-8")
    return token, path


def kept(token: str, request: Request, login: str, slug: str) -> tuple[dict[str, Any], Path] | None:
    """The upload of ``token`` if it is this session's and this plan's and has not expired."""
    if not TOKEN.match(token):
        return None
    where = upload_root() / token
    try:
        meta = json.loads((where / "meta.json").read_text(encoding="utf-8"))
        age = time.time() - (where / "meta.json").stat().st_mtime
    except (OSError, ValueError):
        return None
    if (age > TOKEN_SECONDS or meta.get("login") != login or meta.get("session") != session_key(request)
            or meta.get("slug") != slug):
        return None
    return meta, where / meta["file"]


def discard(token: str) -> None:
    if TOKEN.match(token):
        shutil.rmtree(upload_root() / token, ignore_errors=True)


def fits(source_name: str, source: Any, filename: str, content_type: str, head: bytes) -> str | None:
    """The extension to keep the file under if it fits the source, else None."""
    ext = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if source_name in KNOWN_TYPES:
        exts, types = KNOWN_TYPES[source_name]
        text = True
    else:
        exts = tuple(getattr(source, "file_extensions", ()) or (*PLUGIN_EXTENSIONS, f".{source_name}"))
        types = tuple(getattr(source, "media_types", ()))
        text = not types
    media = content_type.split(";")[0].strip().lower()
    if ext not in exts:
        return None
    if types and media not in types and media not in ANY_TYPE:
        return None
    if not types and media not in ANY_TYPE and (not media.startswith("text/") or media == "text/html"):
        return None
    if text and b"\0" in head:
        return None
    return ext


# --------------------------------------------------------------------------- the pages


def _page(request: Request, actor: Any, slug: str, plan_id: int, *, status: int = 200, **values: Any) -> Response:
    from goaltrack.web import work_data

    st = request.app.state.goaltrack
    with st.engine.connect() as conn:
        plan = work_data.plan_row(conn, plan_id)
    sources = sorted((name, getattr(s, "description", "")) for name, s in st.ctx.plugins.data_sources.items())
    defaults: dict[str, Any] = {"form": {"source": "csv", "submit": False}, "errors": {}, "result": None,
                                "token": None, "problems": [], "original": None}
    return st.pages.render(request, "web/import_form.html", actor=actor, slug=slug, plan=plan,
                           review=plan.review == "required", sources=sources, max_mb=max_bytes(request) / MB,
                           plan_lang=plan.language, status=status, **{**defaults, **values})


def import_page(request: Request, slug: str) -> Response:
    from goaltrack.web.work_data import may_in_plan

    actor = require_actor(request)
    plan_id = plan_for_viewer(request, actor, slug)
    if not may_in_plan(actor, slug, "record"):
        from goaltrack.people.access import refusal

        raise PermissionDenied(refusal(actor, "record", slug, slug))
    return _page(request, actor, slug, plan_id)


def import_post(request: Request, slug: str, form: UploadForm) -> Response:
    actor = require_actor(request)
    plan_id = plan_for_viewer(request, actor, slug)
    typed = {"source": form.get("source"), "submit": bool(form.get("submit"))}
    if form.too_large:
        return _page(request, actor, slug, plan_id, status=413, form=typed, errors={"file": ("too_large", None)})
    check_csrf(request, form.get("csrf"))
    if form.get("token"):
        return _confirm(request, actor, slug, plan_id, form.get("token"), typed, cancel=bool(form.get("cancel")))
    return _dry_run(request, actor, slug, plan_id, form, typed)


def _source(request: Request, name: str) -> Any:
    return request.app.state.goaltrack.ctx.plugins.data_sources.get(name)


def _dry_run(request: Request, actor: Any, slug: str, plan_id: int, form: UploadForm,
             typed: dict[str, Any]) -> Response:
    from goaltrack.store.importing import import_file

    source = _source(request, typed["source"])
    if source is None:
        return _page(request, actor, slug, plan_id, status=422, form=typed, errors={"source": ("no_source", None)})
    upload = form.file
    if upload is None or not upload.filename:
        return _page(request, actor, slug, plan_id, status=422, form=typed, errors={"file": ("no_file", None)})
    upload.file.seek(0)
    head = upload.file.read(SNIFF)
    ext = fits(typed["source"], source, upload.filename, upload.content_type or "", head)
    if ext is None:
        return _page(request, actor, slug, plan_id, status=415, form=typed,
                     errors={"file": ("wrong_type", upload.content_type or "")})
    original = PurePosixPath(upload.filename.replace("\\", "/")).name
    meta = {"login": actor.login, "session": session_key(request), "slug": slug, "source": typed["source"],
            "original": original}
    stored = keep(upload, ext, meta, max_bytes(request))
    if stored is None:
        return _page(request, actor, slug, plan_id, status=413, form=typed, errors={"file": ("too_large", None)})
    token, path = stored
    try:
        result = import_file(request.app.state.goaltrack.engine, plan_id, source, path, recorded_by=actor.login,
                             dry_run=True, actor=actor, submit=typed["submit"])
    except ValidationError as exc:
        discard(token)
        return _page(request, actor, slug, plan_id, status=422, form=typed, original=original,
                     problems=[(p.line, p.message) for p in exc.problems])
    except PermissionDenied:
        discard(token)
        raise
    except GoaltrackError as exc:
        discard(token)
        return _page(request, actor, slug, plan_id, status=422, form=typed, original=original,
                     errors={"file": ("unreadable", exc.message.replace(str(path), original))})
    return _page(request, actor, slug, plan_id, form=typed, result=result, token=token, original=original)


def _confirm(request: Request, actor: Any, slug: str, plan_id: int, token: str, typed: dict[str, Any], *,
             cancel: bool) -> Response:
    from goaltrack.store.importing import import_file

    found = kept(token, request, actor.login, slug)
    if found is None:
        return _page(request, actor, slug, plan_id, status=422, form=typed, errors={"file": ("expired", None)})
    meta, path = found
    fmt = formatter(request)
    if cancel:
        discard(token)
        flash(request, fmt.gettext(N_("The upload of %(file)s was discarded; nothing was imported."))
              % {"file": meta["original"]})
        return RedirectResponse(url(request, "import_form", slug=slug), status_code=303)
    try:
        result = import_file(request.app.state.goaltrack.engine, plan_id, _source(request, meta["source"]), path,
                             recorded_by=actor.login, actor=actor, submit=typed["submit"])
    except ValidationError as exc:
        return _page(request, actor, slug, plan_id, status=422, form=typed, original=meta["original"],
                     problems=[(p.line, p.message) for p in exc.problems])
    finally:
        discard(token)
    flash(request, imported_message(fmt, result, meta["original"]))
    return RedirectResponse(url(request, "my_work"), status_code=303)


def imported_message(fmt: Any, r: Any, name: str) -> str:
    params = {"file": name, "entry": r.review_entry, "new": r.new, "changed": r.changed, "unchanged": r.unchanged,
              "inserted": r.inserted, "superseded": r.superseded, "rows": r.rows_read}
    if r.review_state == "unchanged":
        text = N_("%(file)s: nothing to review; every value in it is the approved value already.")
    elif r.review_entry is not None and r.review_state == "submitted":
        text = N_("%(file)s: filed for review as entry %(entry)s, submitted: %(new)s new and %(changed)s changed "
                  "values wait for an approver (%(unchanged)s unchanged).")
    elif r.review_entry is not None:
        text = N_("%(file)s: filed for review as entry %(entry)s, a draft: %(new)s new and %(changed)s changed "
                  "values (%(unchanged)s unchanged); submit it when it is ready.")
    else:
        text = N_("Imported %(file)s: %(rows)s rows read, %(inserted)s values written (%(superseded)s superseding "
                  "older values), %(unchanged)s unchanged.")
    return str(fmt.gettext(text) % params)
