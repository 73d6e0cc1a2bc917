"""The receivers dashboard and the broadcast reports (with CSV export)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from broadcast.services import directory, reports
from broadcast.services.dashboard import station_statuses
from broadcast.web import i18n
from broadcast.web.core import Web, WebCtx, WebRoute, render
from broadcast.web.messages import say

router = APIRouter(route_class=WebRoute)


def _offline_after(ctx: WebCtx) -> timedelta:
    return timedelta(seconds=ctx.settings.receiver_offline_after_s)


@router.get("/receivers", response_class=HTMLResponse)
def receivers(ctx: Web) -> HTMLResponse:
    now = ctx.now()
    statuses = station_statuses(ctx.session, ctx.user, _offline_after(ctx), now)
    return render(ctx, "receivers.html", statuses=statuses, now=now,
                  silent=[s for s in statuses if s.silent], threshold=_span(ctx.settings.receiver_offline_after_s))


def _span(seconds: int) -> str:
    """A threshold in words (10 minutes, 90 seconds, 2 hours), from the catalogue."""
    if seconds % 3600 == 0:
        return say("hours", n=seconds // 3600)
    if seconds % 60 == 0:
        return say("minutes", n=seconds // 60)
    return say("seconds", n=seconds)


def _period(ctx: WebCtx, since: str, until: str) -> tuple[str, str]:
    """The report's first and last days as ISO (typed as ngày/tháng/năm or ISO; empty → this month)."""
    today = ctx.now().astimezone(ctx.settings.tz).date()
    first, last = i18n.form_day(since) or today.replace(day=1), i18n.form_day(until) or today
    return first.isoformat(), last.isoformat()


def _report_rows(ctx: Web, since: str, until: str, station: str):  # type: ignore[no-untyped-def]
    """The period asked for (first, last days; start, end instants) and its per-station rows, checking
    that the user may see the station."""
    first, last = _period(ctx, since, until)
    start, end = reports.period_bounds(first, last, ctx.settings.tz)
    if station:
        directory.visible_station(ctx.session, ctx.user, station)
    rows = reports.station_reports(ctx.session, ctx.user, start, end, station or None, now=ctx.now())
    return first, last, start, end, rows


@router.get("/reports", response_class=HTMLResponse)
def reports_page(ctx: Web, since: str = "", until: str = "", station: str = "") -> HTMLResponse:
    first, last, start, end, rows = _report_rows(ctx, since, until, station)
    figures = reports.province_figures(ctx.session, ctx.user, start, end, _offline_after(ctx), now=ctx.now())
    from broadcast.distribute.expiry import REPORT_DELAY

    missed_after = (ctx.settings.play_grace_s + int(REPORT_DELAY.total_seconds())) // 60
    return render(ctx, "reports.html", rows=rows, figures=figures, since=first, until=last, station=station,
                  missed_after=missed_after,
                  stations=directory.visible_stations(ctx.session, ctx.user))


@router.get("/reports.csv")
def reports_csv(ctx: Web, since: str = "", until: str = "", station: str = "") -> Response:
    first, last, _start, _end, rows = _report_rows(ctx, since, until, station)
    body = reports.to_csv(rows, i18n.day_text(first), i18n.day_text(last))  # days as ngày/tháng/năm
    name = f"bao-cao-phat-thanh_{first}_{last}{'_' + station if station else ''}.csv"
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
