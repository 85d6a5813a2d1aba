"""Pure rules of the automatic assessment at intake: the customer's emotion and the risk that a
complaint escalates beyond us (R2.4, R2.6).

Risk terms (工信部, 信访, 12345, 起诉, 媒体, 联名 …; configured by admins as intake.RiskTerm, read
through intake.selectors.risk_markers) are matched as Chinese reads them, not as substrings:

- on word boundaries from the tokenizer (jieba): 媒体 inside 多媒体, 集体 inside 集体土地 and a
  hotline number inside a telephone number (0731-12345) are not mentions;
- not when negated in the same clause just before the term (我不会去工信部, 从未上访);
- not inside a citation: a title in 《》 (《最高人民法院关于…的解释》), a case number
  ((2019)湘01民终123号) or a clause that reports a ruling or a finished case (判决, 撤销,
  执行终结) without a suit of the writer's own; nor inside somebody else's words in quotation
  marks, nor in advice given to the writer (您可以向法院起诉);
- in the sense of escalation only: a police call reported (报警根本不管用) is no threat, nor a
  photograph's 曝光, the news read in the media (据媒体报道), the media as a topic, somebody
  else's lawyer, a court as a place, a regulator cited for its rules (工信部目录);
- not a hotline called to ask a question (打12333咨询), nor a television station as a topic or
  a place (网络电视台的视频); still a term jieba keeps with its document or office (请愿书, 信访室);
- and in phrases a word list cannot hold (PHRASE_RULES): a group writing as one (我们全体业主…,
  a group's signature, a letter signed by three named people), a threat to go over the
  addressee's head (我将向省纪委举报) and a vow to pursue it to the end (维权到底).

How well: bench/risk.py on hand-labelled messages and reviews (figures in bench/README.md).

Emotion: anger is the probability that the text is a complaint, from a model trained on
labelled reviews (intake.emotion, `tousu emotion train`), when one is active; without one, and
for urgency (no labelled data exists for it), distinct cue words on word boundaries count.

Every point of the risk score comes with the reason shown to staff
("提到媒体曝光; 30天内第3次投诉"). The score combines independent signals as a "noisy OR":
each signal i with weight w_i (0..1) leaves a chance (1 - w_i) that the complaint does *not*
escalate, so

    score = 1 - Π (1 - w_i)

which stays in [0, 1], never falls when a signal is added, and is dominated by the strongest one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from django.utils.translation import gettext_lazy, gettext_noop

from tousu.complaints.choices import Channel
from tousu.core import segment
from tousu.core.reasons import Reason, reason, reason_kind, reason_parse

# ---- emotion -----------------------------------------------------------------------------------

# Matched as words (a cue inside a longer word is not one: 垃圾 in 垃圾站), so the forms people
# write as one word are listed too.
ANGER_CUES: tuple[str, ...] = (
    "气死",
    "气死我了",
    "气死人",
    "太过分",
    "忍无可忍",
    "骗子",
    "垃圾",
    "欺诈",
    "坑人",
    "无耻",
    "最后一次",
    "受够了",
    "恶心",
    "流氓",
    "!!",
    "！！",
    # Read on the dev half of the labelled sample (bench/README.md, lane risk3), by class:
    # outrage named (气愤, 令人发指), accusations of the other side's character (黑心, 骗人,
    # 不择手段) and rows of question or mixed marks (？？, ？！) that the formal letters to the
    # board use where reviews write ！！.
    "气愤",
    "愤慨",
    "愤怒",
    "令人发指",
    "岂有此理",
    "无法无天",
    "欺人太甚",
    "黑心",
    "骗人",
    "太坑",
    "下三滥",
    "不择手段",
    "死不悔改",
    "嚣张跋扈",
    "当傻子",
    "??",
    "？？",
    "？！",
    "！？",
)
URGENCY_CUES: tuple[str, ...] = (
    "马上",
    "立刻",
    "立即",
    "尽快",
    "急",
    "今天必须",
    "等不了",
    "耽误工作",
    "赶紧",
)
# Each distinct cue adds this much; three cues are full anger (urgency).
ANGER_PER_CUE = 0.35
URGENCY_PER_CUE = 0.35

# ---- risk weights ------------------------------------------------------------------------------

# Complaints that arrive through an outside authority are already on their way up.
CHANNEL_WEIGHTS: dict[str, tuple[float, str]] = {
    Channel.REGULATOR: (0.5, "risk.regulator"),
    Channel.MEDIA: (0.5, "risk.media"),
    Channel.CONSUMER_ASSOCIATION: (0.35, "risk.consumer_association"),
}
# Full anger (1.0) counts this much; less anger proportionally.
ANGER_WEIGHT = 0.4
# Anger below this is not named among the reasons (one mild word is not "agitated").
ANGER_REASON_MIN = 0.35
# Earlier complaints of the same customer within PRIOR_WINDOW_DAYS: each one adds this much, up
# to PRIOR_WEIGHT_MAX (the 3rd complaint in the window counts 0.3).
PRIOR_WINDOW_DAYS = 30
PRIOR_WEIGHT_PER_COMPLAINT = 0.15
PRIOR_WEIGHT_MAX = 0.45
# A repeat of an unsolved issue (R2.5).
REPEAT_WEIGHT = 0.2
# A professional complainant (职业投诉人, R2.6) escalates as a matter of method.
PROFESSIONAL_WEIGHT = 0.3
SCORE_DIGITS = 2


@dataclass(frozen=True)
class Emotion:
    anger: float
    urgency: float
    cues: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Risk:
    score: float
    # Each a stored reason (tousu.core.reasons); a configured marker nobody declared stays
    # the text the deployment wrote for it.
    reasons: list[Reason | str] = field(default_factory=list)


# ---- reading a term where Chinese puts it -------------------------------------------------------

# Clauses end at these: a negation or a ruling reported in one clause says nothing of the next.
_CLAUSE_END = re.compile(r"[，。！？；,.!?;\n]|\s{2,}")
# Negations that, shortly before a term in its clause, take the threat back (不会去工信部).
# A bare 不 is not one: 再不解决我就去工信部 is a threat.
_NEGATION = re.compile(
    r"不会|不想|不打算|不准备|不愿|不需要|不必|无需|不用|没有去|没去|并未|并没有|从未|从没|不至于|不是要"
)
NEGATION_REACH = 12  # characters before the term that a negation covers
# Citations: a title in 《》, a case number ((2019)湘01民终123号), and a clause that reports a
# court's decision or a finished case (判决, 裁定, 撤销, 驳回, 败诉, 执行终结 …) — the court as
# the actor, a matter already settled — unless the writer in that clause appeals or means to
# sue (上诉, 要起诉, 向法院起诉). A suit that is only reported (经法院诉讼、执行终结) is history.
_TITLE = re.compile(r"《[^》]{0,80}》")
_CASE_NUMBER = re.compile(r"[（(〔【\[]\s*\d{4}\s*[）)〕】\]][^，。；！？\s]{0,30}?号")
_RULING = re.compile(
    r"判决|裁定|判处|判例|撤销|驳回|败诉|胜诉|执行终结|终审|结案|强制执行|法院\S{0,3}执行"
)
_INTENT = r"(?:要|会|将|就|再|去|准备|打算|决定|只能|只好|必须|马上|立即|立刻|一定)"
_OWN_SUIT = re.compile(
    rf"上诉|告他|告到|去告|{_INTENT}\s*(?:去|向法院|到法院)?\s*(?:起诉|提起诉讼|打官司)"
    r"|(?:向|到|请求)法院"
)
# Advice or an option put to the writer (您可以向法院起诉, 建议通过诉讼解决) — usually the
# addressee's reply quoted back — is not the writer's threat.
_ADVICE = re.compile(r"建议|劝|可以|可通过|可向|可依法")
_COURT_TERMS = ("起诉", "诉讼", "上诉", "诉诸法律", "诉之法律", "法院", "律师")
# Quotation: what somebody else said or wrote, cited in “…” or 「…」 (an operator's taunt "你们
# 有本事就去法院告", a reply copied in, a title such as “媒体艺术之都”). A term quoted alone
# or as a name (“12345”, “12345热线”) is still the writer's mention.
_QUOTE = re.compile(r"“([^”]{1,300})”|「([^」]{1,300})」|『([^』]{1,300})』")
_QUOTED_NAME = re.compile(r"(?:服务|政务|投诉|举报)?(?:热线|电话|平台|信箱|热线电话)?")
# Words that hold a term but mention no escalation: a device's alarm, a lawyer's profession,
# media as a kind of file or a trade.
NOT_MENTIONS = (
    "报警音",
    "报警器",
    "报警灯",
    "公职律师",
    "律师资格",
    "律师证",
    "媒体文件",
    "媒体中心",
    "媒体播放",
    "媒体人",
    "媒体艺术",
)
# Terms that are an escalation only as a threat, not as a report of what happened: people call
# the police about noise, a fight or a theft every day (报警根本不管用, 多次报警), which takes no
# complaint anywhere; "我要报警", "再不退钱我就报警" is the threat.
THREAT_ONLY = ("报警",)
_THREAT_BEFORE = re.compile(rf"{_INTENT}\s*(?:选择|去|立即|马上)?\s*$")
# Senses of a term that are not about escalation, read from its clause:
# - 曝光 of a photograph (过分曝光的照片, 曝光补偿) or of somebody else (蒙牛被曝光);
# - the media as a source of news (据媒体报道, 媒体炒作), unless the writer means to go to them.
_MEDIA_TERMS = ("媒体", "新闻媒体", "自媒体", "电视台", "报社", "记者")
_PHOTO = re.compile(
    r"照片|相片|相机|拍照|拍摄|拍了|镜头|成像|画面|像素|对焦|聚焦|白平衡|补偿|过度|过曝|欠曝"
)
_PASSIVE = re.compile(r"被[^，。！？；被]{0,6}$")
# Not what the media are asked to do ("媒体能够跟踪采访报道").
_SOURCE_AFTER = re.compile(
    r"^(?!能够|能|可以|尽快|前来)[^，。！？；]{0,6}?(?:报道|报导|披露|批露|炒作|宣传|称)"
)
_GOING_TO = re.compile(rf"{_INTENT}|找|联系|求助|请")
# Terms that name an institution rather than an act: they are an escalation only where the
# writer goes to it, not where it is the topic, a place or somebody else's.
# - The media: "叫来媒体", "向新闻媒体反映", "通过媒体曝光", "欢迎媒体来报道", "引起了媒体的报道"
#   — not "政府在媒体上公布的", "媒体失去了监督", "从媒体看到" nor "多次被媒体曝光" (somebody
#   else exposed).
# 上 only right before the term (上电视台, 上媒体): further back it is part of another word (上传的
# 网络电视台).
_MEDIA_GOING_BEFORE = re.compile(
    r"(?:(?:找|向|到|上报|上告|叫|请|邀请|求助|联系|通过|送到|送给|告诉|给|让|欢迎|望|希望|呼吁|引起|引来|惊动)"
    r"[^，。！？；]{0,8}|上)$"
)
# What the media do for the writer may come after an adverb or a modal: "媒体能够跟踪采访",
# "电视台也来采访过", "媒体也予以曝光", "几家电视台的多次曝光", "电视台的记者都来过了".
# A bare 报道 after the media is news read (媒体报道三年建三座大桥); after 也, 多次 … it is the
# matter reported ("电视台也多次报道").
_MEDIA_ADVERB = r"(?:也|都|能够|能|可以|尽快|曾经|曾|多次|已经|已|予以|过来|前来|再)"
_MEDIA_ACTING_AFTER = re.compile(
    rf"^的?(?:朋友|记者)?的?(?:{_MEDIA_ADVERB}*(?:帮|来|曝光|采访|跟踪|见证|介入|关注|伸出|报道此事)"
    rf"|{_MEDIA_ADVERB}+报道)"
)
# A television station or a newspaper is an institution too: "网络电视台的新闻视频",
# "广播电视台附近" name it as a topic or a place.
_INSTITUTION_MEDIA = ("媒体", "新闻媒体", "自媒体", "电视台", "报社")
# The media as a channel of publicity (通过媒体或者新闻宣传, 在媒体上公布) rather than of the
# writer's complaint.
_PUBLICITY_AFTER = re.compile(r"^[^，。！？；]{0,8}?(?:宣传|推广|公布|发布|广告)")
# - A lawyer: the writer's ("我咨询了律师", "请律师", "委托律师") — not the other side's law firm
#   ("开发商联合某律师事务所", "银行有自己的律师顾问") nor a lawyer's profession.
_LAWYER_SOUGHT = re.compile(
    r"(?:(?:找|请|聘|聘请|委托|咨询|通过|求助|让)(?:了|过)?(?:个|一个|一位|专业|的)?|我的|我们的)$"
)
# - A court: where the writer takes a case ("向法院起诉", "上告法院", "法院不立案") — not a court
#   as a place, an actor on another matter or a name ("知识产权法院旁", "证据上交法院").
_COURT_GOING_BEFORE = re.compile(
    r"(?:向|到|去|上告|告到|告上|诉至|诉到|起诉到|起诉至|诉诸|状告)[^，。！？；]{0,6}$"
)
_COURT_ACTING_AFTER = re.compile(r"^[^，。！？；]{0,6}?(?:起诉|诉讼|立案|上诉|打官司|告|开庭|受理)")
# - A higher inspection team the addressee is asked to send ("请纪委派驻巡视组") is a request to
#   the addressee, not the writer's appeal over its head.
_SENT = re.compile(r"(?:派|派驻|派出|成立|组建|组织)\s*$")
_INSPECTION = ("督察组", "巡视组")
# - A regulator cited as the source of a rule or a list ("在工信部目录内", "按工信部规定") is a
#   citation, like a law's title — unless the writer appeals to it ("向工信部投诉").
_RULE_AFTER = re.compile(
    r"^[^，。！？；]{0,8}?(?:目录|认证|标准|入网|许可|公告|备案|型号|核准|规定|文件|批准|颁布|发布)"
)
_APPEAL_BEFORE = re.compile(r"(?:向|到|去|找|投诉|申诉|举报|反映|打|拨)[^，。！？；]{0,4}$")
_REGULATORS = ("工信部", "通管局", "通信管理局")
# A hotline called to ask a question ("打电话至12333咨询", "麻烦解答，12333热线打不进") is a
# service used, not a complaint taken over the addressee's head: a hotline term is not a mention
# in a sentence that asks and says nothing of a complaint.
_ASKING = re.compile(r"咨询|解答|请问|问问|打听")  # not 询问: the operator asks too
_COMPLAINING = re.compile(r"投诉|举报|反映|反应|申诉|维权|控告|上告|告状")
_SENTENCE_END = re.compile(r"[。！？!?\n]")
# A number term is a mention only as a number of its own: not 0731-12345 nor 123456, nor a
# figure in arithmetic (…=315).
_NUMBER_NEIGHBOUR = re.compile(r"[0-9０-９\-－a-zA-Z=＝+＋×*/.．%％]")
_LOCATIVE = "上里中内"
# Nor does a term stop being one where the tokenizer keeps it with what names its document, its
# office or its event (请愿书, 联名信, 信访室, 上访事件). Not 件: a reply calls the very message
# it answers a 信访件.
_SUFFIXES = ("事件", "材料", "书", "信", "室", "处", "科")

# ---- phrases that a word list cannot hold --------------------------------------------------------

# Escalation said in a phrase rather than a word; each rule belongs to the reason of vocabulary
# terms (RiskTerm.reason) and is on while an active term with that reason is, at the strongest
# such term's weight — switching a kind of term off in the admin switches its phrases off too.
# - A group that writes as one (a petition signed by a group, the label's "collective action"):
#   "我们全体业主坚决反对", a signature "锦江村全体村民 2019年…", "附上业主签名", "联合签名". Not
#   "全体业主的利益" nor "村民签字同意".
# - A threat to go over the addressee's head: "如果不解决，我将向省纪委举报", "我会一步步向上级
#   部门反映" (a request to the addressee's own superiors, "请上级部门管一管", is no threat).
_GROUP = (
    r"[\u4e00-\u9fff]{0,6}?(?:业主|村民|居民|职工|员工|师生|老师|教师|家长|住户|用户|商户"
    r"|群众|市民|老兵|学生|社员|股东|工人|会员|受买人|购房户|车主|房主|百姓)"
)
# A whole group named as the complainant ("投诉人：某线全体车主"). A letter signed by a group
# without 全体 ("鑫源和城业主", "广大受害业主", "报告人：某村村民") is not counted: the labels
# (bench/README.md) read it as one resident writing, not as collective action.
# What follows a group that signs or demands as one: a demand, a signature's date, the end.
_GROUP_ACTS = (
    r"(?=\s*(?:[，,]?\s*(?:请求|要求|恳请|强烈|坚决|一致|呼吁|联名|签名|坚持|维权|反对|敬上|呈"
    r"|上|特此)|\d{4}\s*年|\d{4}[-./]|$))"
)
# The group as the object or the beneficiary of something ("这对我们全体业主来说", "为了我们…全体
# 社工") is not the group acting.
_GROUP_AS_OBJECT = r"(?<!对)(?<!为)(?<!与)(?<!同)(?<!和)(?<!给)(?<!让)(?<!使)(?<!替)(?<!了)"
# A letter signed by several named people ("签名：李某某，刘某某，陈某某", "举报人：余某、王某、
# 张某", "住户：陈先生 0000… 范先生 0000…"): at least three names, each followed by a separator
# or a telephone number.
_NAMED = r"[\u4e00-\u9fff]{2,4}"
_SIGNED_BY_NAMES = (
    rf"(?:签名|签字|联名人|举报人|投诉人|反映人|住户|业主|村民)[:：]\s*"
    rf"(?:{_NAMED}(?:[\d\-*]+\s*[、，,]?\s*|\s*[、，,]\s*)){{2,}}{_NAMED}"
)
PHRASE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "提到集体行动",
        re.compile(
            rf"{_GROUP_AS_OBJECT}我们(?:是)?[^，。！？；]{{0,12}}?全体{_GROUP}"
            rf"|全体{_GROUP}{_GROUP_ACTS}"
            r"|(?:业主|村民|居民|群众|家长|职工|住户|联合|集体|共同)们?的?签名(?!同意|确认|认可)"
            rf"|(?:投诉人|举报人|反映人|报告人)[:：]\s*[^，。！？；]{{0,20}}?全体{_GROUP}"
            rf"|{_SIGNED_BY_NAMES}"
        ),
    ),
    (
        "表示要向上级反映",
        re.compile(
            r"(?<![不别])(?:将|会|要|准备|打算|继续|不懈|逐级|逐步|一步步|一直|只能|只好|只有|只得"
            r"|必将|决定|逐一)"
            r"[^，。！？；]{0,12}?(?:向|到|去)[^，。！？；]{0,12}?"
            r"(?:上级|省委|省里|省级|省政府|市里|市级|中央|国家|纪委|北京|进京)"
            r"[^，。！？；]{0,16}?(?:投诉|举报|反映|上访|申诉|控告|维权)"
        ),
    ),
    # The writer's vow to pursue the matter to the end (维权到底, 反映到底, 追查到底) — the
    # vocabulary's 投诉到底 said with another verb; not a request that the addressee do so
    # ("请有关部门追查到底") nor a vow taken back ("我不会上访到底"): the clause up to the verb
    # holds neither.
    (
        "表示要投诉到底",
        re.compile(
            r"(?:^|(?<=[，。！？；,.!?;\s]))"
            rf"(?:(?!请|望|要求|责令|务必|{_NEGATION.pattern})[^，。！？；,.!?;])*?"
            r"(?:投诉|反映|反应|维权|举报|上访|申诉|告|追查|追究)到底"
        ),
    ),
)


@functools.lru_cache(maxsize=256)
def _boundaries(text: str) -> tuple[frozenset[int], frozenset[int]]:
    """Where the tokenizer's words start and end."""
    starts, ends = set(), set()
    for _word, start, end in segment.spans(text):  # the cut the search row shares
        starts.add(start)
        ends.add(end)
    return frozenset(starts), frozenset(ends)


