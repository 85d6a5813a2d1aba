"""The reply to the regulator, one PDF per referral (工信部/通管局申诉转办, issue 17).

What a complaint office sends back to the authority that referred a complaint: the
authority's case number beside ours, when each side received it, the authority's deadlines and
whether we kept them, what the customer said and asked, what the investigation found, the
remedies and the reply given — a 处理情况报告 to print on letterhead, sign and stamp. Always in
Chinese (the authority reads Chinese whatever the sender's screen language), with the
customer's real name and phone to a reader who may see them (the authority needs to identify
its complainant; the download is logged as a reveal), masked to anyone else.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tousu.accounts.services import pii_reveal_log, text_mask_for
from tousu.accounts.views import staff
from tousu.analytics.report_pdf import font
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.pii import TextMask, mask_name, mask_phone
from tousu.desk.views import complaint_or_404
from tousu.sla.choices import ClockName
from tousu.sla.rules import Clock, authority_name
from tousu.sla.selectors import complaint_clocks

TIME = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Reply:
    """The report as text: its title and its rows (label, value)."""

    title: str
    rows: list[tuple[str, str]]
    authority: str


def _when(moment: object) -> str:
    return f"{clock.local(moment):{TIME}}" if moment is not None else "—"  # type: ignore[arg-type]


def _kept(c: Clock) -> str:
    due = _when(c.due)
    if c.met_at is None:
        return _("due %(due)s, not yet done") % {"due": due}
    if c.late:
        return _("due %(due)s, done %(at)s (late)") % {"due": due, "at": _when(c.met_at)}
    return _("due %(due)s, done %(at)s (on time)") % {"due": due, "at": _when(c.met_at)}


def _outcome(complaint: Complaint) -> list[tuple[str, str]]:
    finding = complaint.get_finding_display() if complaint.finding else ""
    cause = complaint.get_cause_display() if complaint.cause else ""
    remedies = "；".join(
        f"{r.get_type_display()}" + (f" ¥{r.amount:.2f}" if r.amount else "")
        for r in complaint.remedies.all()
    )
    found = "，".join(p for p in (finding, cause) if p)
    return [
        (_("Investigation"), found or _("Under investigation")),
        (_("Remedies"), remedies or "—"),
        (_("Reply to the customer"), complaint.reply or _("Not yet replied")),
    ]


def _handled_by(complaint: Complaint) -> str:
    department = complaint.department.name if complaint.department else ""
    parts = [department, str(complaint.handler) if complaint.handler else ""]
    return " · ".join(p for p in parts if p) or "—"


def reply_of(complaint: Complaint, texts: TextMask) -> Reply:
    """The report's text, in the active language (the view sets Chinese)."""
    clocks = complaint_clocks(complaint, clock.now())
    theirs = [c for c in clocks if c.authority is not None]
    authority = authority_name(theirs[0].authority if theirs else "")
    # The reply's clock runs from the authority's receipt.
    reply_clock = next((c for c in theirs if c.name == ClockName.AUTHORITY_REPLY), None)
    customer = complaint.customer
    name = customer.name if texts.reveal else mask_name(customer.name)
    phone = customer.phone if texts.reveal else mask_phone(customer.phone)
    rows = [
        (_("Referred by"), authority),
        (_("Authority's case number"), complaint.external_ref or "—"),
        (_("Our complaint number"), complaint.number),
        (_("Received by the authority"), _when(reply_clock.start if reply_clock else None)),
        (_("Received by us"), _when(complaint.received_at)),
        (_("Complainant"), f"{name}　{phone}".strip()),
        (_("Complaint"), texts.text(complaint.content)),
        (_("Demand"), texts.text(complaint.demand) or "—"),
    ]
    rows += [(str(ClockName(c.name).label), _kept(c)) for c in theirs]
    rows += _outcome(complaint)
    rows += [
        (_("Status"), complaint.get_status_display()),
        (
            _("Handled by"),
            " · ".join(
                str(p)
                for p in (
                    complaint.department.name if complaint.department else "",
                    complaint.handler,
                )
                if p
            )
            or "—",
        ),
    ]
    title = _("Report on the complaint referred by %(authority)s (case %(ref)s)") % {
        "authority": authority,
        "ref": complaint.external_ref or complaint.number,
    }
    return Reply(title, rows, authority)


def render_pdf(reply: Reply, *, today: str) -> bytes:
    """The report as an A4 PDF, Chinese set in the embedded CJK font of the reports."""
    name = font()
    base = ParagraphStyle("body", fontName=name, fontSize=10.5, leading=17, wordWrap="CJK")
    title = ParagraphStyle("title", base, fontSize=15, leading=24, alignment=1, spaceAfter=5 * mm)
    label = ParagraphStyle("label", base, textColor="#444444")
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=reply.title,
        author="Tousu",
    )
    table = Table(
        [[Paragraph(k, label), Paragraph(_escape(v), base)] for k, v in reply.rows],
        colWidths=[36 * mm, doc.width - 36 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, "#999999"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), "#f2f2f2"),
            ]
        )
    )
    story: list[Flowable] = [
        Paragraph(_escape(reply.title), title),
        Paragraph(_escape(_("To: %(authority)s") % {"authority": reply.authority}), base),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 12 * mm),
        Paragraph(_escape(_("Complaint office (seal)")), base),
        Paragraph(_escape(today), base),
    ]
    doc.build(story)
    return out.getvalue()


def _escape(text: str) -> str:
    """Paragraphs read a little markup: the customer's words are text, line breaks kept."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\n", "<br/>")


def authority_reply(request: HttpRequest, number: str) -> HttpResponse:
    """`GET …/complaints/<number>/authority-reply.pdf`: the report on a regulator referral to
    whoever may see the complaint; 404 for a complaint that is not one."""
    user = staff(request)
    complaint = complaint_or_404(user, number)
    if not complaint.clocks.exists():
        raise Http404(number)
    texts = text_mask_for(user)
    with translation.override("zh-hans"):
        reply = reply_of(complaint, texts)
        body = render_pdf(reply, today=f"{clock.local_today():%Y年%m月%d日}")
    fields = "phone,name" if texts.reveal else ""
    pii_reveal_log(user=user, texts=texts, subject=complaint.number, via="export", fields=fields)
    response = HttpResponse(body, content_type="application/pdf")
    filename = f"{complaint.number}-regulator-reply.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
