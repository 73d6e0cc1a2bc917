"""The as-run log page (which cluster played what, when) and its CSV and XLSX exports."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col

from broadcast.errors import InvalidInput
from broadcast.models import Bulletin
from broadcast.services import asrun, directory
from broadcast.services import bulletins as bulletin_svc
from broadcast.web import i18n
from broadcast.web.core import Web, WebCtx, WebRoute, render
from broadcast.web.messages import say

router = APIRouter(route_class=WebRoute)
PAGE_ROWS = 300
RECENT_BULLETINS = 200  # the newest, offered in the bulletin filter (plus the chosen one if older)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(value: str) -> date | None:
    return i18n.form_day(value)


def _number(value: str, what: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput(say("number_invalid", what=what))
    return int(value)


def _filter(ctx: WebCtx, station: str, receiver: str, bulletin: str, since: str, until: str
            ) -> tuple[asrun.AsRunFilter, date, date]:
    today = ctx.now().astimezone(ctx.settings.tz).date()
    first, last = _day(since) or today.replace(day=1), _day(until) or today
    if last < first:
        raise InvalidInput(say("period_backwards"))
    if station:
        directory.visible_station(ctx.session, ctx.user, station)
    bulletin_id = _number(bulletin, say("bulletin"))
    if bulletin_id is not None:
        bulletin_svc.get_bulletin(ctx.session, ctx.user, bulletin_id)
    zone = ctx.settings.tz
    wanted = asrun.AsRunFilter(station_code=station or None, receiver_id=_number(receiver, say("receiver")),
                               bulletin_id=bulletin_id, start=datetime.combine(first, time(0), tzinfo=zone),
                               end=datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone))
    return wanted, first, last


def _explain(rows: list[asrun.AsRunRow]) -> dict[str, str]:
    return {r.detail: i18n.receiver_sentence(r.detail) for r in rows if r.kind != "played"}


@router.get("/asrun", response_class=HTMLResponse)
def asrun_page(ctx: Web, station: str = "", receiver: str = "", bulletin: str = "", since: str = "",
               until: str = "") -> HTMLResponse:
    wanted, first, last = _filter(ctx, station, receiver, bulletin, since, until)
    rows = asrun.as_run(ctx.session, ctx.user, wanted, limit=PAGE_ROWS + 1)
    query = (f"station={station}&receiver={receiver}&bulletin={bulletin}"
             f"&since={i18n.day_vi(first)}&until={i18n.day_vi(last)}")
    recent = list(ctx.session.exec(bulletin_svc.visible_bulletins(ctx.session, ctx.user)
                                   .order_by(col(Bulletin.id).desc()).limit(RECENT_BULLETINS)).all())
    if wanted.bulletin_id is not None and all(b.id != wanted.bulletin_id for b in recent):
        recent.append(bulletin_svc.get_bulletin(ctx.session, ctx.user, wanted.bulletin_id))  # an older one, chosen
    return render(ctx, "asrun.html", rows=rows[:PAGE_ROWS], more=len(rows) > PAGE_ROWS, query=query,
                  stations=directory.visible_stations(ctx.session, ctx.user),
                  receivers=asrun.receivers_of(ctx.session, ctx.user), bulletins=recent,
                  filters={"station": station, "receiver": receiver, "bulletin": bulletin,
                           "since": i18n.day_vi(first), "until": i18n.day_vi(last)})


def _name(first: date, last: date, station: str, ext: str) -> str:
    return f"nhat-ky-phat_{first.isoformat()}_{last.isoformat()}{'_' + station if station else ''}.{ext}"


@router.get("/asrun.csv")
def asrun_csv(ctx: Web, station: str = "", receiver: str = "", bulletin: str = "", since: str = "",
              until: str = "") -> Response:
    wanted, first, last = _filter(ctx, station, receiver, bulletin, since, until)
    rows = asrun.as_run(ctx.session, ctx.user, wanted)
    return Response(asrun.to_csv(rows, ctx.settings.tz, _explain(rows)), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_name(first, last, station, "csv")}"'})


@router.get("/asrun.xlsx")
def asrun_xlsx(ctx: Web, station: str = "", receiver: str = "", bulletin: str = "", since: str = "",
               until: str = "") -> Response:
    wanted, first, last = _filter(ctx, station, receiver, bulletin, since, until)
    rows = asrun.as_run(ctx.session, ctx.user, wanted)
    title = say("report_title", first=i18n.day_vi(first), last=i18n.day_vi(last))
    return Response(asrun.to_xlsx(rows, ctx.settings.tz, title, _explain(rows)), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{_name(first, last, station, "xlsx")}"'})