def _citations(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _TITLE.finditer(text)]
    for word in NOT_MENTIONS:
        at = text.find(word)
        while at >= 0:
            spans.append((at, at + len(word)))
            at = text.find(word, at + 1)
    spans += [m.span() for m in _CASE_NUMBER.finditer(text)]
    start = 0
    for end in [m.start() for m in _CLAUSE_END.finditer(text)] + [len(text)]:
        clause = text[start:end]
        if _RULING.search(clause) and not _OWN_SUIT.search(clause):
            spans.append((start, end))
        start = end + 1
    return spans


def _clause(text: str, at: int, end: int) -> tuple[str, str]:
    """The parts of the clause around text[at:end]: before it and after it."""
    start = 0
    for m in _CLAUSE_END.finditer(text, 0, at):
        start = m.end()
    stop = _CLAUSE_END.search(text, end)
    return text[start:at], text[end : stop.start() if stop else len(text)]


def _sentence(text: str, at: int, end: int) -> str:
    """The sentence around text[at:end] (clauses joined: a question may sit in the one before)."""
    start = 0
    for m in _SENTENCE_END.finditer(text, 0, at):
        start = m.end()
    stop = _SENTENCE_END.search(text, end)
    return text[start : stop.start() if stop else len(text)]


def _negated(text: str, at: int) -> bool:
    before, _after = _clause(text, at, at)
    return bool(_NEGATION.search(before[-NEGATION_REACH:]))


