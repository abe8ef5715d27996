"""``/api/v1/sim`` routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/sim", tags=["simulation"])
