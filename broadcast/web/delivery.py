"""The live delivery status of a placement ("Phát ngay", emergencies): per station and per cluster,
refreshed by the page itself (a small fragment polled every few seconds), never claiming more than the
receivers reported."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from broadcast.errors import NotFound
from broadcast.models import Placement
from broadcast.services import bulletins as svc
from broadcast.services.accounts import station_ids_for
from broadcast.services.delivery import Delivery, placement_delivery
from broadcast.web.core import Web, WebCtx, WebRoute, render, render_fragment

router = APIRouter(route_class=WebRoute)
POLL_S = 2


def _delivery(ctx: WebCtx, placement_id: int) -> tuple[Placement, Delivery]:
    placement = ctx.session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(f"no placement {placement_id}")
    svc.get_bulletin(ctx.session, ctx.user, placement.bulletin_id)  # visibility: 404 like the bulletin
    delivery = placement_delivery(ctx.session, placement_id,
                                  timedelta(seconds=ctx.settings.receiver_offline_after_s), ctx.now(),
                                  station_ids_for(ctx.session, ctx.user))
    return placement, delivery


@router.get("/placements/{placement_id}/delivery", response_class=HTMLResponse)
def delivery_page(placement_id: int, ctx: Web) -> HTMLResponse:
    placement, delivery = _delivery(ctx, placement_id)
    bulletin = svc.get_bulletin(ctx.session, ctx.user, placement.bulletin_id)
    return render(ctx, "delivery.html", placement=placement, b=bulletin, d=delivery, now=ctx.now(),
                  poll_s=POLL_S)


@router.get("/placements/{placement_id}/delivery/live", response_class=HTMLResponse)
def delivery_live(placement_id: int, ctx: Web) -> HTMLResponse:
    placement, delivery = _delivery(ctx, placement_id)
    return render_fragment(ctx, "_delivery.html", placement=placement, d=delivery, now=ctx.now(), poll_s=POLL_S)
