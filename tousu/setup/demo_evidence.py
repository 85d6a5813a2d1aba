"""The evidence a demo handler attaches before resolving: what the complaint's standard clause
requires (R6.1), so that a demo complaint is not resolved with its evidence "still missing". The
files are small and made up, of the kind the clause asks for: the bill's lines, the fault
ticket or installation order as their systems export them (CSV), a call recording (silence:
nobody's voice is in the demo), a screenshot of the customer's call log, the signed order (PDF)."""

from __future__ import annotations

import datetime as dt
import io
import wave
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A5
from reportlab.pdfgen.canvas import Canvas

from tousu.accounts.models import User
from tousu.analytics.report_pdf import font
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.resolution.choices import EvidenceKind
from tousu.resolution.services import evidence_add


def _bill(complaint: Complaint, amount: Decimal | None) -> bytes:
    """The month's charge lines as the billing system exports them (UTF-8 with BOM, for Excel)."""
    day = clock.local(complaint.received_at).date().replace(day=1)
    rows = ["日期,项目,金额（元）", f"{day:%Y-%m-%d},套餐月租,58.00"]
    if amount:
        rows.append(f"{day + dt.timedelta(days=11):%Y-%m-%d},争议扣费,{amount:.2f}")
    return ("\ufeff" + "\n".join(rows) + "\n").encode()


def _order(complaint: Complaint) -> bytes:
    """The signed service order at the store: what was ordered, when, and the signature."""
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A5)
    name = font()
    day = clock.local(complaint.received_at).date() - dt.timedelta(days=20)
    lines = [
        (16, "业务受理单"),
        (11, f"受理编号：YW{day:%Y%m%d}{complaint.pk % 10000:04d}"),
        (11, f"受理日期：{day:%Y-%m-%d}"),
        (11, f"办理业务：{complaint.product or '套餐变更'}"),
        (11, "客户签字：已签（原件存档）"),
    ]
    y = 540
    for size, text in lines:
        pdf.setFont(name, size)
        pdf.drawString(40, y, text)
        y -= 32
    pdf.save()
    return out.getvalue()


def _ticket(complaint: Complaint, kind: str) -> bytes:
    """The network's fault ticket, or the installation order, as its system exports it."""
    at = clock.local(complaint.received_at)
    if kind == EvidenceKind.FAULT_TICKET:
        rows = [
            "工单号,故障开始,恢复时间,处理结果",
            f"GZ{at:%Y%m%d}{complaint.pk % 1000:03d},{at - dt.timedelta(hours=5):%Y-%m-%d %H:%M},"
            f"{at + dt.timedelta(hours=20):%Y-%m-%d %H:%M},已修复",
        ]
    else:
        rows = [
            "工单号,预约上门,实际上门,状态",
            f"ZJ{at:%Y%m%d}{complaint.pk % 1000:03d},{at - dt.timedelta(days=6):%Y-%m-%d} 09:00,"
            f"{at + dt.timedelta(days=1):%Y-%m-%d} 14:30,已竣工",
        ]
    return ("\ufeff" + "\n".join(rows) + "\n").encode()


def _recording() -> bytes:
    """Two seconds of 8 kHz mono silence: a recording the demo does not make up words for."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 16000)
    return out.getvalue()


def _screenshot(complaint: Complaint) -> bytes:
    """A phone's call log with the calls complained of: numbers and times only (the default font
    draws no Chinese, and the screenshot needs none)."""
    image = Image.new("RGB", (360, 300), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=16)
    draw.rectangle((0, 0, 360, 40), fill="#f2f4f7")
    draw.text((16, 11), "Recents", fill="#101828", font=font)
    start = clock.local(complaint.received_at) - dt.timedelta(days=1)
    for i in range(5):
        at = start + dt.timedelta(hours=3 * i, minutes=7 * i)
        y = 56 + 48 * i
        draw.text(
            (16, y), f"+86 95{i}0 {4731 + 97 * i:04d} {88 + i:03d}", fill="#b42318", font=font
        )
        draw.text((250, y), f"{at:%m-%d %H:%M}", fill="#667085", font=font)
        draw.line((16, y + 36, 344, y + 36), fill="#eaecf0")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


DESCRIPTIONS: dict[str, str] = {
    EvidenceKind.BILL: "调取的计费详单",
    EvidenceKind.RECORDING: "调取的客服通话录音",
    EvidenceKind.SCREENSHOT: "客户提供的来电记录截图",
    EvidenceKind.CONTRACT: "调取的业务受理单",
    EvidenceKind.FAULT_TICKET: "网络故障工单",
    EvidenceKind.INSTALL_ORDER: "装机工单",
}


def demo_evidence_attach(
    complaint: Complaint, actor: User, kinds: list[str], amount: Decimal | None
) -> int:
    """Attach one file of each required kind the complaint lacks; returns how many."""
    have = set(complaint.evidence.values_list("kind", flat=True))
    made = 0
    for kind in kinds:
        if kind in have:
            continue
        number = complaint.number
        if kind == EvidenceKind.BILL:
            name, content = f"计费详单-{number}.csv", _bill(complaint, amount)
        elif kind == EvidenceKind.RECORDING:
            name, content = f"通话录音-{number}.wav", _recording()
        elif kind == EvidenceKind.SCREENSHOT:
            name, content = f"来电记录截图-{number}.png", _screenshot(complaint)
        elif kind == EvidenceKind.CONTRACT:
            name, content = f"业务受理单-{number}.pdf", _order(complaint)
        elif kind == EvidenceKind.FAULT_TICKET:
            name, content = f"故障工单-{number}.csv", _ticket(complaint, kind)
        elif kind == EvidenceKind.INSTALL_ORDER:
            name, content = f"装机工单-{number}.csv", _ticket(complaint, kind)
        else:
            continue
        evidence_add(
            complaint=complaint,
            actor=actor,
            name=name,
            content=content,
            description=DESCRIPTIONS[kind],
            kind=kind,
        )
        made += 1
    return made
