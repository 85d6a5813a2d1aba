"""How the risk terms are read in a sentence (issue 18 item 4): each class of mention that is
not a threat of escalation, beside the threat it must still find. The classes come from the
errors on the hand-labelled sample (bench/risk.py, bench/README.md); the sentences here are
written for the tests, not copied from it. No database."""

from __future__ import annotations

import pytest

from tousu.core.reasons import reason
from tousu.intake.risk import DEFAULT_RISK_TERMS, markers_found

VOCABULARY = [(t, w, r) for t, w, r, _kind in DEFAULT_RISK_TERMS]


def codes(text: str, markers: list[tuple[str, float, str]] | None = None) -> set[str]:
    found = markers_found(text, VOCABULARY if markers is None else markers)
    return {why["code"] if isinstance(why, dict) else why for _w, why in found}


@pytest.mark.parametrize(
    "text",
    [
        "物业经理当面说“你们有本事就去法院告我们”，然后挂了电话",
        "回复里写着“建议通过诉讼途径解决”，我们不接受",
        "该市被评为“媒体艺术之都”",
    ],
)
def test_somebody_elses_quoted_words_are_not_the_writers_threat(text: str) -> None:
    assert codes(text) == set()


def test_a_term_quoted_as_a_name_is_still_a_mention() -> None:
    assert codes("我已经拨打了“12345”热线") == {"risk.marker.city_hotline"}
    assert codes("打了“12345热线”也没人管") == {"risk.marker.city_hotline"}


@pytest.mark.parametrize(
    "text",
    [
        "车祸的医疗费经法院诉讼、执行（2016年8月执行终结），还有一部分没拿到",
        "法院以家庭矛盾为由撤销了我的土地使用证",
        "对方的起诉已被法院驳回",
    ],
)
def test_a_court_case_already_decided_is_history_not_a_threat(text: str) -> None:
    assert codes(text) == set()


def test_an_appeal_or_a_suit_the_writer_means_to_bring_is_a_threat() -> None:
    assert "risk.marker.sue" in codes("一审判决不公，我要上诉")
    assert codes("法院判决后对方还不执行，我准备再起诉") >= {"risk.marker.sue"}
    assert "risk.marker.court" in codes("再不退款我就向法院起诉你们")


@pytest.mark.parametrize(
    "text", ["街道办回复说建议我通过诉讼解决", "您可以向法院起诉", "工作人员劝我去找律师"]
)
def test_advice_given_to_the_writer_is_not_a_threat(text: str) -> None:
    assert codes(text) == set()


@pytest.mark.parametrize(
    "text", ["楼下KTV每晚吵到两点，报警根本不管用", "多次报警都没人处理", "报警后民警来调解过"]
)
def test_a_police_call_reported_is_not_an_escalation(text: str) -> None:
    assert codes(text) == set()


@pytest.mark.parametrize("text", ["再不退钱我就报警", "我要报警，你们这是诈骗", "只好报警了"])
def test_a_police_call_threatened_is(text: str) -> None:
    assert codes(text) == {"risk.marker.police"}


@pytest.mark.parametrize(
    "text",
    [
        "这台相机拍的照片曝光过度",
        "插图像曝光过分的照片",
        "蒙牛又被曝光质量问题",
        "据媒体报道，地铁三号线明年开通",
        "据电视台报道，今年雨水偏多",
    ],
)
def test_a_photographs_exposure_or_news_read_in_the_media_is_not_a_threat(text: str) -> None:
    assert codes(text) == set()


@pytest.mark.parametrize(
    "text", ["再不处理我就找媒体曝光", "我已经联系了电视台的记者", "我们会向媒体反映"]
)
def test_going_to_the_media_is_still_a_threat(text: str) -> None:
    assert codes(text) & {"risk.marker.media", "risk.marker.journalist"}


@pytest.mark.parametrize(
    "text",
    [
        "我们全体业主坚决反对在小区门口建垃圾站",
        "请领导尽快解决。锦江村全体村民 2019年3月2日",
        "我们是阳光小区的全体业主，物业乱收费",
        "恳请批准为盼！附上业主签名",
    ],
)
def test_a_group_that_writes_or_signs_as_one_is_collective_action(text: str) -> None:
    assert codes(text) == {"risk.marker.collective"}


@pytest.mark.parametrize(
    "text",
    [
        "开发商侵占全体业主的利益",
        "全体市民感到非常高兴",
        "村主任叫村民签名同意转让",
    ],
)
def test_a_group_named_without_acting_as_one_is_not(text: str) -> None:
    assert codes(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "如果还不解决，我将向省纪委举报",
        "问题得不到解决，我会一步步向上级部门反映",
        "我们将继续向省级相关部门投诉",
    ],
)
def test_a_threat_to_go_over_the_addressees_head(text: str) -> None:
    assert codes(text) == {"risk.marker.higher_authority"}


