"""``/api/v1/finance`` routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/finance", tags=["finance"])
