"""E-mail to the customer over SMTP. The subject carries the complaint number in brackets
("[TS…]") and the Message-ID is recorded as the provider id, so that the customer's reply
threads onto the complaint (by subject, or In-Reply-To / References)."""

from __future__ import annotations

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend

from tousu.messages.models import Message
from tousu.messages.transports import SendFailed


def subject_for(message: Message) -> str:
    number = message.complaint.number if message.complaint is not None else ""
    subject = message.subject or "投诉处理通知"
    return f"[{number}] {subject}" if number and f"[{number}]" not in subject else subject


class SmtpTransport:
    def send(self, message: Message) -> str:
        sender = settings.TOUSU_CUSTOMER_EMAIL_FROM
        domain = sender.rpartition("@")[2] or "localhost"
        message_id = make_msgid(domain=domain)
        reply_to = settings.TOUSU_CUSTOMER_EMAIL_REPLY_TO
        email = EmailMessage(
            subject=subject_for(message),
            body=message.text,
            from_email=sender,
            to=[message.address],
            reply_to=[reply_to] if reply_to else None,
            headers={"Message-ID": message_id},
            # An explicit connection: the notification e-mails' EMAIL_BACKEND may be the
            # console in development while customers' mail goes out through SMTP.
            connection=EmailBackend(fail_silently=False, timeout=settings.EMAIL_TIMEOUT),
        )
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendFailed(f"SMTP refused the address: {_refusal(exc)}", retry=False) from exc
        except smtplib.SMTPResponseException as exc:
            # 5xx is the server's final word; 4xx (greylisting, busy) is worth another try.
            error = exc.smtp_error
            said = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
            detail = f"SMTP {exc.smtp_code} {said}"
            raise SendFailed(detail, retry=exc.smtp_code < 500) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"SMTP {type(exc).__name__}: {exc}") from exc
        return message_id


def _refusal(exc: smtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(
        f"{code} {reply.decode(errors='replace')}" for code, reply in exc.recipients.values()
    )