def _quoted(text: str, term: str, at: int) -> bool:
    """Inside somebody else's words in quotation marks, not a name quoted by itself."""
    for m in _QUOTE.finditer(text):
        if m.start() < at and at + len(term) < m.end():
            inner = next(g for g in m.groups() if g is not None).strip()
            rest = inner.replace(term, "", 1) if inner.startswith(term) else inner
            return not (inner.startswith(term) and _QUOTED_NAME.fullmatch(rest))
    return False


def _other_sense(text: str, term: str, at: int) -> bool:
    """The term read in a sense that is not escalation (see THREAT_ONLY, _PHOTO, _SOURCE_AFTER)."""
    before, after = _clause(text, at, at + len(term))
    if term in THREAT_ONLY and not _THREAT_BEFORE.search(before[-8:]):
        return True
    if term.startswith("123") or term.endswith("热线"):
        sentence = _sentence(text, at, at + len(term))
        if _ASKING.search(sentence) and not _COMPLAINING.search(sentence):
            return True
    if term == "曝光" and (_PASSIVE.search(before) or _PHOTO.search(before + after)):
        return True
    if term in _COURT_TERMS and _ADVICE.search(before):
        return True
    if term in _MEDIA_TERMS:
        if _PUBLICITY_AFTER.match(after):
            return True
        if _MEDIA_GOING_BEFORE.search(before):
            return False
        source = "据" in before or (
            _SOURCE_AFTER.match(after) and not _MEDIA_ACTING_AFTER.match(after)
        )
        if source and not _GOING_TO.search(before[-8:]):
            return True
    if term in _INSTITUTION_MEDIA:
        return not (_MEDIA_ACTING_AFTER.match(after) and not _PASSIVE.search(before))
    if term == "律师":
        return not _LAWYER_SOUGHT.search(before)
    if term == "法院":
        return not (
            _COURT_GOING_BEFORE.search(before)
            or _COURT_ACTING_AFTER.match(after)
            or _OWN_SUIT.search(before + after)
        )
    if term in _INSPECTION and _SENT.search(before):
        return True
    if term in _REGULATORS:
        return bool(_RULE_AFTER.match(after)) and not _APPEAL_BEFORE.search(before)
    return False


