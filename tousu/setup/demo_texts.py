"""Chinese complaint texts for the demo data, written for this project.

Every leaf category of `reference.CATEGORIES` has a handful of templates in the voice of a
customer talking to a hotline agent or typing into the app. `demo_complaint` picks a category
(weighted like a real operator's complaint mix unless one is given), fills a template with slot
values and adds the odd greeting, complaint or threat to escalate. Everything is driven by the
`random.Random` passed in, so a seed always gives the same demo.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from decimal import Decimal

from tousu.accounts.reference import REGIONS
from tousu.setup.reference import CATEGORIES


@dataclass(frozen=True)
class DemoComplaint:
    category: str
    content: str
    demand: str
    channel: str


def _leaf_codes() -> tuple[str, ...]:
    codes = [row.code for row in CATEGORIES]
    return tuple(c for c in codes if not any(o.startswith(c + ".") for o in codes))


LEAF_CATEGORIES: tuple[str, ...] = _leaf_codes()
CATEGORY_NAMES: dict[str, str] = {row.code: row.name for row in CATEGORIES}

# Relative weight of each leaf: billing and network dominate, security is rare.
CATEGORY_WEIGHTS: dict[str, float] = {
    "network.coverage": 9,
    "network.data_speed": 8,
    "network.call_quality": 4,
    "network.broadband_outage": 7,
    "billing.unexplained_charge": 10,
    "billing.tariff_dispute": 7,
    "billing.value_added": 8,
    "billing.roaming": 3,
    "marketing.false_advertising": 4,
    "marketing.mis_sold": 5,
    "marketing.promotion_not_honoured": 4,
    "service.attitude": 4,
    "service.hotline_access": 3,
    "service.store": 3,
    "service.promise_broken": 3,
    "business.broadband_install": 4,
    "business.number_porting": 2,
    "business.cancellation": 3,
    "business.real_name": 2,
    "device.handset": 3,
    "device.router": 2,
    # Together the weight nuisance calls had before fraud was split off: the other categories
    # keep their share, and a seed its demo.
    "security.harassment": 1.0,
    "security.fraud": 0.5,
    "security.privacy": 0.5,
}

CHANNEL_WEIGHTS: dict[str, float] = {
    "hotline": 45,
    "app": 15,
    "store": 10,
    "web": 8,
    "wechat": 8,
    "regulator": 5,
    "email": 3,
    "sms": 2,
    "consumer_association": 2,
    "letter": 1,
    "media": 1,
}

# ---------------------------------------------------------------------------------------------
# Slot values
# ---------------------------------------------------------------------------------------------

_AMOUNTS = ("58元", "19.9元", "30元", "10元", "128元", "36元", "15元", "99元", "45.5元", "80多块")
_SMALL_AMOUNTS = ("5元", "6元", "9.9元", "10元", "15元", "3元", "8元", "20元")
_BIG_AMOUNTS = ("300多元", "1200元", "860元", "2000多块", "560元", "1580元", "四百多块")
_PLACES = (
    "家里客厅",
    "公司楼下",
    "卧室",
    "地下车库",
    "小区电梯里",
    "办公室",
    "学校宿舍",
    "厂里车间",
    "地铁站里",
    "商场负一楼",
)
_PLANS = (
    "5G畅享套餐129元",
    "5G智享套餐199元",
    "畅享套餐59元",
    "融合套餐169元",
    "大流量卡39元",
    "校园卡29元",
    "4G飞享套餐38元",
    "5G全家享套餐239元",
)
_VAS = (
    "视频彩铃包",
    "视频会员",
    "手机报",
    "来电提醒",
    "游戏包",
    "云盘会员",
    "音乐会员",
    "手机安全管家",
    "阅读包月",
    "彩信天气预报",
)
# How long the customer says it has been, and the days it means: the outage or delay a
# per-day remedy is worked out from, and how far back a date the text names lies.
DURATION_DAYS: dict[str, int] = {
    "三天": 3,
    "一个多星期": 8,
    "两个月": 60,
    "半个多月": 16,
    "好几天": 4,
    "一个多月": 35,
    "五六天": 5,
    "十来天": 10,
}
_DURATIONS = tuple(DURATION_DAYS)
_HOURS = ("两个小时", "四十多分钟", "半个多小时", "一个多小时")
_STORES = (
    "新街口营业厅",
    "观前街营业厅",
    "湖滨路营业厅",
    "建设路营业厅",
    "万达广场营业厅",
    "火车站营业厅",
    "人民路自营厅",
    "中山北路营业厅",
)
_BRANDS = ("华为Mate60", "iPhone 15", "小米14", "OPPO Reno11", "vivo X100", "荣耀90", "千元机")
_COUNTRIES = ("日本", "泰国", "香港", "澳门", "新加坡", "韩国", "马来西亚", "欧洲")
_DATA = ("20G", "30G", "40G", "60G", "100G")
_SPEEDS = ("300M", "500M", "1000M", "200M")  # a broadband speed when no plan is given
# The bundle the demo puts a customer on who complains of broadband without having it at home
# (setup.demo): the speed their texts name is its speed.
BROADBAND_PLAN = "融合套餐169元（含千兆宽带）"
_PLAN_SPEED = re.compile(r"千兆|百兆|\d+\s*[MmGg](?:bps)?(?=宽带|光纤|）|\)|套餐|$)")
_TIMES = ("三次", "四五次", "好几次", "七八次", "不下十次")
_GIFTS = ("200元话费", "一台路由器", "视频会员年卡", "5G流量包", "一箱食用油", "蓝牙耳机")
_STAFF = ("一个女客服", "接电话的男客服", "那个客服", "一个年轻的客服")
_RELATIVES = ("我妈", "我爸", "家里老人", "我外婆", "我爷爷")


def plan_speed(plan: str) -> str:
    """The broadband speed a plan's name holds, as a customer says it ("融合套餐169元（含千兆
    宽带）" → "千兆", "家庭宽带300M套餐88元" → "300M"); "" for a plan without broadband."""
    found = _PLAN_SPEED.search(plan)
    return found.group(0).replace(" ", "").upper() if found and "宽带" in plan else ""


