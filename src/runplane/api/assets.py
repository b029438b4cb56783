"""`/v1/assets`: the data-asset queries of the FINRA OTC domain.

Weeks per tier, a week's symbols with venue breakdown, a symbol's history and a week's
captures come with the FINRA pipelines' tables; until then this router has no routes.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/assets", tags=["assets"])
