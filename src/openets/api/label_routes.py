"""``/api/v1/labels`` routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/labels", tags=["labels"])