def _day_text(day: dt.date, suffix: str) -> str:
    return f"{day.month}月{day.day}{suffix}"


def _slots(rng: random.Random, received: dt.date | None = None) -> dict[str, str]:
    """Draw every slot once, in a fixed order, so one seed gives one text. With the day the
    complaint is `received`, the dates it names lie before it: the day something started is
    as long ago as the text says it has been ("6月24号…现在过去半个多月了" on 12-06 was not),
    any other a few days back, and "N月份" is this month or the one before."""
    numbered = rng.randint(1, 12)
    month = rng.choice(("上个月", "这个月", f"{numbered}月份"))
    region = rng.choice(REGIONS).name
    amounts = rng.choice(_AMOUNTS), rng.choice(_SMALL_AMOUNTS), rng.choice(_BIG_AMOUNTS)
    suffix = rng.choice(("日", "号", "号"))
    month_drawn, day_drawn = rng.randint(1, 12), rng.randint(1, 28)
    duration = ""
    slots = {
        "amount": amounts[0],
        "amount_small": amounts[1],
        "amount_big": amounts[2],
        "date": f"{month_drawn}月{day_drawn}{suffix}",
        "month": month,
        "place": rng.choice(_PLACES),
        "plan": rng.choice(_PLANS),
        "vas": rng.choice(_VAS),
        "duration": (duration := rng.choice(_DURATIONS)),
        "hours": rng.choice(_HOURS),
        "store": rng.choice(_STORES),
        "brand": rng.choice(_BRANDS),
        "country": rng.choice(_COUNTRIES),
        "data": rng.choice(_DATA),
        "speed": rng.choice(_SPEEDS),
        "times": rng.choice(_TIMES),
        "gift": rng.choice(_GIFTS),
        "staff": rng.choice(_STAFF),
        "job_no": f"工号{rng.randint(1000, 9999)}",
        "relative": rng.choice(_RELATIVES),
        "city": region,
        "village": f"{region}{rng.choice(('乡下', '农村'))}",
    }
    if received is not None:
        started = received - dt.timedelta(days=DURATION_DAYS[duration])
        slots["date"] = _day_text(started, suffix)
        if month.endswith("月份"):
            earlier = received.replace(day=1) - dt.timedelta(days=day_drawn % 2)
            slots["month"] = f"{earlier.month}月份"
    return slots


# ---------------------------------------------------------------------------------------------
# Templates: at least four per leaf category
# ---------------------------------------------------------------------------------------------

