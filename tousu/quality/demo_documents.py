"""The demo's complaint-management manual (issue 16, R12.1), written after S0's structure of a
manual (方针, 目标, 职责, 程序, 赔偿标准, 回访规范) and coherent with how the system works: the
time limits of the SLA policies, the callback within 48 hours, the standard clauses. The
callback rule has two versions (the first allowed 72 hours). Some staff have read the
versions in force, others not yet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from tousu.accounts.models import Department, User
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.quality import services
from tousu.quality.models import ControlledDocument


@dataclass(frozen=True)
class Version:
    text: str
    change_note: str
    days_ago: int  # effective from, before the demo's today
    review_in_days: int  # review by, after the demo's today


@dataclass(frozen=True)
class Document:
    code: str
    title: str
    kind: str
    versions: tuple[Version, ...]
    roles: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()


POLICY = "\n\n".join(
    (
        "本公司把每一次投诉视为改进服务的机会。凡客户对我们的产品、服务或投诉处理过程"
        "本身表示的任何不满，无论正确与否，都按投诉受理、登记和处理，不推诿、不拖延。",
        "投诉处理遵循“客户为先、首问负责、公平一致、及时闭环、持续改进”的原则：首个"
        "接触客户的员工对投诉负责到底；同样的情形按同样的标准条款处理；每一件投诉都有"
        "答复、有回访、有记录。",
        "管理层定期评审投诉数据，找出问题产生的根源，从预防问题发生的角度改进业务流程"
        "和政策，而不仅仅是处理完单件投诉。",
    )
)

OBJECTIVES = "\n\n".join(
    (
        "年度投诉管理目标如下，按月统计、按季度在管理评审中对照：",
        "一、普通投诉首次响应不超过4小时，重要投诉不超过2小时，重大及越级投诉不超过"
        "1小时；及时响应率不低于98%。",
        "二、普通投诉72小时内答复，重要投诉48小时内，重大及越级投诉24小时内；按时结案率不低于95%。",
        "三、回访满意率（满意与基本满意）不低于90%；30天内重复投诉率低于5%；越"
        "级投诉万投比逐季下降。",
    )
)

RESPONSIBILITIES = "\n\n".join(
    (
        "客服中心一线人员：受理登记投诉，在授权额度内首问解决；不能当场解决的，准确分类并派单。",
        "责任部门处理人员：接单后在时限内调查核实、按标准条款提出补救措施并答复客户；"
        "超出授权额度的补偿提交审批。",
        "部门主管及部门负责人：审批超额补偿，督办超时投诉，对本部门的纠正预防措施负责。",
        "投诉管理办公室（质检）：质检抽查、一致性检查、受控文件的编写与评审、纠正预防"
        "措施的立项与效果验证，向管理评审报告。",
    )
)

PROCEDURE = "\n\n".join(
    (
        "一、受理：任何渠道收到的投诉当即登记，记录客户诉求，告知客户投诉编号和答复时限。",
        "二、派单：系统按类别和技能自动派单；分类不清的由分拣人员在首次响应时限内完成"
        "分类。退单须写明理由。",
        "三、调查与处理：处理人员核实事实、留存证据，对照标准条款确定补救措施；补偿超"
        "出本人授权额度的，提交上级审批，审批期间暂停计时。",
        "四、答复与结案：答复使用统一口径，说明核实结果、原因和补救措施；客户接受后结案。",
        "五、回访：结案后按《投诉回访工作规范》回访；客户不满意的，重开投诉或转入不满意客户修复。",
    )
)

COMPENSATION = "\n\n".join(
    (
        "补偿以标准条款为准：同一情形适用同一条款，条款写明补救措施的种类和金额的计算"
        "方法（按争议金额、按故障天数或固定金额）。",
        "处理人员在本人授权额度内按条款给予补偿；超出额度的，依次由主管、部门负责人审"
        "批。条款未规定的补偿种类，不得自行给予，确有必要的须写明理由并报审批。",
        "补偿金额以客户实际损失为限，不以客户投诉的激烈程度或投诉渠道为依据；赔偿记录"
        "随投诉归档，纳入一致性检查。",
    )
)

CALLBACK_V1 = "\n\n".join(
    (
        "结案后72小时内完成回访，询问客户对处理时效、服务态度、解决方案和办理便捷程"
        "度的评价（1至5分）及总体满意度。",
        "回访未接通的，换一个时段再拨，共拨打三次仍未接通的记为联系不上。",
        "客户表示不满意的，回访人员记录原因，由原处理部门重新处理。",
    )
)

CALLBACK_V2 = "\n\n".join(
    (
        "结案后48小时内完成回访，询问客户对处理时效、服务态度、解决方案和办理便捷程"
        "度的评价（1至5分）及总体满意度。",
        "回访未接通的，换一个时段再拨，共拨打三次仍未接通的记为联系不上，并转入不满意"
        "客户修复名单。",
        "客户表示不满意的，回访人员记录原因，当场选择重开投诉或转入不满意客户修复；同"
        "一客户30天内再次不满意的，报部门负责人督办。",
    )
)

MANUAL: tuple[Document, ...] = (
    Document(
        "QM-01",
        "投诉管理方针",
        "policy",
        (Version(POLICY, "首次发布", 300, 65),),
    ),
    Document(
        "QM-02",
        "投诉管理目标",
        "objectives",
        (Version(OBJECTIVES, "首次发布：年度目标", 280, 20),),
        roles=("supervisor", "dept_head", "quality", "admin"),
    ),
    Document(
        "QM-03",
        "投诉管理职责",
        "responsibilities",
        (Version(RESPONSIBILITIES, "首次发布", 280, 85),),
    ),
    Document(
        "QP-01",
        "投诉处理程序",
        "procedure",
        (Version(PROCEDURE, "首次发布", 260, 100),),
        roles=("agent", "handler", "supervisor", "dept_head"),
    ),
    Document(
        "QS-01",
        "投诉补偿标准",
        "standard",
        (Version(COMPENSATION, "首次发布", 240, -3),),
        roles=("handler", "supervisor", "dept_head"),
    ),
    Document(
        "QR-01",
        "投诉回访工作规范",
        "rule",
        (
            Version(CALLBACK_V1, "首次发布", 200, 165),
            Version(
                CALLBACK_V2,
                "回访时限由72小时缩短为48小时；联系不上和不满意的客户转入修复",
                25,
                340,
            ),
        ),
        roles=("agent", "quality", "supervisor"),
    ),
)
# Who read each version while it was in force (the others in force are on the "not yet" list).
READ_BY: dict[str, tuple[tuple[str, ...], ...]] = {
    "QM-01": (("agent1", "handler_billing", "handler_network", "supervisor_billing", "quality1"),),
    "QM-02": (("supervisor_billing", "head_billing", "quality1"),),
    "QM-03": (("handler_billing", "handler_broadband", "quality1", "admin"),),
    "QP-01": (("agent1", "agent2", "handler_billing", "handler_billing2", "supervisor_cs"),),
    "QS-01": (("handler_billing", "supervisor_billing"),),
    "QR-01": (("agent1", "agent2", "quality1", "supervisor_cs"), ("agent1", "quality1")),
}


def _day(now: dt.datetime, days: int) -> dt.date:
    return clock.local(now).date() + dt.timedelta(days=days)


def documents_demo_load(now: dt.datetime) -> int:
    """The manual, its versions and the acknowledgements; returns how many documents were
    made (none when present already or the demo's quality staff are missing)."""
    if ControlledDocument.objects.exists() or not User.objects.filter(username="quality1").exists():
        return 0
    quality, admin = User.objects.get(username="quality1"), User.objects.get(username="admin")
    with transaction.atomic():
        for sort, spec in enumerate(MANUAL):
            doc = ControlledDocument.objects.create(
                code=spec.code, title=spec.title, kind=spec.kind, roles=list(spec.roles), sort=sort
            )
            if spec.departments:
                doc.departments.set(Department.objects.filter(code__in=spec.departments))
            for number, v in enumerate(spec.versions):
                effective = _day(now, -v.days_ago)
                approved = dt.datetime.combine(
                    effective - dt.timedelta(days=3), dt.time(10), tzinfo=SHANGHAI
                )
                with clock.frozen(approved):
                    services.document_version_issue(
                        document=doc, actor=admin, author=quality, text=v.text,
                        change_note=v.change_note, effective_from=effective,
                        review_by=_day(now, v.review_in_days),
                    )  # fmt: skip
                # It came into force on its day, as the job does, and was read in the days after.
                with clock.frozen(dt.datetime.combine(effective, dt.time(1), tzinfo=SHANGHAI)):
                    services.documents_activate()
                readers = READ_BY.get(spec.code, ())
                for i, username in enumerate(readers[number] if number < len(readers) else ()):
                    reader = User.objects.filter(username=username).first()
                    read_at = dt.datetime.combine(
                        effective + dt.timedelta(days=1 + i), dt.time(15), tzinfo=SHANGHAI
                    )
                    if reader is not None and read_at < now:
                        with clock.frozen(read_at):
                            services.document_acknowledge(document=doc, user=reader)
    return len(MANUAL)