def _stands_alone(text: str, term: str, at: int) -> bool:
    end = at + len(term)
    if term.isascii():
        before = text[at - 1] if at else ""
        after = text[end] if end < len(text) else ""
        return not (_NUMBER_NEIGHBOUR.match(before) or _NUMBER_NEIGHBOUR.match(after))
    starts, ends = _boundaries(text)
    # The tokenizer sometimes keeps a locative with the word before it (微博上, 媒体上): the
    # term still ends there as a word.
    merged = end < len(text) and text[end] in _LOCATIVE and end + 1 in ends
    suffixed = any(text.startswith(x, end) and end + len(x) in ends for x in _SUFFIXES)
    return at in starts and (end in ends or merged or suffixed)


def _found(text: str, cues: Iterable[str], *, negation: bool = False) -> list[str]:
    """The cues present in `text` as words of their own, longest first; a cue inside a longer
    one found at the same place is not counted twice ("315" within "12315"). With `negation`
    (risk terms), a cue is not present where it is negated in its clause, cited, quoted from
    somebody else or used in another sense."""
    taken: list[tuple[int, int]] = _citations(text) if negation else []
    found = []
    for cue in sorted({c for c in cues if c}, key=lambda c: (-len(c), c)):
        at = text.find(cue)
        while at >= 0:
            end = at + len(cue)
            free = not any(s < end and at < e for s, e in taken)
            if (
                free
                and _stands_alone(text, cue, at)
                and not (
                    negation
                    and (
                        _negated(text, at) or _quoted(text, cue, at) or _other_sense(text, cue, at)
                    )
                )
            ):
                found.append(cue)
                taken.append((at, end))
                break
            at = text.find(cue, at + 1)
    return found