TEMPLATES: dict[str, tuple[str, ...]] = {
    "network.coverage": (
        "我在{place}手机信号一直只有一格，有时候直接显示无服务，打个电话要跑到阳台上才行。"
        "这个情况已经{duration}了，之前打过客服说会处理，到现在也没人管。",
        "{date}开始{place}就没信号了，4G、5G都搜不到，微信发不出去，电话也打不进来，"
        "耽误了我好几个客户。你们附近是不是基站坏了？",
        "我们小区是新建的，入住快一年了，地下车库和电梯里完全没有信号，楼上也经常掉到2G。"
        "物业说要运营商来装设备，你们到底什么时候来装？",
        "在{place}信号特别差，一会有一会没有，5G图标经常跳回4G，有时候还显示无服务。"
        "交着{plan}的钱，信号还不如以前的老卡。",
        "回{village}老家，村里基本没有信号，家里老人打电话都要跑到村口去，"
        "麻烦你们看看能不能加个基站或者装个信号放大器。",
    ),
    "network.data_speed": (
        "最近{duration}手机上网特别卡，刷个短视频一直转圈，测速下来才几百K。我用的是{plan}，"
        "说好的5G网速呢？流量也没用完，也没有被限速。",
        "每天晚上八点到十一点网速就慢得要命，打开网页都要等半天，图片加载不出来。"
        "我在{place}，同事用别家的卡就很正常。",
        "我的流量还剩{data}多，网速却被限成了1Mbps，客服说是触发了达量限速，"
        "刷什么都卡，办卡的时候根本没人告诉我有限速这个规定。",
        "手机显示5G信号满格，但上网速度比4G还慢，玩游戏延迟四五百ms，视频会议老是卡掉。"
        "从{date}到现在一直这样，重启手机、换卡槽都试过了。",
        "在{place}用流量根本上不了网，显示有信号但是APP全部加载不出来，网速几乎为零，"
        "扫码付款都付不了，很尴尬。麻烦查一下是不是网络有问题。",
    ),
    "network.call_quality": (
        "打电话老是断线，说不到两分钟就自动挂断，对方还以为我故意挂他电话。"
        "这{duration}里掉线{times}了，严重影响工作。",
        "通话的时候声音断断续续，对方听我说话像机器人一样，有时候还有回音和杂音。"
        "换了手机也一样，应该是你们网络的问题。",
        "最近经常有人说打我电话提示无法接通，可我手机明明开着，信号也有，"
        "漏接了好几个重要电话，包括快递和面试通知。",
        "开了VoLTE高清通话以后反而更差了，一打电话就单通，我能听见对方，对方听不见我。"
        "在{place}特别明显，请尽快处理。",
        "给老家打电话总是串线，能听到别人在说话，而且经常打不通，要拨三四遍才通，"
        "通话质量太差了，这个问题已经{duration}了。",
    ),
    "network.broadband_outage": (
        "家里宽带从{date}晚上开始就断网了，光猫上的LOS灯一直红灯闪，报了障说24小时内上门，"
        "现在过去{duration}了还没人来修。孩子上网课都上不了。",
        "我家{speed}的宽带最近天天掉线，一天断好几次，每次都要重启光猫才能恢复，"
        "打游戏、看电视都受影响，网费可一分没少交。",
        "宽带突然上不了网，电视也看不了，打客服说是我们这片线路故障在抢修，"
        "可是已经{duration}了还没修好，连个准信都没有。",
        "宽带网速只有十几兆，办的是{speed}的，维修师傅来测了一下说线路老化要换线，"
        "约了{times}都没来。在家办公全靠网，太耽误事了。",
        "小区宽带整栋楼都断网了，邻居家也都上不了网，报修电话打了{times}，"
        "每次都说已经派单，请问到底什么时候能恢复？",
    ),
    "billing.unexplained_charge": (
        "我{month}的话费莫名其妙多扣了{amount}，平时就打打电话，流量也没超，"
        "账单上有一笔看不懂的费用，问客服也说不清楚是什么。",
        "手机余额突然少了{amount}，我什么都没办也没用，查详单有一项叫其他费用，"
        "根本不知道是什么，你们这是乱扣费！",
        "连续{duration}每个月都比套餐多扣{amount}左右，{plan}本来应该是固定的钱，"
        "现在每个月扣费都不一样，请给我一个合理的解释。",
        "我这张卡一直放在备用机里基本不用，结果这个月扣了{amount}，说我用了流量，"
        "我根本没开数据，这个扣费我不认。",
        "{relative}的手机号每个月话费都扣得特别多，{date}一查又扣了{amount}，"
        "老人根本不会上网，不明不白的扣费必须查清楚。",
    ),
    "billing.tariff_dispute": (
        "我办的是{plan}，办理的时候说每月就这个价，结果账单显示月租涨了，"
        "说是优惠期到了，我根本不知道有优惠期这回事。",
        "套餐里明明写的是{data}通用流量，为什么我用了不到一半就开始按套外资费收费？"
        "你们计算流量的方式我不认可。",
        "{date}我把{plan}改成了低一档的套餐，客服说下个月生效，结果这个月还是按高套餐收钱，"
        "另外还收了我{amount}的变更费。",
        "超出套餐的流量一下子收了我{amount_big}，这个超套资费标准太离谱了，"
        "而且超了也没有短信提醒，要求按合理标准重新计费。",
        "宽带和手机是融合套餐，现在宽带到期了手机月租却涨价了，资费说明里根本没写清楚，"
        "这种套餐规则对用户很不公平。",
    ),
    "billing.value_added": (
        "话费清单里有一项{vas}，每个月扣{amount_small}，已经扣了{duration}了，"
        "我从来没订过这个业务，也没收到过任何确认短信。",
        "我发现自己被开通了{vas}，根本不知道是怎么开的，要求马上退订，之前扣的钱全部退回来。"
        "偷偷给用户开增值业务的做法太恶心了。",
        "{relative}的手机莫名其妙多了好几个增值业务，{vas}、彩铃都有，一个月光这些就{amount}，"
        "老人根本不会操作，肯定是被人开的。",
        "我上个月点了一个广告链接，说免费领会员，结果第二个月就开始扣{amount_small}包月费，"
        "这个{vas}到底怎么退订？",
        "查话费发现一直在扣{vas}的费用，快一年了，加起来有{amount}，"
        "我就是打打电话而已，这些增值业务我一个都没用过。",
    ),
    "billing.roaming": (
        "我{date}去{country}玩了几天，手机开着没怎么用，回来一看扣了{amount_big}国际漫游费，"
        "出发前也没人提醒我要开什么流量包。",
        "在{country}出差时办了{amount}一天的漫游包，回来发现还额外按流量收了漫游费，"
        "说是包外的流量，漫游包明明说的是不限量。",
        "我人一直在{city}，根本没出国也没去港澳，账单上却有漫游通话费，"
        "接了几个电话就被收了{amount}，是不是系统搞错了？",
        "去{country}之前在APP上办了出境流量包，结果到了当地根本用不了，只能连酒店WiFi，"
        "回国以后流量包的钱照扣，还另外产生了漫游费。",
    ),
    "marketing.false_advertising": (
        "广告上说{plan}不限流量、5G网速，办了以后才知道用到{data}就限速，"
        "限速以后根本没法用，这不就是虚假宣传吗？",
        "你们宣传单上写着千兆宽带免费装、送路由器，我去办的时候才说要交{amount}安装费，"
        "路由器也要另外买，跟宣传的完全不一样。",
        "短信里宣传充100送100，我充了以后才知道赠送的话费要分24个月返，每个月只返4块多，"
        "宣传的时候一个字都没提，纯属误导消费者。",
        "营业厅门口的海报写着老用户升5G免费，结果升了以后月租多了{amount}，"
        "店员说海报上的免费指的是不收手续费，这不是玩文字游戏吗？",
        "APP首页宣传送{gift}的活动，点进去小字里一堆限制条件，根本领不到，"
        "这种广告宣传就是欺骗消费者。",
    ),
    "marketing.mis_sold": (
        "营业员跟我说换个套餐能更便宜，我就签了字，结果换成了{plan}，还有两年合约期，"
        "现在想改回来说要交违约金，办的时候根本没说有合约。",
        "接到一个自称客服的电话，说免费给我升级套餐、话费不变，我就答应了，"
        "结果第二个月月租多了{amount}，这就是诱导办理。",
        "{relative}去{store}交话费，被店员忽悠办了一个合约机，每月要交{amount}，"
        "老人根本不会用智能机，也不知道签了什么，要求取消。",
        "客户经理上门推销，说宽带和手机合在一起更省钱，结果办完每月反而多了{amount}，"
        "办理的时候也没告诉我要绑定三年合约。",
        "买手机的时候店员说不办套餐就不能优惠，硬给我开了{plan}，我本来只想买个手机，"
        "这属于捆绑销售、误导办理。",
    ),
    "marketing.promotion_not_honoured": (
        "{date}参加了预存话费送{gift}的活动，说好一个月内到账，到现在{duration}了还没收到，"
        "打电话问每次都说在处理。",
        "办宽带的时候说前半年半价优惠，结果第一个月就按原价扣了{amount}，优惠根本没生效，"
        "店员当时拍胸脯保证的。",
        "我用积分兑换了{gift}，积分已经扣了，东西一直没到，查订单显示已发货，"
        "但是一直没有物流信息，兑换的礼品到底还给不给？",
        "参加了邀请好友办卡返现的活动，朋友都办好了，答应返的{amount}话费一直没到账，"
        "客服说活动已经结束不认了，这不是耍赖吗？",
        "合约里写着每月返还{amount}话费，连续返12个月，结果只返了三个月就停了，"
        "问了好几次都说是系统问题，赠送的话费什么时候补上？",
    ),
    "service.attitude": (
        "{date}打客服电话咨询扣费的事，{staff}态度特别差，说话很冲，我还没说完就打断我，"
        "还说你爱投诉就去投诉，最后直接把我电话挂了。",
        "去{store}办业务，工作人员一直在玩手机，问她问题爱答不理的，还翻白眼，"
        "让我自己去机器上弄，这是什么服务态度？",
        "装宽带的师傅上门态度恶劣，嫌我家楼层高一直抱怨，装完东西乱扔，"
        "我说了他一句他还跟我吵起来了，太不尊重人了。",
        "客服{job_no}在电话里阴阳怪气的，我问了两遍他就不耐烦了，说我已经说过了你听不懂吗，"
        "要求对这个客服严肃处理。",
        "{relative}去营业厅问点事情，被店员大声呵斥，说老年人什么都不懂就别来添乱，"
        "老人回家都气哭了，你们员工就是这么对待客户的？",
    ),
    "service.hotline_access": (
        "打客服热线打了{times}，每次都是语音菜单绕来绕去，按了转人工还要排队，"
        "等了{hours}都没人接，最后自动挂断了。",
        "热线人工服务太难接通了，转人工一直提示坐席忙请稍后再拨，"
        "我就想问个话费问题，到现在也没打通。",
        "我在APP上点在线客服，全是机器人自动回复，问什么都答非所问，根本找不到人工入口，"
        "客服电话也一直打不进去。",
        "{date}打客服电话，好不容易接通了人工，说了没两句就断了，再打又要重新排队，"
        "反复了{times}，整整浪费了我一下午。",
    ),
    "service.store": (
        "{store}排队太久了，就开了两个窗口，我取了号等了{hours}才轮到，"
        "里面的工作人员却在聊天，营业厅的管理太差了。",
        "去{store}补卡，说要预约，预约了又让我去另一个营业厅，跑了两三趟都没办成，"
        "营业厅之间互相推诿。",
        "营业厅门口写的营业时间到晚上八点，我七点去就说下班了不办了，白跑一趟。"
        "{store}这种情况已经不是第一次了。",
        "在{store}办业务，店员没经过我同意就拿我手机操作了半天，还装了几个APP，"
        "问她在弄什么也不说清楚。",
        "营业厅的自助机坏了好几天没人修，{store}柜台又说这个业务只能在自助机上办，"
        "那我们到底怎么办？",
    ),
    "service.promise_broken": (
        "{date}客服答应我三个工作日内给我回电话处理，到现在{duration}了没有任何人联系我，"
        "承诺的事情一件都没做到。",
        "上次投诉以后，你们的工作人员说会补偿我{amount}话费，还说有专人跟进，"
        "结果话费没到，人也联系不上，说话不算数。",
        "客服经理当时在电话里承诺给我免一个月月租，还保证问题不会再出现，"
        "结果下个月照扣不误，问题也没解决。",
        "说好的48小时内给答复，我等了{duration}，每次打进去都说已经催办了，"
        "请你们兑现自己的承诺，给个明确的处理结果。",
    ),
    "business.broadband_install": (
        "{date}办理的{speed}宽带，说三天内上门安装，现在{duration}了装维师傅还没来，"
        "打电话就说在排期，我等着网用呢。",
        "宽带约了{date}上门安装，我请了一天假在家等，结果师傅没来也没打电话，"
        "再约又要等一周，耽误我时间谁负责？",
        "新房要装宽带，师傅来了说我们小区没有端口资源装不了，"
        "可是营业厅办理的时候明明说可以装，钱都交了。",
        "装宽带的师傅说光纤入户要另外收{amount}的材料费和调测费，"
        "办理的时候说的是免费安装，这个钱该不该收？",
        "搬家以后申请宽带移机，拖了{duration}还没移好，新家一直没网，旧地址的宽带费却还在照常扣。",
    ),
    "business.number_porting": (
        "我想携号转网，发短信查询说我不符合条件，原因是有合约未到期，"
        "可我的合约上个月就到期了，你们就是故意卡着不让转。",
        "申请携号转网的时候，客服一直劝我别转，还说转了以后很多功能用不了，"
        "授权码要了{times}都没发给我。",
        "办完携号转网以后，好几天手机打不出去也收不到验证码，银行卡、微信都登不上，"
        "两家运营商都说是对方的问题。",
        "为了携号转出，我去{store}想解约，营业员说必须先交{amount}违约金才能解除合约转网，"
        "合约上根本没写这么高的违约金。",
    ),
    "business.cancellation": (
        "我要注销一张不用的副卡，APP上办不了，电话里说必须本人去营业厅，我在外地工作回不去，"
        "为什么办卡那么容易，销户这么难？",
        "{date}已经在{store}办了宽带拆机，结果这个月还在扣宽带费{amount}，"
        "工作人员说拆机没有成功，要我再去办一次销户。",
        "想退订{plan}改个便宜点的，客服说要违约金，还一直推荐别的套餐，"
        "就是不给我办退订，拖了{duration}了。",
        "去营业厅销户，工作人员说我还欠费{amount}要先交清，可我从来没欠过费，"
        "而且注销之前还让我办了一堆不相干的业务。",
        "手机号欠费停机很久了，我以为早就销号了，现在收到催缴短信说欠了{amount_big}，"
        "停机期间的月租凭什么还要收？我要求直接注销。",
    ),
    "business.real_name": (
        "我的手机号突然被停机，客服说是实名信息有问题，要本人带身份证去营业厅重新登记，"
        "我人在外地回不去，凭什么随便停我的号。",
        "我发现我的身份证名下多了两个号码，我根本没办过，肯定是被人冒用身份证办的卡，"
        "要求马上注销，并查清楚是哪个营业厅办的。",
        "在APP上做实名认证，人脸识别做了{times}都不通过，一直提示非本人，"
        "去营业厅又说要预约，补登记怎么这么麻烦。",
        "单位给我办的卡现在要过户到我个人名下，实名变更去{store}跑了两次都办不了，"
        "一会儿说要公章，一会儿又说要法人到场。",
    ),
    "device.handset": (
        "在{store}买的{brand}合约机，用了不到一个月就经常死机、自动重启，"
        "拿去售后检测说是主板问题，但是只给维修不给换机。",
        "{date}在你们官方商城买的{brand}，收到后发现屏幕有坏点，申请退换货一直没人审核，"
        "现在已经过了七天无理由退货期了。",
        "合约送的手机用了{duration}就充不进电，电池还鼓包了，售后说是人为损坏不保修，"
        "我一直都是正常使用的。",
        "营业厅买的手机装了一堆卸载不掉的APP，还老弹广告，后来发现是翻新机，"
        "激活时间比我买的时间早了好几个月。",
        "你们送的老年机质量很差，打电话经常听不见，按键也不灵，拿去营业厅说要寄回厂家维修，"
        "一等就是{duration}。",
    ),
    "device.router": (
        "光猫用了不到一年就坏了，指示灯全灭，打电话报修说光猫是我自己的，"
        "要我花{amount}买一个新的，当时明明说是免费送的。",
        "你们配的路由器WiFi信号太差，隔一堵墙就连不上，卧室根本没网，"
        "让你们换个好点的路由器还说要加钱。",
        "机顶盒经常卡死，看电视看到一半就黑屏，遥控器也没反应，要拔电重启才能用，"
        "一天好几次，要求更换机顶盒。",
        "光猫晚上老是自动重启，WiFi一直断，手机连着WiFi显示已连接但无法访问互联网，"
        "师傅来看说是光猫有问题，但是又没带新的来换。",
        "宽带拆机的时候说光猫要交回，我交回去了，现在又说我没还设备，要扣我{amount}的设备押金。",
    ),
    "security.harassment": (
        "我最近每天都能接到十几个推销电话，贷款的、卖房的、健身卡的都有，标记了也没用，"
        "他们换着号码打，你们能不能管一管？",
        "一直收到垃圾短信，什么赌博网站、刷单兼职，还有带链接的，回复退订了也没用，"
        "每天好几条，严重影响生活。",
        "半夜总有陌生号码打骚扰电话，一接就挂，回拨是空号，已经连续{duration}了，"
        "晚上根本睡不好觉，请帮忙查一下来源并拦截。",
        "最近老是接到95开头的营销电话，推荐贷款、信用卡的，我明确说了不需要，"
        "还是每天换着号码打，上班时间一直被打扰，能不能帮我拦截掉？",
    ),
    "security.fraud": (
        "{date}接到一个冒充客服的电话，说我的套餐要升级，让我报验证码，差点被骗，"
        "这种诈骗电话为什么能打进来？",
        "{relative}接到诈骗电话被骗了{amount_big}，对方用的是你们的号段，一查是个虚拟号，"
        "你们对这种号码就不审核吗？",
        "{date}有人打电话冒充快递客服，说我的快递丢了要理赔，让我下载APP开屏幕共享，"
        "结果银行卡被转走了{amount_big}，这个号码是你们公司的，请协助查处。",
        "收到一条短信说话费积分要清零，点链接兑换时填了银行卡和验证码，"
        "卡里马上被转走{amount_big}，才知道是诈骗短信，发短信的号码看着像你们的客服号。",
        "接到一个自称公安的电话，说我的手机号涉嫌洗钱，要我把钱转到安全账户，"
        "我转了{amount_big}以后对方就联系不上了，才知道是电信诈骗，请你们查一下这个号码。",
    ),
    "security.privacy": (
        "我刚在{store}办完宽带，第二天就有装修公司、卖净水器的打电话来，"
        "直接叫出我的名字和地址，肯定是你们泄露了我的个人信息。",
        "有人打电话给我，准确说出了我的身份证号后几位、套餐和话费余额，说是你们的工作人员，"
        "我怀疑你们内部有人在卖客户信息。",
        "我没有授权过任何人，但是别人拿着我的手机号就查到了我的通话记录，"
        "你们的系统怎么能随便把用户的通话详单给别人看？",
        "我换号以后，原来号码绑定的信息被新机主看到了，还收到了我的验证码，"
        "运营商二次放号前没有清理，造成我个人信息泄露。",
    ),
}

