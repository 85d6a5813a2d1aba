"""Anonymising free text (R7.1, R12.2): personal data replaced by what kind it was — phone,
ID and bank-card numbers, accounts, e-mail and street addresses, names. A pure function over
text, used where a copy must keep none of it: a case made from a complaint (knowledge) and a
customer anonymised at the end of the retention period (complaints.retention)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tousu.core.pii import pii_replace

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
