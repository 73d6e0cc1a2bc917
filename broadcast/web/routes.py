"""All staff pages, gathered into one router (each module keeps to one area)."""

from __future__ import annotations

from fastapi import APIRouter

from broadcast.web import (
    account,
    admin,
    alerts,
    asrun,
    auth,
    batch,
    bulletins,
    delivery,
    emergency,
    locations,
    monitor,
    notifications,
    schedule,
    voices,
)

router = APIRouter(include_in_schema=False)
for module in (auth, bulletins, schedule, emergency, monitor, admin, locations, delivery, voices, batch, asrun,
               notifications, alerts, account):
    router.include_router(module.router)