DEMANDS: dict[str, tuple[str, ...]] = {
    "network.coverage": (
        "尽快解决信号覆盖问题",
        "派人来现场测试并给出整改时间",
        "信号解决前减免月租",
        "加装基站或室内分布设备",
    ),
    "network.data_speed": (
        "恢复正常网速",
        "查明网速慢的原因并给出解决时间",
        "网速达不到就退还当月套餐费",
    ),
    "network.call_quality": (
        "尽快处理通话质量问题",
        "派技术人员检测并给个说法",
        "赔偿因掉线造成的损失",
    ),
    "network.broadband_outage": (
        "尽快上门维修",
        "今天之内恢复宽带",
        "断网期间的宽带费按天退还",
        "更换线路并赔偿断网损失",
    ),
    "billing.unexplained_charge": (
        "退还多扣的{amount}并书面道歉",
        "查清扣费来源并退款",
        "把多扣的钱全部退回来，以后不要再乱扣",
        "给出详细的扣费说明",
    ),
    "billing.tariff_dispute": (
        "按办理时承诺的资费收费",
        "退还多收的{amount}",
        "取消不合理的收费并重新计费",
        "恢复原来的套餐价格",
    ),
    "billing.value_added": (
        "退订{vas}并全额退款",
        "取消所有增值业务，以后不要再开",
        "双倍退还扣掉的费用",
    ),
    "billing.roaming": (
        "减免漫游费",
        "退还不合理的漫游费用",
        "按漫游包标准重新计费并退还差价",
    ),
    "marketing.false_advertising": (
        "按宣传内容兑现",
        "退还多收的{amount}并道歉",
        "撤掉虚假广告，按宣传兑现",
    ),
    "marketing.mis_sold": (
        "取消合约且不收违约金",
        "恢复原套餐并退还差价",
        "无条件解约退款",
    ),
    "marketing.promotion_not_honoured": (
        "尽快兑现活动优惠",
        "补发{gift}",
        "按约定返还{amount}话费",
    ),
    "service.attitude": (
        "要求该员工当面道歉",
        "对相关人员严肃处理并给我回复",
        "书面道歉",
    ),
    "service.hotline_access": (
        "增加人工客服，尽快回电处理我的问题",
        "安排专人回电",
        "给个能打通的人工电话",
    ),
    "service.store": (
        "营业厅整改并给个说法",
        "就近帮我把业务办完",
        "对营业厅工作人员进行处理",
    ),
    "service.promise_broken": (
        "兑现之前的承诺",
        "按承诺补偿{amount}话费",
        "安排专人跟进并限期答复",
    ),
    "business.broadband_install": (
        "尽快上门安装宽带",
        "三天内装好，否则全额退款",
        "退还多收的安装费",
    ),
    "business.number_porting": (
        "立即配合办理携号转网",
        "取消违约金，放行携号转网",
        "尽快恢复号码正常使用",
    ),
    "business.cancellation": (
        "立即办理销户",
        "退还拆机后多扣的费用",
        "免违约金退订套餐",
        "取消欠费记录",
    ),
    "business.real_name": (
        "注销被冒名办理的号码",
        "尽快恢复号码使用",
        "简化实名办理流程，远程帮我处理",
    ),
    "device.handset": (
        "退货退款",
        "免费换一台新机",
        "按三包规定处理",
    ),
    "device.router": (
        "免费更换光猫",
        "免费更换路由器",
        "退还设备押金{amount}",
    ),
    "security.harassment": (
        "拦截骚扰电话",
        "查明来源，停止骚扰",
        "停止骚扰，给我开通防骚扰服务",
    ),
    "security.fraud": (
        "查处诈骗号码并协助追回损失",
        "停掉诈骗号码，给我开通防诈骗提醒",
        "查清这个号码的来源，给我一个说法",
    ),
    "security.privacy": (
        "查明信息泄露原因并追责",
        "书面道歉并赔偿",
        "保护我的个人信息，给出调查结果",
    ),
}

