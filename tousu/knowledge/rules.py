"""Pure rules of the knowledge domain: anonymising a complaint into a case (R7.1), the states of
wording versions and the expired-wording check (R7.2), filling reply templates with S1's thanks
(R5.4), and the "what changed" comparison of two versions. No database here."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

from tousu.core.pii import pii_replace
from tousu.knowledge.choices import VersionState

# ---- anonymisation (R7.1) -------------------------------------------------------------------

# What personal data is replaced by in a case: a bracketed kind, so that a reader still sees
# that the customer gave a number or an address without learning it.
PHONE = "[电话]"
ID_NUMBER = "[证件号]"
ACCOUNT = "[账号]"
EMAIL = "[邮箱]"
ADDRESS = "[地址]"
STAFF_NUMBER = "[工号]"
# A name reads as 某某 and a title as 某先生: the text stays natural Chinese.
NAME = "某某"
ANONYMOUS_SURNAME = "某"

# What core.pii's kinds of personal data become in a case.
_BY_KIND = {"email": EMAIL, "id": ID_NUMBER, "card": ACCOUNT, "mobile": PHONE, "landline": PHONE}

# Customers type numbers with full-width digits as often as with ASCII ones; the case is a
# derived copy, so it is normalised first and one set of patterns finds both.
_FULL_WIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {"Ｘ": "X", "ｘ": "x", "－": "-", "＋": "+", "＠": "@", "．": "."}
)

# The common single-character surnames (百家姓, most frequent first) and the compound ones.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左"
    "柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈"
    "饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵"
    "苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "端木",
)
_TITLES = "先生|女士|小姐|老师|师傅|阿姨|大爷|大妈|大姐|大哥|经理|主任"

_ID_18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# Bank cards: 16 to 19 digits, often written in groups of four.
_BANK_CARD = re.compile(r"(?<!\d)\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?(?!\d)")
_ID_15 = re.compile(r"(?<!\d)\d{15}(?!\d)")
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(?:[(（]0\d{2,3}[)）]|0\d{2,3})[ -]?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_ACCOUNT_LABELLED = re.compile(
    r"((?:宽带|银行|固话|客户|缴费)?(?:账号|帐号|账户|帐户|户号|编号|合同号|卡号))"
    r"(\s*[:：]?\s*(?:为|是)?\s*)([A-Za-z0-9][A-Za-z0-9-]{3,})"
)
_STAFF_NUMBER = re.compile(r"(工号)(\s*[:：]?\s*(?:为|是)?\s*)([A-Za-z]*\d+)")
# Whatever long run of digits is left identifies something (an order, a contract, a card).
_LONG_DIGITS = re.compile(r"(?<!\d)\d{12,}(?!\d)")

# Addresses: the province, city and district stay (they say where, not who); the street and the
# door number go. A street name is a run of characters that are not function words or
# administrative units, ended by a street or estate word and followed by a door number.
_STREET_CHAR = r"(?:(?![在住于是的我家到了至从和与及省市区县镇乡])[\u4e00-\u9fff])"
_STREET_END = r"(?:大道|大街|路|街|巷|弄|胡同|小区|花园|家园|新村|社区|公寓|大厦|广场|苑|村)"
_DOOR = r"(?:[A-Za-z]?\d+(?:-\d+)*[A-Za-z]?\s*(?:号楼|号院|号|栋|幢|座|单元|层|楼|室|户))"
_ADDRESS = re.compile(
    rf"{_STREET_CHAR}{{1,10}}?{_STREET_END}\s*{_DOOR}(?:\s*{_DOOR}){{0,5}}(?:\d+(?:-\d+)*)?"
    # A building and flat without a street ("3栋2单元501室"); a single "3号" is a date.
    rf"|\d+(?:栋|幢|号楼|座)\s*(?:\d+单元\s*)?\d+(?:-\d+)*(?:室|号)?"
)


def _surname_pattern(extra: Iterable[str] = ()) -> str:
    compounds = sorted({*_COMPOUND_SURNAMES, *(s for s in extra if len(s) > 1)}, key=len)
    singles = set(_SURNAMES) | {s for s in extra if len(s) == 1}
    return "(?:" + "|".join([*reversed(compounds), "[" + "".join(sorted(singles)) + "]"]) + ")"


def surname_of(name: str) -> str:
    """The surname of a Chinese name: a compound surname when the name starts with one."""
    for compound in _COMPOUND_SURNAMES:
        if name.startswith(compound) and len(name) > len(compound):
            return compound
    return name[:1]


def anonymise(
    text: str,
    *,
    names: Iterable[str] = (),
    phones: Iterable[str] = (),
    accounts: Iterable[str] = (),
    addresses: Iterable[str] = (),
) -> str:
    """`text` with personal data replaced: phone, ID and bank-card numbers, accounts, e-mail
    addresses, street addresses, and names — the `names` given (the customer's, from the record)
    with their surnames in titles (张先生), and any 张先生/李女士 or "我叫王小明" besides.
    `phones`, `accounts` and `addresses` are the record's own values, removed exactly first."""
    out = text.translate(_FULL_WIDTH)
    for value in addresses:
        if value and len(value) >= 4:
            out = out.replace(value, ADDRESS)
    for value in accounts:
        if value and len(value) >= 4:
            out = out.replace(value, ACCOUNT)
    for value in phones:
        if value and len(value) >= 7:
            out = out.replace(value, PHONE)
    out = _ID_18.sub(ID_NUMBER, out)
    out = _BANK_CARD.sub(ACCOUNT, out)
    out = _MOBILE.sub(PHONE, out)
    out = _LANDLINE.sub(PHONE, out)
    # After the phones: 0086 and a mobile number is 15 digits too.
    out = _ID_15.sub(ID_NUMBER, out)
    out = _EMAIL.sub(EMAIL, out)
    out = _ACCOUNT_LABELLED.sub(lambda m: m.group(1) + m.group(2) + ACCOUNT, out)
    out = _STAFF_NUMBER.sub(lambda m: m.group(1) + m.group(2) + STAFF_NUMBER, out)
    out = _LONG_DIGITS.sub(ACCOUNT, out)
    # Last, whatever the masking of every page finds (core.pii): a case is read by roles that
    # may not see personal data, so it keeps none that a page would have masked for them.
    out = pii_replace(out, _BY_KIND)
    out = _ADDRESS.sub(ADDRESS, out)

    known = [n.strip() for n in names if n and len(n.strip()) >= 2]
    surnames = [surname_of(n) for n in known]
    # Longest first: 欧阳娜娜 before 娜娜.
    for name in sorted(known, key=len, reverse=True):
        out = out.replace(name, NAME)
        given = name[len(surname_of(name)) :]
        if len(given) >= 2:
            out = out.replace(given, NAME)
    surname = _surname_pattern(surnames)
    out = re.sub(rf"{surname}({_TITLES})", rf"{ANONYMOUS_SURNAME}\1", out)
    out = re.sub(
        rf"(我叫|本人叫|名叫|姓名\s*[:：]?|机主\s*[:：]?|户主\s*[:：]?|联系人\s*[:：]?)"
        rf"\s*{surname}[\u4e00-\u9fff]{{1,2}}",
        rf"\1{NAME}",
        out,
    )
    return out


# ---- tags -----------------------------------------------------------------------------------

TAGS_MAX = 10
TAG_MAX_CHARS = 20
_TAG_SEPARATORS = re.compile(r"[,，、;；\s|]+")


def tags_normalise(raw: str | Iterable[str]) -> list[str]:
    """Tags as people type them (commas, 、 or spaces between) → distinct, in order, at most
    TAGS_MAX of at most TAG_MAX_CHARS characters. `|` separates tags in storage, so it cannot
    be part of one."""
    parts = _TAG_SEPARATORS.split(raw) if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for part in parts:
        for tag in _TAG_SEPARATORS.split(part.strip()):
            tag = tag[:TAG_MAX_CHARS]
            if tag and tag not in out:
                out.append(tag)
    return out[:TAGS_MAX]


def tags_stored(tags: Iterable[str]) -> str:
    """The stored form `|a|b|`: a filter for one tag is an exact `contains("|a|")`."""
    tags = list(tags)
    return "|" + "|".join(tags) + "|" if tags else ""


def tags_read(stored: str) -> list[str]:
    return [t for t in stored.split("|") if t]


# ---- wording versions (R7.2) ----------------------------------------------------------------


@dataclass(frozen=True)
class VersionDates:
    number: int
    effective_from: dt.date
    valid_until: dt.date | None  # the last day it applies (inclusive); None = until replaced


def version_states(versions: Iterable[VersionDates], today: dt.date) -> dict[int, VersionState]:
    """The state of each version of one article on `today`. A version is expired after its last
    valid day, or once a later version has taken effect (superseded); not yet effective before
    its first day; current otherwise. More than one version may be current only if their dates
    overlap and none is later — the latest current one is what the article says."""
    rows = sorted(versions, key=lambda v: v.number)
    states: dict[int, VersionState] = {}
    for v in rows:
        if v.effective_from > today:
            states[v.number] = VersionState.UPCOMING
        elif v.valid_until is not None and v.valid_until < today:
            states[v.number] = VersionState.EXPIRED
        else:
            states[v.number] = VersionState.CURRENT
    latest_current = max((n for n, s in states.items() if s == VersionState.CURRENT), default=None)
    for number, state in states.items():
        if state == VersionState.CURRENT and latest_current is not None and number < latest_current:
            states[number] = VersionState.EXPIRED
    return states


# A sentence shorter than this is too common ("感谢您的理解") to say which version it came from.
MIN_SENTENCE_CHARS = 8
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
_BLANKS = re.compile(r"\s+")


def _compact(text: str) -> str:
    return _BLANKS.sub("", text)


def sentences(text: str) -> list[str]:
    """The sentences of a wording, without blanks, long enough to identify it."""
    parts = (_compact(p) for p in _SENTENCE_END.split(text))
    return [p for p in parts if len(p) >= MIN_SENTENCE_CHARS]


@dataclass(frozen=True)
class WordingText:
    """One version of an approved wording as the check sees it: its texts (the body and every
    channel variant) and its state today."""

    article_key: str
    article_title: str
    version: int
    state: VersionState
    valid_until: dt.date | None
    texts: tuple[str, ...]


@dataclass(frozen=True)
class StaleWording:
    """A sentence of the reply that comes from a version no longer in force."""

    article_key: str
    article_title: str
    version: int
    valid_until: dt.date | None
    sentence: str


def expired_wording_in(reply: str, versions: Iterable[WordingText]) -> list[StaleWording]:
    """The sentences of `reply` taken from expired or superseded wording versions, one per
    version; a sentence that the article's current version still says is not stale."""
    text = _compact(reply)
    if not text:
        return []
    rows = list(versions)
    still_said: dict[str, set[str]] = {}
    for v in rows:
        if v.state == VersionState.CURRENT:
            bucket = still_said.setdefault(v.article_key, set())
            for body in v.texts:
                bucket.update(sentences(body))
    found: list[StaleWording] = []
    for v in rows:
        if v.state != VersionState.EXPIRED:
            continue
        current = still_said.get(v.article_key, set())
        hit = next(
            (s for body in v.texts for s in sentences(body) if s in text and s not in current),
            None,
        )
        if hit is not None:
            found.append(
                StaleWording(v.article_key, v.article_title, v.version, v.valid_until, hit)
            )
    return found


def stale_message(stale: StaleWording) -> str:
    """Why the reply is refused, in the language of the handler's screen."""
    facts = {"title": stale.article_title, "version": stale.version, "quote": stale.sentence[:30]}
    if stale.valid_until is None:
        return (
            _(
                "The reply quotes approved wording “%(title)s” version %(version)s, no longer in "
                "force (“%(quote)s”); use the current version"
            )
            % facts
        )
    return _(
        "The reply quotes approved wording “%(title)s” version %(version)s, no longer in force "
        "(“%(quote)s”, valid until %(until)s); use the current version"
    ) % {**facts, "until": stale.valid_until.isoformat()}


@dataclass(frozen=True)
class DiffPart:
    """One run of the comparison of two texts: unchanged, added or removed."""

    op: str  # "equal" | "insert" | "delete"
    text: str


def wording_diff(old: str, new: str) -> list[DiffPart]:
    """What changed from `old` to `new`, character by character (Chinese has no spaces to split
    words on), as runs for a briefing page to mark up."""
    parts: list[DiffPart] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(DiffPart("equal", old[i1:i2]))
            continue
        if i2 > i1:
            parts.append(DiffPart("delete", old[i1:i2]))
        if j2 > j1:
            parts.append(DiffPart("insert", new[j1:j2]))
    return parts


# ---- reply templates and thanks (R5.4, S1) --------------------------------------------------

# S1's three sentences of thanks: sorry again for the trouble, thank you for your trust, we
# will improve.
THANKS = (
    "再次为此事给您带来的不便深表歉意。",
    "感谢您对我们的信任与支持，您的意见是我们改进工作的动力。",
    "我们将认真总结、改进工作，努力为您提供更好的服务。",
)
THANKS_TEXT = "".join(THANKS)


def greeting(name: str) -> str:
    """How a reply opens: 尊敬的唐小明客户，您好： (尊敬的客户 without a name)."""
    who = f"{name}客户" if name else "客户"
    return f"尊敬的{who}，您好："


@dataclass(frozen=True)
class ReplyFacts:
    """The complaint's facts a reply template may use, already formatted for the customer.
    The API's preview of a template masks the name (staff read it); the complaint page fills
    templates in the browser, as the handler inserts one, with the real name and the form's
    values (`static/tousu/app.js` mirrors `reply_fill`)."""

    number: str
    customer: str  # masked name, or "" when unknown
    category: str
    remedies: str
    amount: str
    received: str
    resolved: str
    today: str
    finding: str = ""

    @property
    def greeting(self) -> str:
        return greeting(self.customer)


# The placeholders a template may use and what they become; `{thanks}` marks where S1's
# thanks go (at the end when a template does not place them).
PLACEHOLDERS: dict[str, str] = {
    "greeting": "尊敬的张*客户，您好：",
    "number": "投诉单号",
    "customer": "客户姓名",
    "finding": "核实结论",
    "category": "投诉类别",
    "remedies": "补救措施",
    "amount": "补偿合计金额（元）",
    "received": "受理日期",
    "resolved": "处理日期",
    "today": "今天的日期",
    "thanks": "致谢语（S1 三句话）",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def reply_fill(body: str, facts: ReplyFacts) -> str:
    """The template with the complaint's facts filled in. Unknown placeholders stay as typed,
    so that a mistake in a template shows instead of vanishing; the thanks are added at the end
    unless the template places them."""
    values = {**asdict(facts), "greeting": facts.greeting, "thanks": THANKS_TEXT}
    filled = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body).strip()
    if "{thanks}" not in body:
        filled = f"{filled}\n{THANKS_TEXT}" if filled else THANKS_TEXT
    return filled


def unknown_placeholders(body: str) -> list[str]:
    """The placeholders of a template that reply_fill does not know."""
    return sorted({m for m in _PLACEHOLDER.findall(body) if m not in PLACEHOLDERS})


def remedies_text(items: Sequence[tuple[str, str]]) -> str:
    """Remedies as the customer reads them: (label, amount or "") → "退款 58.00 元、道歉"."""
    return "、".join(f"{label} {amount} 元" if amount else label for label, amount in items)