@pytest.mark.parametrize(
    "text",
    [
        "请上级部门管一管",
        "恳请上级政府给予补偿",
        "镇长劝我不要向上级反映",
        "我不会向上级部门投诉，只求解决",
    ],
)
def test_asking_the_addressee_or_saying_one_will_not_go_is_no_threat(text: str) -> None:
    assert codes(text) == set()


def test_a_phrase_rule_follows_its_reasons_terms_in_the_vocabulary() -> None:
    """Admins switch a phrase rule off with the terms of its reason, and reweight it with them."""
    text = "我们全体业主坚决反对，如果不解决，我将向省纪委举报"
    without = [m for m in VOCABULARY if m[2] not in ("提到集体行动", "表示要向上级反映")]
    assert codes(text, without) == set()
    reweighted = [("联名", 0.7, "提到集体行动")]
    assert markers_found(text, reweighted) == [(0.7, reason("risk.marker.collective"))]


def test_a_reason_the_terms_gave_is_not_given_again_by_a_phrase() -> None:
    found = markers_found("我们全体业主已经联名写信", VOCABULARY)
    assert found == [(0.4, reason("risk.marker.collective"))]


@pytest.mark.parametrize(
    "text",
    [
        "交通部门再三公开在媒体上强调要建快捷公交",
        "IBM的公关有问题，媒体失去了该有的监督",
        "我从媒体看到公交要调整线路",
        "这家开发商多次被媒体曝光",
    ],
)
def test_the_media_as_a_topic_or_somebody_elses_channel_is_not_a_threat(text: str) -> None:
    assert codes(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "业主们只好叫来电视和报纸等媒体",
        "我们一直在向新闻媒体反映",
        "再不行就通过媒体曝光",
        "这件事曾引起了媒体的广泛报道",
        "欢迎媒体朋友来现场采访",
    ],
)
def test_the_media_the_writer_goes_to_is(text: str) -> None:
    assert "risk.marker.media" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "开发商以公司破产为由联合某律师事务所恶意拖欠工资",
        "银行也都会有自己的律师顾问",
        "请出示原律师函及送达凭据",
    ],
)
def test_somebody_elses_lawyer_is_not_the_writers(text: str) -> None:
    assert codes(text) == set()


@pytest.mark.parametrize(
    "text", ["我咨询了律师，这事能起诉", "我已经请了律师", "我的律师会联系你们"]
)
def test_a_lawyer_the_writer_seeks_is_a_threat(text: str) -> None:
    assert "risk.marker.lawyer" in codes(text)


@pytest.mark.parametrize(
    "text",
    ["因房产纠纷案件的证据上交法院，只好请求救助", "我经常往返于市法院一带"],
)
def test_a_court_as_a_place_or_on_another_matter_is_not_a_threat(text: str) -> None:
    assert codes(text) == set()


@pytest.mark.parametrize(
    "text", ["村民上告法院，法院不立案", "我们准备到法院去告他们", "只好起诉到法院"]
)
def test_a_court_the_writer_takes_the_case_to_is(text: str) -> None:
    assert "risk.marker.court" in codes(text) or "risk.marker.sue" in codes(text)


def test_an_inspection_team_the_addressee_is_asked_to_send_is_a_request() -> None:
    assert codes("请纪委对街道办的违规操作派驻巡视组") == set()
    assert codes("我已经向中央巡视组反映") == {"risk.marker.inspection"}


def test_a_regulator_cited_for_its_rules_is_not_an_appeal() -> None:
    assert codes("这辆车在国家工信部上牌目录内") == set()
    assert codes("按工信部规定，你们要先告知用户") == set()
    assert codes("再不退费我就向工信部投诉") == {"risk.marker.miit"}


def test_a_number_term_in_arithmetic_is_not_a_hotline() -> None:
    assert codes("三个路口的通行能力合计=315，其余方向不受影响") == set()
    assert codes("我已经打了315投诉") == {"risk.marker.315"}


def test_a_term_the_tokenizer_keeps_with_a_locative_is_still_a_word() -> None:
    # jieba reads 微博上 as one word; the term still ends where 上 begins.
    assert codes("微博上已经有很多考生反映了") == {"risk.marker.weibo"}
    assert codes("这台电脑的多媒体上有问题") == set()


def test_going_over_the_head_by_degrees_is_a_threat() -> None:
    assert codes("你们再敷衍的话，只有逐步向上级投诉了") == {"risk.marker.higher_authority"}