_OPENERS = (
    "",
    "",
    "",
    "你好，",
    "你好，我要投诉，",
    "我要投诉！",
    "喂，我反映个问题，",
    "客服你好，",
    "麻烦帮我处理一下，",
)
_CLOSERS = (
    "",
    "",
    "希望尽快处理。",
    "请尽快给我一个答复！",
    "谢谢。",
    "真的太失望了。",
    "麻烦你们重视一下。",
    "已经不是第一次了！！",
    "你们自己说怎么办吧？",
    "气死我了！",
)
_ESCALATIONS = (
    "如果还不解决，我就直接打工信部投诉。",
    "我已经准备向315反映了。",
    "再拖下去我就找媒体曝光。",
    "实在不行我会请律师走法律程序。",
    "不给个说法我就去工信部申诉。",
)
# The endings of the few open complaints that are about to blow up (the watch list's, R2.4):
# several escalation markers and anger at once, as such customers write.
_HIGH_RISK_ENDINGS = (
    "你们这就是欺诈！再拖下去我就找媒体曝光，还要去工信部投诉！",
    "已经第三次了，忍无可忍！我已经联系了记者，也会向通管局申诉。",
    "太过分了！今天不给说法我就发微博曝光，再请律师起诉你们！",
)
_HALF_WIDTH = str.maketrans({"，": ",", "。": ".", "！": "!", "？": "?", "、": ","})

