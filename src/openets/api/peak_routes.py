"""``/api/v1/peak`` routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/peak", tags=["peak"])