def test_a_whole_group_named_as_the_complainant_is_collective() -> None:
    assert codes("投诉人：城西客运线全体车主 联系电话略") == {"risk.marker.collective"}
    assert codes("投诉人：某镇某村村民张三") == set()


def test_the_media_as_a_channel_of_publicity_is_not_a_threat() -> None:
    assert codes("动物园年卡为啥不能通过媒体或者新闻宣传") == set()
    assert "risk.marker.media" in codes("我们会通过媒体曝光此事")


def test_the_central_discipline_commission_is_a_higher_inspection() -> None:
    assert codes("请中央纪委下来明查暗访") == {"risk.marker.inspection"}


# ---- round 4 (lane risk3): the classes of the errors on the second and third fresh samples ----


@pytest.mark.parametrize(
    "text",
    [
        "打电话到12333咨询养老保险怎么转移，一直占线",
        "请问异地就医怎么报销？麻烦解答，12333热线老是打不进",
    ],
)
def test_a_hotline_called_to_ask_a_question_is_not_an_escalation(text: str) -> None:
    assert codes(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "我打12345投诉了三次都没人管",
        "已经向12319举报过多次",
        "拨打12345市民热线后，工作人员只询问了情况",
    ],
)
def test_a_hotline_complained_to_is_still_one(text: str) -> None:
    assert codes(text) & {"risk.marker.city_hotline", "risk.marker.service_hotline"}


def test_the_government_complaint_hotlines_are_in_the_vocabulary() -> None:
    assert codes("已向12365质量投诉热线反映") == {"risk.marker.service_hotline"}
    assert codes("向12319城建热线投诉过") == {"risk.marker.service_hotline"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("我们已向县里递交了请愿书", "risk.marker.collective"),
        ("到区纪委信访室反映过两次", "risk.marker.petition"),
        ("为此我们准备了上访材料", "risk.marker.petition"),
    ],
)
def test_a_term_kept_with_its_document_office_or_event_is_still_a_word(
    text: str, code: str
) -> None:
    assert code in codes(text)


def test_a_reply_calling_the_message_a_petition_item_is_not_a_petition() -> None:
    # 信访件: what an office calls the very message it answers; 件 is no suffix of the term.
    assert codes("收到您的信访件后，我局高度重视") == set()


@pytest.mark.parametrize(
    "text",
    ["希望电视台能够来采访一下", "此事电视台也多次报道过", "请省报等媒体能够跟踪报道"],
)
def test_the_media_asked_or_having_reported_after_an_adverb_or_a_modal(text: str) -> None:
    assert "risk.marker.media" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "媒体报道明年要建新公园",
        "本县网络电视台的视频放不出来",
        "家住广播电视台附近，路灯太亮",
        "最近上传的网络电视台节目总是卡",
    ],
)
def test_a_television_station_as_a_topic_or_a_place_is_not_a_threat(text: str) -> None:
    assert codes(text) == set()


@pytest.mark.parametrize(
    "text", ["这次改造对我们全体居民来说是好事", "为了我们全体员工的安全，请尽快整改"]
)
def test_the_group_as_the_object_or_beneficiary_is_not_acting(text: str) -> None:
    assert codes(text) == set()


def test_the_group_as_the_subject_still_acts() -> None:
    assert codes("我们全体居民请求另选地址") == {"risk.marker.collective"}


@pytest.mark.parametrize(
    "text",
    [
        "以上情况属实。联名人：王大明、李小红、张建国",
        "请求拆除围墙。签名：赵一平，钱二伟，孙三强 2019年5月1日",
        "住户：王先生0000-00000000 李先生0000-00000000 赵女士0000-00000000",
    ],
)
def test_a_letter_signed_by_several_named_people_is_collective(text: str) -> None:
    assert codes(text) == {"risk.marker.collective"}


@pytest.mark.parametrize(
    "text", ["举报人：王大明，联系电话略", "投诉人：李小红，女，汉族", "举报人：王大明、李小红"]
)
def test_one_or_two_named_complainants_are_not(text: str) -> None:
    assert codes(text) == set()


@pytest.mark.parametrize(
    "text", ["问题不解决，我们将维权到底", "我会一直反映到底，绝不妥协", "我们有信心追查到底"]
)
def test_a_vow_to_pursue_the_matter_to_the_end_is_a_threat(text: str) -> None:
    assert codes(text) == {"risk.marker.all_the_way"}


@pytest.mark.parametrize("text", ["请有关部门追查到底", "希望纪委一定追究到底", "我不会上访到底"])
def test_asking_the_addressee_to_pursue_it_or_a_vow_taken_back_is_not(text: str) -> None:
    assert codes(text) == set()