_SLOT = re.compile(r"\{(\w+)\}")


def render(rng: random.Random, template: str, slots: dict[str, str] | None = None) -> str:
    """Fill `template`'s `{slot}`s, drawing slot values from `rng` unless given."""
    values = slots if slots is not None else _slots(rng)
    return _SLOT.sub(lambda m: values[m.group(1)], template)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def demo_complaint(
    rng: random.Random,
    category: str | None = None,
    *,
    high_risk: bool = False,
    received: dt.date | None = None,
    plan: str = "",
) -> DemoComplaint:
    """One complaint: a leaf category (weighted unless given), its text, demand and channel;
    `high_risk`: one that threatens to go to the regulator and the press, angrily; `received`:
    the day it is received, which the dates in its text lie before; `plan`: the customer's,
    named where the text names a plan (else one drawn), and its broadband speed where the text
    names one (`BROADBAND_PLAN`'s for a customer whose plan has no broadband: the demo puts
    the customer on it when they complain of broadband)."""
    if category is None:
        category = _weighted(rng, {c: CATEGORY_WEIGHTS.get(c, 1.0) for c in LEAF_CATEGORIES})
    if category not in TEMPLATES:
        raise ValueError(f"no demo templates for category {category!r}")
    channel = _weighted(rng, CHANNEL_WEIGHTS)
    slots = _slots(rng, received)  # drawn whole all the same: one seed, one stream
    if plan:
        slots["plan"] = plan
        slots["speed"] = plan_speed(plan) or plan_speed(BROADBAND_PLAN)
    template = rng.choice(TEMPLATES[category])
    body = render(rng, template, slots)
    content = rng.choice(_OPENERS) + body
    if high_risk:
        content += rng.choice(_HIGH_RISK_ENDINGS)
    elif rng.random() < 0.05:
        content += rng.choice(_ESCALATIONS)
    content += rng.choice(_CLOSERS)
    # Some people type on a phone keyboard left in half-width mode.
    if channel in ("app", "wechat", "sms", "web") and rng.random() < 0.25:
        content = content.translate(_HALF_WIDTH)
    demand = _demand(rng, category, template, slots)
    return DemoComplaint(category=category, content=content, demand=demand, channel=channel)


