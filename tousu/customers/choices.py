"""Special-customer types (R2.6, R13.3) and the handling tips shown to whoever handles them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SpecialType(models.TextChoices):
    """The seven difficult-customer types of the complaint-handling guide (S1), and the
    professional complainant (职业投诉人). Blank on the customer means none."""

    IRRITABLE = "irritable", _("Irritable")
    DRUNK = "drunk", _("Drunk")
    DOMINEERING = "domineering", _("Domineering")
    TALKATIVE = "talkative", _("Talkative")
    ARGUMENTATIVE = "argumentative", _("Argumentative")
    RESERVED = "reserved", _("Reserved")
    ODD = "odd", _("Odd")
    PROFESSIONAL = "professional", _("Professional complainant")


# How to handle each type: shown on every complaint of the customer and in the 360° view.
HANDLING_TIPS: dict[str, str] = {
    SpecialType.IRRITABLE: (
        "先让客户把话说完、把情绪发泄出来，不要打断，更不要争辩。"
        "语气保持平和，待客户平静后再逐条确认事实，并明确告知下一步处理和时间。"
    ),
    SpecialType.DRUNK: (
        "客户饮酒后难以理性沟通，不要在此时承诺处理结果或争论是非。"
        "礼貌记录诉求，约定客户清醒后再联系；如有过激行为，注意自身安全并及时报告主管。"
    ),
    SpecialType.DOMINEERING: (
        "客户习惯居高临下，应保持专业和尊重，不卑不亢，不被对方的气势带着走。"
        "多用事实和政策说话，给予客户被重视的感受，同时守住处理标准的底线。"
    ),
    SpecialType.TALKATIVE: (
        "客户说话多、容易跑题，应耐心倾听，但适时用提问把话题引回投诉本身。"
        "及时归纳客户的核心诉求并请其确认，控制沟通时长。"
    ),
    SpecialType.ARGUMENTATIVE: (
        "客户喜欢逐字辩论，不要与其比输赢，避免使用绝对化的说法。"
        "先认同其合理之处，再用条款、单据等书面依据说明，答复口径前后保持一致。"
    ),
    SpecialType.RESERVED: (
        "客户话少、不轻易表达不满，需主动用开放式问题了解真实诉求。"
        "多确认、多复述，不要把沉默当作认可，处理后回访确认是否真正满意。"
    ),
    SpecialType.ODD: (
        "客户的要求或表达方式与众不同，先不要下结论，耐心弄清其真正关心的问题。"
        "在规定范围内灵活处理，超出范围的要求要清楚、礼貌地说明原因。"
    ),
    SpecialType.PROFESSIONAL: (
        "疑似职业投诉人，诉求往往以索赔为目的并熟悉投诉渠道。"
        "严格按处理标准和授权额度办理，不做口头承诺，全程留存证据，答复使用统一口径，必要时报主管。"
    ),
}


class ContactChannel(models.TextChoices):
    """The channels a customer may prefer to be told on (messages.choices.MessageChannel)."""

    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
