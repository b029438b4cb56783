"""One POST of a JSON body with a timeout, judged as the sender needs: 2xx delivered,
5xx and no answer worth another try, any other answer final."""

from __future__ import annotations

import logging

import httpx

from runplane.engine.notifications.channels import Outcome

logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines name the secret URL


def post_json(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Outcome:
    """POST `body`; errors name the failure, never the URL (it is a secret)."""
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(
                url, content=body, headers={"Content-Type": "application/json", **headers}
            )
    except httpx.TimeoutException:
        return Outcome(False, error=f"no answer within {timeout:g} s", retry=True)
    except httpx.HTTPError as exc:
        return Outcome(False, error=f"could not connect ({type(exc).__name__})", retry=True)
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(True, status_code=code)
    return Outcome(False, status_code=code, error=f"answered HTTP {code}", retry=code >= 500)