_AMOUNT_SLOTS = ("amount", "amount_small", "amount_big")


def _demand(rng: random.Random, category: str, template: str, slots: dict[str, str]) -> str:
    """A demand that fits the text: it names only what the text said (an amount, a gift, a
    service) and the same amount the text named — not "补发200元话费" for a 10-yuan rebate,
    nor 80-odd yuan back of a 560-yuan charge."""
    said = set(_SLOT.findall(template))
    amount = next((slots[name] for name in _AMOUNT_SLOTS if name in said), None)
    if amount is not None:
        said.add("amount")
    fitting = [d for d in DEMANDS[category] if set(_SLOT.findall(d)) <= said]
    chosen = rng.choice(fitting or DEMANDS[category])
    return render(rng, chosen, {**slots, "amount": amount or slots["amount"]})


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国文辉鹏飞红梅志"
    "晨浩宇轩欣怡子涵思雨梓萱佳琪俊杰晓东海燕春燕丹丹雪莉婷婷宏伟立新国强金凤"
)
_MOBILE_PREFIXES = tuple(
    str(n)
    for n in (
        *range(130, 140),
        *(145, 147, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166),
        *(173, 176, 177, 178, *range(180, 190), 191, 193, 195, 198, 199),
    )
)


def demo_person(rng: random.Random) -> tuple[str, str]:
    """A plausible Chinese full name and mainland mobile number."""
    surname = rng.choice(_SURNAMES)
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
    phone = rng.choice(_MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))
    return surname + given, phone


# ---------------------------------------------------------------------------------------------
# Handling notes, investigation records and replies: written from the complaint's own facts
# ---------------------------------------------------------------------------------------------

# What a handler of each kind of complaint looks at; said in the investigation record, the
# notes and the reply, so that all three tell the same story.
CHECKED: dict[str, str] = {
    "network": "调取了网管告警记录并安排现场测试",
    "billing": "调取了您的计费详单和业务订购记录",
    "marketing": "调取了办理录音和受理单",
    "service": "调取了服务录音并与相关人员核实",
    "business": "核查了业务工单和办理记录",
    "device": "安排了设备检测并与厂家核实",
    "security": "核查了相关号码和系统记录",
}

# Notes while a complaint is worked, by parent category. None of them claims an event the
# timeline would have to show (an escalation, a transfer, a callback, a remedy granted).
NOTES: dict[str, tuple[str, ...]] = {
    "network": (
        "已提交网络部核查该区域基站告警，等待反馈。",
        "已与客户约定上门测试信号和网速的时间。",
        "已查询网管告警记录，该片区近期有故障工单，正在跟进修复进度。",
    ),
    "billing": (
        "已调取近三个月计费详单，逐笔核对扣费项目。",
        "已联系客户核对扣费时间和金额，客户表示未主动办理相关业务。",
        "已提交计费中心核查扣费来源，等待反馈。",
    ),
    "marketing": (
        "已调取办理录音和受理单，核实营销过程。",
        "已联系办理渠道的经理了解当时的宣传和告知情况。",
    ),
    "service": (
        "已调取服务录音，核实当时的服务过程。",
        "已联系相关班组负责人了解情况。",
    ),
    "business": (
        "已查询业务工单进度，联系相关部门核实。",
        "已核对客户的业务办理记录和工单流转情况。",
    ),
    "device": (
        "已联系售后检测点，安排客户送检。",
        "已向厂家客服确认三包政策和检测结论。",
    ),
    "security": (
        "已提交信息安全部排查来源。",
        "已查询客户反映号码的归属和被举报记录。",
    ),
}
CONTACT_NOTES: tuple[str, ...] = (
    "客户电话未接通，已发短信告知稍后再联系。",
    "已与客户电话沟通，确认诉求：{demand}。",
)
# Only after an escalation that the timeline shows.
ESCALATED_NOTE = "已按升级后的时限要求报主管跟进，客户已知悉。"
# Only after a callback that reopened the complaint.
REOPENED_NOTE = "回访不满意重开，已再次联系客户核实。"