Marker = tuple[str, float, str]  # (term, weight, the reason's text)


def _default_markers() -> Sequence[Marker]:
    from tousu.intake.selectors import risk_markers

    return risk_markers()


def markers_found(
    text: str, markers: Sequence[Marker] | None = None
) -> list[tuple[float, Reason | str]]:
    """The escalation terms mentioned in `text` (default: the admins' risk terms,
    intake.selectors.risk_markers), each as (weight, reason); for the complaint's risk here and
    the customer's in early warning."""
    table = _default_markers() if markers is None else markers
    weights = {word: (weight, why) for word, weight, why in table}
    found = [
        (weight, _reason_copy(why))
        for weight, why in (weights[word] for word in _found(text, weights, negation=True))
    ]
    return found + _phrases_found(text, table, {str(why) for _w, why in found})


@functools.lru_cache(maxsize=1024)
def _reason_of(why: str) -> Reason | str:
    """`reason_parse` of a risk term's reason text, once per text and process: parsing every
    term's reason (a dozen legacy patterns each) on every registration was a tenth of its
    Python time (issue 19). The reason kinds are all declared at import, before any text is
    read. Shared: `_reason_copy` before it leaves."""
    return reason_parse(why)


def _reason_copy(why: str) -> Reason | str:
    parsed = _reason_of(why)
    if isinstance(parsed, dict):  # the caller may keep and change it; the cached one stays
        return {**parsed, "params": dict(parsed.get("params", {}))}
    return parsed


