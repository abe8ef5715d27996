"""``/api/v1/exchange`` routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/exchange", tags=["exchange"])
