"""The generic webhook: the message as JSON, signed the way Stripe signs its events.

    X-Runplane-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>

A receiver recomputes the HMAC with the shared secret and rejects an old `t` (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import json

from runplane.engine.notifications.channels import Outcome
from runplane.engine.notifications.channels.http import post_json
from runplane.model.notification import Delivery

SIGNATURE = "X-Runplane-Signature"


def body(delivery: Delivery) -> bytes:
    document = {**delivery.message.to_json(), "delivery_id": delivery.delivery_id}
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, body: bytes, at: int) -> str:
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def send(delivery: Delivery, *, url: str, secret: str | None, timeout: float, at: int) -> Outcome:
    payload = body(delivery)
    headers = {"Idempotency-Key": delivery.delivery_id}
    if secret:
        headers[SIGNATURE] = signature(secret, payload, at)
    return post_json(url, payload, headers, timeout=timeout)
