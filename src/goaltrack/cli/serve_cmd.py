"""``goaltrack serve``: run the web application (the ``web`` extra) with uvicorn."""

from __future__ import annotations

import os
import secrets

import click

from goaltrack.cli.common import pass_app
from goaltrack.context import AppContext


@click.command(name="serve")
@click.option("--host", metavar="ADDRESS", help="Address to listen on (default: config [web] host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), metavar="PORT",
              help="Port to listen on; 0 picks a free one (default: config [web] port, 8000).")
@click.option("--workers", type=click.IntRange(1, 64), metavar="N",
              help="Worker processes (default: config [web] workers, 1).")
@click.option("--root-path", default="", metavar="PATH",
              help="The sub-folder a reverse proxy serves the application under, e.g. /goaltrack.")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True, metavar="IPS",
              help="Proxies whose X-Forwarded-For and X-Forwarded-Proto headers are trusted "
                   "(comma-separated, or * for any).")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log every request.")
@pass_app
def serve_cmd(app: AppContext, host: str | None, port: int | None, workers: int | None, root_path: str,
              forwarded_allow_ips: str, access_log: bool) -> None:
    """Run the web application: sign in, dashboards, forms to record progress, review, reports.

    It serves the database that --db names to people added with `goaltrack user add`, each
    seeing and changing what their roles allow, as on the command line. Needs the web
    extra (pip install 'goaltrack[web]'). Stop it with Ctrl-C. docs/web.md covers running
    it behind a reverse proxy, with PostgreSQL and several workers.
    """
    from goaltrack.errors import DataError, UsageError

    try:
        import uvicorn  # noqa: F401

        import goaltrack.web.app as web_app
    except ImportError as exc:
        raise UsageError(f"goaltrack serve needs the web extra: pip install 'goaltrack[web]' ({exc})") from None
    from goaltrack.people.access import has_people

    engine = app.engine()
    with engine.connect() as conn:
        if not has_people(conn):
            raise DataError(f"{app.db_url}: no people, so nobody could sign in; add the first (an admin) "
                            "with `goaltrack user add LOGIN --name NAME --password-stdin`")
    host = host or str(app.setting("web", "host"))
    port = int(app.setting("web", "port")) if port is None else port
    workers = workers or int(app.setting("web", "workers"))
    secret = _secret(app)
    https = bool(app.setting("web", "https"))
    options = {"root_path": root_path, "proxy_headers": True, "forwarded_allow_ips": forwarded_allow_ips,
               "access_log": access_log, "log_level": "info", "server_header": False}
    if workers == 1:
        _serve_one(app, web_app.create_app(app, secret=secret, https=https), host, port, options)
    else:
        _serve_many(app, host, port, workers, secret, https, options)


def _secret(app: AppContext) -> str:
    from goaltrack.errors import UsageError

    path = app.config.path_setting("web", "secret_file")
    if path is None:
        return os.environ.get("GOALTRACK_WEB_SECRET") or secrets.token_urlsafe(48)
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise UsageError(f"[web] secret_file {path}: {exc.strerror}") from None
    if len(secret) < 32:
        raise UsageError(f"[web] secret_file {path}: the secret must be at least 32 characters")
    return secret


def _announce(app: AppContext, address: str, workers: int) -> None:
    from goaltrack.store.database import display_url

    click.echo(f"goaltrack is serving {display_url(app.db_url)} at {address} "
               f"({workers} worker{'s' if workers > 1 else ''}; Ctrl-C stops it)")
    for line in _example_sign_in(app):
        click.echo(line)


def _example_sign_in(app: AppContext) -> list[str]:
    """The demo's sign-in, when this is a demo database whose example password still works."""
    from goaltrack.demo import EXAMPLE_PASSWORD, EXAMPLE_PEOPLE
    from goaltrack.errors import DataError
    from goaltrack.people.accounts import check_password

    lines: list[str] = []
    with app.engine().connect() as conn:
        for login, name, _role in EXAMPLE_PEOPLE:
            try:
                check_password(conn, login, EXAMPLE_PASSWORD)
            except DataError:
                continue
            lines.append(f"  {login:<15} {name}")
    if not lines:
        return []
    return [f"EXAMPLE sign-in (people made up for the demo; password '{EXAMPLE_PASSWORD}' for each):", *lines]


def _serve_one(app: AppContext, asgi: object, host: str, port: int, options: dict[str, object]) -> None:
    import uvicorn

    config = uvicorn.Config(asgi, host=host, port=port, **options)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    sock = config.bind_socket()  # bound before the message, so port 0 shows the port it got
    bound_host, bound_port = sock.getsockname()[:2]
    _announce(app, _address(bound_host, bound_port, str(options["root_path"])), 1)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn stopped gracefully, then re-raised the Ctrl-C
        click.echo("Stopped.")


def _serve_many(app: AppContext, host: str, port: int, workers: int, secret: str, https: bool,
                options: dict[str, object]) -> None:
    import socket

    import uvicorn

    if port == 0:  # the workers bind the port themselves: find a free one for them first
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    # The workers are new processes: they open the same database and settings from here.
    os.environ.update({"GOALTRACK_DB": app.db_url, "GOALTRACK_WEB_SECRET": secret,
                       "GOALTRACK_WEB_HTTPS": "1" if https else "0"})
    if app.config.path is not None:
        os.environ["GOALTRACK_CONFIG"] = str(app.config.path)
    if app.plugins_dirs:
        os.environ["GOALTRACK_WEB_PLUGIN_DIRS"] = os.pathsep.join(str(d) for d in app.plugins_dirs)
    _announce(app, _address(host, port, str(options["root_path"])), workers)
    try:
        uvicorn.run("goaltrack.web.app:app_from_environment", factory=True, host=host, port=port,
                    workers=workers, **options)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        click.echo("Stopped.")


def _address(host: str, port: int, root_path: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{root_path}/"
