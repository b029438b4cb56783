"""Email over SMTP with STARTTLS (always: a password never crosses in the clear), with a
plain-text and an HTML part. `RUNPLANE_SMTP_URL` is smtp://user:password@host:port."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from html import escape
from urllib.parse import unquote, urlsplit

from runplane.engine.notifications.channels import Outcome
from runplane.engine.notifications.channels.text import headline, lines
from runplane.model.notification import Delivery, Message


def compose(message: Message, *, sender: str, to: str, key: str) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = headline(message)
    mail["From"] = sender
    mail["To"] = to
    mail["Message-ID"] = f"<{key}@runplane>"
    text = lines(message) + ([f"Open: {message.url}"] if message.url else [])
    mail.set_content("\n".join([headline(message), "", *text]) + "\n")
    html = "".join(f"<p>{escape(line)}</p>" for line in lines(message))
    if message.url:
        html += f'<p><a href="{escape(message.url)}">Open in Runplane</a></p>'
    mail.add_alternative(
        f"<html><body><h2>{escape(headline(message))}</h2>{html}</body></html>", subtype="html"
    )
    return mail


def send(delivery: Delivery, *, smtp_url: str, sender: str, timeout: float) -> Outcome:
    """Errors say what failed, never the server's user or password."""
    parts = urlsplit(smtp_url)
    if parts.scheme != "smtp" or not parts.hostname:
        return Outcome(False, error="RUNPLANE_SMTP_URL is not smtp://[user:password@]host:port")
    mail = compose(delivery.message, sender=sender, to=delivery.target, key=delivery.delivery_id)
    try:
        with smtplib.SMTP(parts.hostname, parts.port or 587, timeout=timeout) as smtp:
            smtp.starttls(context=ssl.create_default_context())
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
            smtp.send_message(mail)
    except smtplib.SMTPResponseException as exc:
        return Outcome(
            False,
            status_code=exc.smtp_code,
            error=f"SMTP {exc.smtp_code}",
            retry=exc.smtp_code < 500,
        )
    except (TimeoutError, OSError, smtplib.SMTPException) as exc:
        return Outcome(False, error=f"SMTP failed ({type(exc).__name__})", retry=True)
    return Outcome(True, status_code=250)
