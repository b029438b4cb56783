"""`/v1/notifications`: list, read, create or replace, remove and test notification rules.

Changes and tests need the admin role. A rule the schedules file defines answers 409 to
PUT and DELETE, naming the file. Responses name variables, never their values.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from starlette.requests import Request

from runplane.api.blocking import call, write
from runplane.api.deps import CallerDep, DbDep, SettingsDep, allow
from runplane.api.errors import problems
from runplane.api.schemas.notifications import RuleDetail, RuleIn, RuleOut, TestOutcomeOut
from runplane.engine.notifications import rules as engine
from runplane.engine.notifications.matching import Links
from runplane.engine.notifications.testing import send_test
from runplane.model.access import Action
from runplane.store import Database
from runplane.views import notifications as views

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])

NamePath = Annotated[str, Path(description="A rule name, e.g. on-call.")]


@router.get("", response_model=list[RuleOut])
async def list_rules(db: DbDep) -> list[dict[str, Any]]:
    """Every rule by name, with when it last sent a message and its failed deliveries."""
    return [views.rule_json(state) for state in await call(db, views.list_rule_states, db)]


@router.get("/{name}", response_model=RuleDetail, responses=problems(404))
async def get_rule(name: NamePath, db: DbDep) -> dict[str, Any]:
    """One rule with its latest deliveries and every attempt of each."""
    return await call(db, _detail, db, name)


@router.put(
    "/{name}",
    response_model=RuleDetail,
    responses={
        **problems(400, 403, 409, 413, 415, 422),
        201: {"model": RuleDetail, "description": "Created."},
    },
    dependencies=[Depends(allow(Action.NOTIFICATIONS))],
)
async def put_rule(
    name: NamePath,
    body: RuleIn,
    response: Response,
    db: DbDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> dict[str, Any]:
    """Create (201) or replace (200) a rule; 400 naming the problem when it cannot be saved."""
    spec = engine.RuleSpec(name=name, **body.model_dump())
    _, created = await write(
        engine.save_rule, db, spec, settings, by=caller.actor, source="api", origin=caller.origin
    )
    response.status_code = 201 if created else 200
    return await call(db, _detail, db, name)


@router.delete(
    "/{name}",
    status_code=204,
    response_class=Response,
    responses=problems(403, 404, 409, 415),
    dependencies=[Depends(allow(Action.NOTIFICATIONS))],
)
async def delete_rule(name: NamePath, db: DbDep, caller: CallerDep) -> Response:
    """Remove a rule; its deliveries stay in the history. Refused for one in a file."""
    await write(engine.remove_rule, db, name, origin=caller.origin)
    return Response(status_code=204)


@router.post(
    "/{name}/test",
    response_model=list[TestOutcomeOut],
    responses=problems(403, 404, 415),
    dependencies=[Depends(allow(Action.NOTIFICATIONS))],
)
async def test_rule(
    name: NamePath, request: Request, db: DbDep, settings: SettingsDep, caller: CallerDep
) -> list[dict[str, Any]]:
    """Send a sample message through each of the rule's channels now; what each answered."""
    links = Links(settings.public_url or str(request.base_url))
    results = await write(send_test, db, name, settings, links, origin=caller.origin)
    return [
        {
            "channel": str(r.channel),
            "target": r.target,
            "delivered": r.outcome.delivered,
            "status_code": r.outcome.status_code,
            "error": r.outcome.error,
        }
        for r in results
    ]


def _detail(db: Database, name: str) -> dict[str, Any]:
    state = views.get_rule_state(db, name)
    deliveries = views.list_delivery_views(db, rule=name, limit=20)
    return {**views.rule_json(state), "deliveries": [views.delivery_json(d) for d in deliveries]}