def _phrases_found(
    text: str, table: Sequence[Marker], already: set[str]
) -> list[tuple[float, Reason | str]]:
    """PHRASE_RULES found in `text`, each at the weight of its reason's strongest active term;
    a reason the terms already gave is not given twice."""
    strongest: dict[str, float] = {}
    for _word, weight, why in table:
        strongest[why] = max(weight, strongest.get(why, 0.0))
    found: list[tuple[float, Reason | str]] = []
    cited = None
    for why, pattern in PHRASE_RULES:
        if why not in strongest:
            continue
        parsed = _reason_copy(why)
        if str(parsed) in already:
            continue
        for m in pattern.finditer(text):
            cited = _citations(text) if cited is None else cited
            inside = any(s <= m.start() < e for s, e in cited)
            if not inside and not _negated(text, m.start()) and not _quoted(text, m[0], m.start()):
                found.append((strongest[why], parsed))
                already.add(str(parsed))
                break
    return found


# How sure the anger model is that a text is a complaint, 0..1 (intake.emotion.AngerModel).
AngerScorer = Callable[[str], float]


class _Default:
    pass


DEFAULT: Final = _Default()
# With a model, a cue word counts as anger only in a text the model reads as a complaint at
# least this surely: it tells an insult from the same word used of a thing or in quotation.
# Measured on the hand-labelled sample (bench/risk.py, bench/README.md): the model alone reads
# negativity, not anger (precision 0.51). The model, trained on reviews, reads the formal
# letters to the government board as hardly negative, so a high bar (0.7) threw away most of
# their anger (recall 0.10 on them); 0.4 is the bar with the best F1 on the sample's dev half
# (tried 0.0 … 0.7 by tenths), and on the test half it keeps precision near (0.82 -> 0.79)
# while recall rises (0.46 -> 0.56, with the cue words added in the same round).
ANGER_CONFIRM = 0.4


def _default_scorer() -> AngerScorer | None:
    from tousu.intake.selectors import anger_scorer

    return anger_scorer()


def emotion(text: str, scorer: AngerScorer | _Default | None = DEFAULT) -> Emotion:
    """Anger and urgency (0..1) from the distinct cue words the text uses as words. With an
    anger model (`scorer`; default the active intake.EmotionModel) the anger words count only
    when the model reads the whole text as a complaint (ANGER_CONFIRM). The cue words found are
    kept either way, to show staff what was read."""
    model = _default_scorer() if isinstance(scorer, _Default) else scorer
    anger_cues = _found(text, ANGER_CUES)
    urgency_cues = _found(text, URGENCY_CUES)
    anger = min(1.0, ANGER_PER_CUE * len(anger_cues))
    if anger and model is not None and model(text) < ANGER_CONFIRM:
        anger = 0.0
    return Emotion(
        anger=round(anger, SCORE_DIGITS),
        urgency=round(min(1.0, URGENCY_PER_CUE * len(urgency_cues)), SCORE_DIGITS),
        cues=anger_cues + urgency_cues,
    )


def risk(
    text: str,
    channel: str,
    prior_count_30d: int,
    repeat: bool,
    *,
    professional: bool = False,
    markers: Sequence[Marker] | None = None,
    scorer: AngerScorer | _Default | None = DEFAULT,
    feeling: Emotion | None = None,
) -> Risk:
    """The escalation risk of a complaint, 0..1, with its reasons in the order of their weight.

    `prior_count_30d` counts the customer's *earlier* complaints in the last PRIOR_WINDOW_DAYS
    (this one not included); `markers` defaults to the admins' risk terms and `scorer` to the
    active emotion model (see `emotion`). `feeling`: `emotion(text, scorer)` when the caller
    has it already (registration keeps it too: read once, not twice).
    """
    signals = markers_found(text, markers)
    if channel in CHANNEL_WEIGHTS:
        weight, code = CHANNEL_WEIGHTS[channel]
        signals.append((weight, reason(code)))
    anger = (emotion(text, scorer) if feeling is None else feeling).anger
    if anger > 0:
        agitated = reason("risk.agitated") if anger >= ANGER_REASON_MIN else ""
        signals.append((ANGER_WEIGHT * anger, agitated))
    if prior_count_30d > 0:
        weight = min(PRIOR_WEIGHT_MAX, PRIOR_WEIGHT_PER_COMPLAINT * prior_count_30d)
        prior = reason("risk.prior", n=prior_count_30d + 1, days=PRIOR_WINDOW_DAYS)
        signals.append((weight, prior))
    if repeat:
        signals.append((REPEAT_WEIGHT, reason("risk.repeat")))
    if professional:
        signals.append((PROFESSIONAL_WEIGHT, reason("risk.professional")))
    remaining = 1.0
    for weight, _reason in signals:
        remaining *= 1.0 - max(0.0, min(1.0, weight))
    reasons: list[Reason | str] = []
    for _weight, why in sorted(signals, key=lambda s: -s[0]):
        if why and why not in reasons:
            reasons.append(why)
    return Risk(score=round(1.0 - remaining, SCORE_DIGITS), reasons=reasons)


# ---- the reasons, in the reader's language (tousu.core.reasons) --------------------------------
# Rows written before codes hold the Chinese text; `legacy` reads it back.

