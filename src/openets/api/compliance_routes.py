"""``/api/v1/compliance`` routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/compliance", tags=["compliance"])
