"""``/api/v1/allocation`` routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/allocation", tags=["allocation"])