# Keyed by the reason text of the default risk terms (DEFAULT_RISK_TERMS): a marker's
# reason is stored as its code; the code, not the order here, is what rows keep.
MARKER_REASONS = {
    "提到向工信部申诉": ("miit", gettext_noop("Mentions an appeal to the MIIT")),
    "提到向通管局申诉": (
        "administration",
        gettext_noop("Mentions an appeal to the communications administration"),
    ),
    "提到12300申诉热线": ("12300", gettext_noop("Mentions the 12300 appeal hotline")),
    "提到315投诉": ("315", gettext_noop("Mentions a 315 complaint")),
    "提到12315": ("12315", gettext_noop("Mentions 12315")),
    "提到媒体曝光": ("media", gettext_noop("Threatens to go to the media")),
    "提到找记者": ("journalist", gettext_noop("Threatens to call a journalist")),
    "提到在微博发布": ("weibo", gettext_noop("Threatens to post on Weibo")),
    "提到在抖音发布": ("douyin", gettext_noop("Threatens to post on Douyin")),
    "提到律师": ("lawyer", gettext_noop("Mentions a lawyer")),
    "提到起诉": ("sue", gettext_noop("Threatens to sue")),
    "提到法院": ("court", gettext_noop("Mentions a court")),
    "提到报警": ("police", gettext_noop("Threatens to call the police")),
    "表示要投诉到底": ("all_the_way", gettext_noop("Says they will complain all the way")),
    "提到消协": ("consumer_association", gettext_noop("Mentions the consumer association")),
    "提到信访/上访": ("petition", gettext_noop("Mentions a petition to the authorities")),
    "提到市长热线/12345": ("city_hotline", gettext_noop("Mentions the city hotline (12345)")),
    "提到政府服务热线": (
        "service_hotline",
        gettext_noop("Mentions a government service hotline"),
    ),
    "提到集体行动": (
        "collective",
        gettext_noop("Mentions collective action (a joint or group petition)"),
    ),
    "提到上级督察": ("inspection", gettext_noop("Mentions a higher inspection team")),
    "表示要向上级反映": (
        "higher_authority",
        gettext_noop("Threatens to take it to a higher authority"),
    ),
}

# The vocabulary a new installation starts with (migration intake 0006 seeds intake.RiskTerm
# from a copy of it; admins change it there): (term, weight, the reason's text, kind).
DEFAULT_RISK_TERMS: tuple[tuple[str, float, str, str], ...] = (
    ("工信部", 0.5, "提到向工信部申诉", "regulator"),
    ("通管局", 0.5, "提到向通管局申诉", "regulator"),
    ("通信管理局", 0.5, "提到向通管局申诉", "regulator"),
    ("12300", 0.5, "提到12300申诉热线", "regulator"),
    ("督察组", 0.4, "提到上级督察", "regulator"),
    ("巡视组", 0.4, "提到上级督察", "regulator"),
    ("中央纪委", 0.4, "提到上级督察", "regulator"),
    ("中纪委", 0.4, "提到上级督察", "regulator"),
    ("信访", 0.45, "提到信访/上访", "petition"),
    ("信访局", 0.45, "提到信访/上访", "petition"),
    ("信访办", 0.45, "提到信访/上访", "petition"),
    ("上访", 0.5, "提到信访/上访", "petition"),
    ("闹访", 0.5, "提到信访/上访", "petition"),
    ("诉访", 0.45, "提到信访/上访", "petition"),
    ("越级上访", 0.5, "提到信访/上访", "petition"),
    ("逐级上访", 0.5, "提到信访/上访", "petition"),
    ("越级投诉", 0.4, "表示要向上级反映", "regulator"),
    ("越级反映", 0.4, "表示要向上级反映", "regulator"),
    ("12345", 0.35, "提到市长热线/12345", "hotline"),
    ("市长热线", 0.35, "提到市长热线/12345", "hotline"),
    ("市民热线", 0.35, "提到市长热线/12345", "hotline"),
    ("12328", 0.3, "提到政府服务热线", "hotline"),
    ("12369", 0.3, "提到政府服务热线", "hotline"),
    ("12333", 0.3, "提到政府服务热线", "hotline"),
    ("12358", 0.3, "提到政府服务热线", "hotline"),
    ("12320", 0.3, "提到政府服务热线", "hotline"),
    ("12319", 0.3, "提到政府服务热线", "hotline"),
    ("12365", 0.3, "提到政府服务热线", "hotline"),
    ("12331", 0.3, "提到政府服务热线", "hotline"),
    ("12336", 0.3, "提到政府服务热线", "hotline"),
    ("12366", 0.3, "提到政府服务热线", "hotline"),
    ("12388", 0.3, "提到政府服务热线", "hotline"),
    ("12318", 0.3, "提到政府服务热线", "hotline"),
    ("315", 0.35, "提到315投诉", "consumer"),
    ("12315", 0.35, "提到12315", "consumer"),
    ("消协", 0.35, "提到消协", "consumer"),
    ("消费者协会", 0.35, "提到消协", "consumer"),
    ("起诉", 0.4, "提到起诉", "court"),
    ("诉讼", 0.4, "提到起诉", "court"),
    ("上诉", 0.4, "提到起诉", "court"),
    ("诉诸法律", 0.4, "提到起诉", "court"),
    ("诉之法律", 0.4, "提到起诉", "court"),
    ("法院", 0.4, "提到法院", "court"),
    ("律师", 0.4, "提到律师", "court"),
    ("报警", 0.35, "提到报警", "court"),
    ("媒体", 0.4, "提到媒体曝光", "media"),
    ("自媒体", 0.4, "提到媒体曝光", "media"),
    ("曝光", 0.4, "提到媒体曝光", "media"),
    ("新闻媒体", 0.4, "提到媒体曝光", "media"),
    ("电视台", 0.4, "提到媒体曝光", "media"),
    ("报社", 0.4, "提到媒体曝光", "media"),
    ("记者", 0.4, "提到找记者", "media"),
    ("微博", 0.3, "提到在微博发布", "media"),
    ("抖音", 0.3, "提到在抖音发布", "media"),
    ("联名", 0.4, "提到集体行动", "collective"),
    ("联名信", 0.4, "提到集体行动", "collective"),
    ("联合签名", 0.4, "提到集体行动", "collective"),
    ("集体签名", 0.4, "提到集体行动", "collective"),
    ("集体上访", 0.5, "提到集体行动", "collective"),
    ("群体上访", 0.5, "提到集体行动", "collective"),
    ("集体投诉", 0.4, "提到集体行动", "collective"),
    ("集体维权", 0.4, "提到集体行动", "collective"),
    ("集体请求", 0.4, "提到集体行动", "collective"),
    ("请愿", 0.4, "提到集体行动", "collective"),
    ("投诉到底", 0.3, "表示要投诉到底", "persist"),
)
for _text, (_slug, _msgid) in MARKER_REASONS.items():
    reason_kind(f"risk.marker.{_slug}", _msgid, legacy=re.escape(_text))
