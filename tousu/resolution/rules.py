"""Pure rules of handling: authority, evidence files."""

from __future__ import annotations

from decimal import Decimal

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024

# Extension → (content type, magic prefixes that the file must start with; empty = any).
# Checking the bytes, not only the name, keeps an executable renamed .pdf out.
EVIDENCE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ".wav": ("audio/wav", (b"RIFF",)),
    ".amr": ("audio/amr", (b"#!AMR",)),
    ".m4a": ("audio/mp4", ()),
    ".txt": ("text/plain", ()),
    ".csv": ("text/csv", ()),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
}


def evidence_problem(name: str, size: int, head: bytes) -> str | None:
    """Why a file cannot be accepted as evidence, or None when it can."""
    dot = name.rfind(".")
    ext = name[dot:].lower() if dot >= 0 else ""
    if ext not in EVIDENCE_TYPES:
        allowed = " ".join(sorted(EVIDENCE_TYPES))
        return f"不支持的文件类型「{ext or name}」，允许：{allowed}"
    if size == 0:
        return "文件为空"
    if size > EVIDENCE_MAX_BYTES:
        return f"文件过大：{size / 1048576:.1f} MB，上限 {EVIDENCE_MAX_BYTES // 1048576} MB"
    magics = EVIDENCE_TYPES[ext][1]
    if magics and not any(head.startswith(m) for m in magics):
        return f"文件内容与扩展名「{ext}」不符"
    if not magics and b"\x00" in head[:1024] and ext in {".txt", ".csv"}:
        return "文本文件含有二进制内容"
    return None


def needs_approval(total: Decimal, limit: Decimal | None) -> bool:
    """Over the role's authority (None = unlimited)?"""
    return limit is not None and total > limit
