"""Slack's incoming-webhook format: Block Kit with the status icon, the pipeline, the error
summary and first suggested action, and a button to the execution."""

from __future__ import annotations

import json
from typing import Any

from runplane.engine.notifications.channels import Outcome
from runplane.engine.notifications.channels.http import post_json
from runplane.engine.notifications.channels.text import headline, lines
from runplane.model.notification import Delivery, Message


def blocks(message: Message) -> dict[str, Any]:
    title = headline(message)
    out: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}}
    ]
    detail = lines(message)
    if detail:
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(detail)}})
    if message.url:
        out.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open in Runplane"},
                        "url": message.url,
                    }
                ],
            }
        )
    return {"text": title, "blocks": out}


def send(delivery: Delivery, *, url: str, timeout: float) -> Outcome:
    payload = json.dumps(blocks(delivery.message)).encode()
    return post_json(url, payload, {"Idempotency-Key": delivery.delivery_id}, timeout=timeout)
