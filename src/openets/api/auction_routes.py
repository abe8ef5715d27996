"""``/api/v1/exchange/auctions`` and ``/api/v1/exchange/blocks`` routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/exchange", tags=["exchange"])