reason_kind("risk.regulator", gettext_lazy("Forwarded by the regulator"), legacy="由监管部门转来")
reason_kind("risk.media", gettext_lazy("Forwarded by the media"), legacy="由媒体转来")
reason_kind(
    "risk.consumer_association",
    gettext_lazy("Forwarded by the consumer association / 12315"),
    legacy="由消协/12315转来",
)
reason_kind("risk.agitated", gettext_lazy("The customer is agitated"), legacy="客户情绪激动")
reason_kind(
    "risk.prior",
    gettext_lazy("Complaint no. %(n)s within %(days)s days"),
    legacy=r"(?P<days>\d+)天内第(?P<n>\d+)次投诉",
)
reason_kind("risk.repeat", gettext_lazy("Repeat complaint"), legacy="重复投诉")
reason_kind("risk.professional", gettext_lazy("Professional complainant"), legacy="职业投诉人")


# ---- risk over the complaint's life (R10.2, issue 15) -----------------------------------------

# What happened since registration, each a further chance that the complaint escalates.
OVERDUE_WEIGHT = 0.25
TRANSFERS_FROM = 2  # one transfer is routine; a complaint passed around twice is not
TRANSFER_WEIGHT = 0.15
REOPENED_WEIGHT = 0.3
DISSATISFIED_WEIGHT = 0.3
REPEATED_BY_WEIGHT = 0.25


@dataclass(frozen=True)
class Life:
    """What has happened to a complaint since registration that changes its risk."""

    overdue: bool = False
    transfers: int = 0
    reopened: int = 0
    dissatisfied_callbacks: int = 0
    repeated_by: int = 0  # later complaints of the customer about the same problem
    notes: tuple[str, ...] = ()  # the staff's notes of what the customer said since


def risk_over_life(
    base_score: float,
    base_reasons: Sequence[Reason | str],
    life: Life,
    *,
    markers: Sequence[Marker] | None = None,
    scorer: AngerScorer | _Default | None = DEFAULT,
) -> Risk:
    """The registration's risk (score and reasons, from the `registered` event) with what the
    complaint's life added, combined by the same noisy OR; the reasons strongest first, the
    registration's before new ones of the same weight."""
    signals: list[tuple[float, Reason | str]] = []
    if life.overdue:
        signals.append((OVERDUE_WEIGHT, reason("risk.overdue")))
    if life.transfers >= TRANSFERS_FROM:
        signals.append((TRANSFER_WEIGHT, reason("risk.transferred", n=life.transfers)))
    if life.reopened:
        signals.append((REOPENED_WEIGHT, reason("risk.reopened", n=life.reopened)))
    if life.dissatisfied_callbacks:
        signals.append((DISSATISFIED_WEIGHT, reason("risk.dissatisfied_callback")))
    if life.repeated_by:
        signals.append((REPEATED_BY_WEIGHT, reason("risk.repeated_by", n=life.repeated_by)))
    said = "\n".join(life.notes)
    signals += markers_found(said, markers)
    anger = emotion(said, scorer).anger if said.strip() else 0.0
    if anger >= ANGER_REASON_MIN:
        signals.append((ANGER_WEIGHT * anger, reason("risk.agitated_since")))
    remaining = 1.0 - max(0.0, min(1.0, base_score))
    for weight, _why in signals:
        remaining *= 1.0 - max(0.0, min(1.0, weight))
    reasons: list[Reason | str] = list(base_reasons)
    for _weight, why in sorted(signals, key=lambda s: -s[0]):
        if why and why not in reasons:
            reasons.append(why)
    return Risk(score=round(1.0 - remaining, SCORE_DIGITS), reasons=reasons)


reason_kind("risk.overdue", gettext_lazy("Past its time limit"))
reason_kind("risk.transferred", gettext_lazy("Transferred %(n)s times"))
reason_kind("risk.reopened", gettext_lazy("Reopened %(n)s times"))
reason_kind("risk.dissatisfied_callback", gettext_lazy("Dissatisfied at the callback"))
reason_kind("risk.repeated_by", gettext_lazy("The customer complained again (%(n)s)"))
reason_kind("risk.agitated_since", gettext_lazy("The customer has grown agitated since"))
