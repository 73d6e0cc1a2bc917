"""/docs and /redoc work with no internet: Swagger UI and ReDoc come from the installed package, and the
browser is refused every request that leaves the server (as on a commune office network offline)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.web.conftest import Site

pytestmark = pytest.mark.browser


def _offline_page(browser, site: Site):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    own = urlparse(site.url).netloc
    refused: list[str] = []

    def only_this_server(route) -> None:  # type: ignore[no-untyped-def]
        if urlparse(route.request.url).netloc == own:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", only_this_server)
    return context, page, refused


def test_swagger_ui_lists_the_operations_offline(browser, site: Site) -> None:  # type: ignore[no-untyped-def]
    context, page, refused = _offline_page(browser, site)
    try:
        page.goto(f"{site.url}/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/api/v1/receiver/playlist" in [p.replace("\u200b", "") for p in paths]
        assert len(paths) > 20
        assert refused == [], f"/docs tried to reach the internet: {refused}"
    finally:
        context.close()


def test_redoc_renders_offline(browser, site: Site) -> None:  # type: ignore[no-untyped-def]
    context, page, refused = _offline_page(browser, site)
    try:
        page.goto(f"{site.url}/redoc")
        page.wait_for_selector("li[data-item-id]", timeout=30_000)  # ReDoc's side menu, built from the spec
        assert page.locator("li[data-item-id]").count() > 20
        assert page.locator("h1").first.inner_text().startswith("broadcast")
        assert page.get_by_text("receiver protocol", exact=False).count() > 0
        assert refused == [], f"/redoc tried to reach the internet: {refused}"
    finally:
        context.close()
