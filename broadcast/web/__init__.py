"""The staff web app: server-rendered Vietnamese pages over the same services as the API."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from broadcast.web.core import HERE


def install(app: FastAPI) -> None:
    """Mount the pages and their static files on the application."""
    from broadcast.web import routes

    app.include_router(routes.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
