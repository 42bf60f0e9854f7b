"""A test plugin: one page added to the web application (register_web_routes)."""

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from goaltrack import hookimpl


@hookimpl
def register_web_routes(register):
    router = APIRouter()

    @router.get("/plugins/web-hello", name="web_hello")
    def hello():
        return PlainTextResponse("hello from a plugin")

    register(router)