def demo_note(rng: random.Random, category: str, demand: str) -> str:
    """A note about the work on a complaint of `category` (a leaf code)."""
    parent = category.split(".")[0]
    text = rng.choice(NOTES[parent] + CONTACT_NOTES)
    return text.format(demand=demand)


FINDING_SENTENCES: dict[str, str] = {
    "true": "经核实，您反映的情况属实，是我们的工作没有做好。",
    "partly_true": "经核实，您反映的情况部分属实。",
    "not_true": "经核实，相关收费和业务处理符合规定，我们已向您说明具体原因。",
}
# What "not true" found, by parent category where the charges are not what was complained of.
NOT_TRUE_SENTENCES: dict[str, str] = {
    "network": "经核实，您所在区域的网络运行正常，未发现故障记录，我们已向您说明具体情况。",
    "service": "经核实，工作人员的服务符合规范，我们已向您说明核实情况。",
    "device": "经检测，设备未发现质量问题，我们已向您说明检测结果。",
    "security": "经核实，未发现相关号码涉及我方业务或系统问题，我们已向您说明核实情况。",
}
# What a finding found where a category's facts are not a fault of ours, by leaf category.
LEAF_FINDING_SENTENCES: dict[str, str] = {
    "security.harassment": "经核实，您反映的骚扰号码已按规定提交核查处置。",
    "security.fraud": "经核实，您反映的涉诈号码已按规定报送核查处置。",
}
# What the reply still tells the customer after the remedies, by leaf category: the police, not
# the operator, recover money lost to fraud (SEC-02).
LEAF_ADVICE: dict[str, str] = {
    "security.fraud": "如有资金损失，请以公安机关立案追缴为准，并保留好转账凭证和通话记录。",
}
# The sum a fraud's victim says they lost: "转了1200元", "被骗走3000元".
_LOSS = re.compile(
    r"(?:转|骗|汇|付|损失)[^，。！？\d]{0,6}?"
    r"((?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千万]+)多?[元块])"
)
# Where the customer met the staff they complain of, the check is not a call recording.
_MET_IN_PERSON: tuple[tuple[str, str], ...] = (
    ("营业厅", "调取了营业厅监控并与当班人员核实"),
    ("店员", "调取了营业厅监控并与当班人员核实"),
    ("师傅", "联系了装维单位并与上门人员核实"),
)
_MONEY_WORDS: dict[str, str] = {
    "refund": "退还费用",
    "bill_credit": "赠送话费",
    "data_credit": "赠送流量话费",
    "gift": "赠送礼品",
    "discount": "资费优惠",
}
_ACTION_WORDS: dict[str, str] = {
    "explanation": "已向您{note}。",
    "repair": "已为您{note}。",
    "exchange": "已为您{note}。",
}


def yuan(amount: Decimal) -> str:
    """58.00 → "58", 12.50 → "12.5" (as `resolution.rules.yuan_text` prints amounts)."""
    text = f"{amount.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def demo_reply(
    *,
    category: str,
    finding: str,
    remedies: list[tuple[str, Decimal, str]],
    again: bool = False,
    content: str = "",
) -> str:
    """The reply to the customer, composed from the outcome itself: the complaint's category,
    the finding, each remedy granted with its amount and the total. `again`: the second
    outcome after a dissatisfied callback; `content`: what the customer said, for how the
    facts were checked (a store's camera, not a call recording, for a shop assistant)."""
    parent = category.split(".")[0]
    name = CATEGORY_NAMES[category]
    parts = ["您好，"]
    if again:
        parts.append("回访中您对首次处理结果不满意，我们已重新核实。")
    checked = CHECKED[parent]
    if parent == "service":
        checked = next((how for word, how in _MET_IN_PERSON if word in content), checked)
    parts.append(f"关于您反映的{name}问题，我们{checked}。")
    if finding == "not_true":
        parts.append(NOT_TRUE_SENTENCES.get(parent, FINDING_SENTENCES[finding]))
    else:
        parts.append(LEAF_FINDING_SENTENCES.get(category, FINDING_SENTENCES[finding]))
    money = [(t, a) for t, a, _ in remedies if a > 0]
    if money:
        items = "、".join(f"{_MONEY_WORDS.get(t, '补偿')} {yuan(a)} 元" for t, a in money)
        total = sum((a for _, a in money), Decimal(0))
        summed = f"，合计 {yuan(total)} 元" if len(money) > 1 else ""
        parts.append(f"我们已为您办理{items}{summed}，将在三个工作日内到账。")
    for type_, amount, note in remedies:
        if amount == 0 and type_ in _ACTION_WORDS and note:
            parts.append(_ACTION_WORDS[type_].format(note=note))
    if category in LEAF_ADVICE:
        lost = _LOSS.search(content) if category == "security.fraud" else None
        parts.append(
            # A loss the customer stated is named back to them, not "if you lost money".
            f"您被骗的{lost.group(1)}，请向公安机关报案，以立案追缴为准，"
            "并保留好转账凭证和通话记录。"
            if lost
            else LEAF_ADVICE[category]
        )
    if any(t == "apology" for t, _, _ in remedies):
        parts.append("给您带来的不便，我们诚恳致歉。")
    parts.append("感谢您的理解与支持。")
    return "".join(parts)
