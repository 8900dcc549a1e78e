"""The raw material of the demo data: places, names, phone ranges and what customers talk about.

Faker is slow per call, so the generator draws from pools built once here
(Faker's own name lists, plus a few hundred pre-generated streets and company
names) and combines them with a seeded ``random.Random``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

import phonenumbers
from faker import Faker
from faker.providers.person.en_US import Provider as EnPerson
from faker.providers.person.zh_CN import Provider as ZhPerson

PASSWORD = "rapport-demo"  # noqa: S105 (the documented demo login, printed by `rapport serve --quickstart`)


@dataclass(frozen=True)
class Place:
    team: str  # slug of the regional team
    province: str  # stored in ``region``
    country: str
    city: str
    city_local: str
    area_code: str  # landline area code without the trunk 0
    postcode: str


# (team slug, team name) in the order the regions are drawn.
REGIONS = (
    ("north-china", "North China"),
    ("east-china", "East China"),
    ("south-china", "South China"),
    ("international", "International"),
)

PLACES = (
    Place("north-china", "Beijing", "CN", "Beijing", "北京", "10", "100"),
    Place("north-china", "Tianjin", "CN", "Tianjin", "天津", "22", "300"),
    Place("north-china", "Hebei", "CN", "Shijiazhuang", "石家庄", "311", "050"),
    Place("north-china", "Shandong", "CN", "Qingdao", "青岛", "532", "266"),
    Place("north-china", "Liaoning", "CN", "Shenyang", "沈阳", "24", "110"),
    Place("east-china", "Shanghai", "CN", "Shanghai", "上海", "21", "200"),
    Place("east-china", "Jiangsu", "CN", "Suzhou", "苏州", "512", "215"),
    Place("east-china", "Jiangsu", "CN", "Nanjing", "南京", "25", "210"),
    Place("east-china", "Zhejiang", "CN", "Hangzhou", "杭州", "571", "310"),
    Place("east-china", "Fujian", "CN", "Xiamen", "厦门", "592", "361"),
    Place("east-china", "Anhui", "CN", "Hefei", "合肥", "551", "230"),
    Place("south-china", "Guangdong", "CN", "Shenzhen", "深圳", "755", "518"),
    Place("south-china", "Guangdong", "CN", "Guangzhou", "广州", "20", "510"),
    Place("south-china", "Guangdong", "CN", "Dongguan", "东莞", "769", "523"),
    Place("south-china", "Guangxi", "CN", "Nanning", "南宁", "771", "530"),
    Place("south-china", "Hainan", "CN", "Haikou", "海口", "898", "570"),
    Place("south-china", "Hunan", "CN", "Changsha", "长沙", "731", "410"),
    Place("international", "California", "US", "San Francisco", "San Francisco", "415", "941"),
    Place("international", "California", "US", "Los Angeles", "Los Angeles", "213", "900"),
    Place("international", "New York", "US", "New York", "New York", "212", "100"),
    Place("international", "Texas", "US", "Austin", "Austin", "512", "787"),
    Place("international", "Massachusetts", "US", "Boston", "Boston", "617", "021"),
    Place("international", "Washington", "US", "Seattle", "Seattle", "206", "981"),
    Place("international", "Illinois", "US", "Chicago", "Chicago", "312", "606"),
)
CN_PLACES = tuple(p for p in PLACES if p.country == "CN")
US_PLACES = tuple(p for p in PLACES if p.country == "US")

INDUSTRIES = (
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Education",
    "Logistics",
    "Finance",
    "IT services",
    "Energy",
    "Construction",
    "Food and beverage",
    "Automotive",
    "Telecom",
)
ZH_COMPANY_SUFFIX = {
    "Manufacturing": "制造有限公司",
    "Retail": "商贸有限公司",
    "Healthcare": "医疗器械有限公司",
    "Education": "教育科技有限公司",
    "Logistics": "物流有限公司",
    "Finance": "投资有限公司",
    "IT services": "信息技术有限公司",
    "Energy": "能源有限公司",
    "Construction": "建设工程有限公司",
    "Food and beverage": "食品有限公司",
    "Automotive": "汽车配件有限公司",
    "Telecom": "通信技术有限公司",
}
# Brand words of Chinese company names with their pinyin (for the web domain).
ZH_BRANDS = tuple(
    tuple(pair.split(":"))
    for pair in [
        "华信:huaxin",
        "恒通:hengtong",
        "鼎盛:dingsheng",
        "宏达:hongda",
        "永泰:yongtai",
        "金源:jinyuan",
        "天成:tiancheng",
        "中科:zhongke",
        "新锐:xinrui",
        "瑞丰:ruifeng",
        "东方:dongfang",
        "盛世:shengshi",
        "远航:yuanhang",
        "海纳:haina",
        "博远:boyuan",
        "启明:qiming",
        "星辰:xingchen",
        "嘉禾:jiahe",
        "万达:wanda",
        "安泰:antai",
        "康源:kangyuan",
        "汇通:huitong",
        "联创:lianchuang",
        "正阳:zhengyang",
        "卓越:zhuoyue",
        "润发:runfa",
        "同心:tongxin",
        "德信:dexin",
        "光明:guangming",
        "先锋:xianfeng",
    ]
)
TAGS = ("VIP", "Key account", "Reseller", "Partner", "Newsletter", "Price sensitive", "Trade show 2025", "Gold card", "Churn risk")
LEAD_SOURCES: dict[str, float] = {"Trade show": 45, "Web form": 25, "Referral": 15, "Cold call": 15}
LEAD_STATUSES: dict[str, float] = {"new": 40, "contacted": 25, "qualified": 15, "unqualified": 12, "converted": 8}

TITLES = {
    "zh": ("总经理", "采购经理", "销售总监", "IT主管", "财务经理", "行政专员", "工程师", "项目经理", "技术总监", "市场经理"),
    "en": ("CEO", "Purchasing Manager", "Head of IT", "CFO", "Office Manager", "Engineer", "Project Manager", "CTO", "Marketing Manager"),
}
DEPARTMENTS = {
    "zh": ("采购部", "信息技术部", "财务部", "行政部", "技术部", "市场部", "销售部"),
    "en": ("Purchasing", "IT", "Finance", "Operations", "Engineering", "Marketing", "Sales"),
}
ZH_STREETS = (
    "深南大道",
    "中山路",
    "人民路",
    "建国路",
    "解放路",
    "长安街",
    "南京路",
    "淮海路",
    "科技园路",
    "滨江大道",
    "东风路",
    "世纪大道",
)
PRODUCTS = ("X-100", "X-200", "X-300", "S-10 scanner", "Battery pack B2")

# channel -> (weight, inbound share, [(English subject, Chinese subject)])
CHANNELS: dict[str, tuple[int, float, tuple[tuple[str, str], ...]]] = {
    "phone": (
        30,
        0.6,
        (
            ("Order status enquiry", "咨询订单状态"),
            ("Complaint: {p} makes a loud noise", "投诉：{p} 噪音大"),
            ("Follow-up call after the quote", "报价后回访"),
            ("Warranty question about {p}", "{p} 保修咨询"),
        ),
    ),
    "email": (
        25,
        0.5,
        (
            ("Quote for {p} (10 units)", "{p} 报价（10台）"),
            ("Invoice copy requested", "索取发票复印件"),
            ("Reply to the newsletter", "回复电子期刊"),
        ),
    ),
    "web": (10, 1.0, (("Downloaded the {p} brochure", "下载了 {p} 产品手册"), ("Filled in the contact form", "填写了联系表单"))),
    "portal": (
        8,
        1.0,
        (
            ("Checked order status", "查询订单状态"),
            ("Opened a service request", "提交了服务请求"),
            ("Downloaded the contract", "下载了合同"),
        ),
    ),
    "face_to_face": (
        10,
        0.0,
        (("Visit at the customer's site", "上门拜访"), ("Product lecture: {p}", "产品讲座：{p}"), ("Met at the trade show", "展会洽谈")),
    ),
    "letter": (5, 0.0, (("Contract sent by post", "邮寄合同"), ("Extended warranty offer for {p}", "{p} 延保服务邀请函"))),
    "fax": (4, 0.7, (("Purchase order received by fax", "收到传真订单"), ("Signed delivery note", "回传签收单"))),
    "chat": (8, 1.0, (("Chat: delivery date", "在线咨询：交货日期"), ("Chat: portal password reset", "在线咨询：门户密码重置"))),
}

# Pinyin of the family names the demo uses and of every character in Faker's zh_CN given names.
_PINYIN_TEXT = (
    "王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 吴wu 赵zhao 周zhou 徐xu 孙sun 马ma 朱zhu 胡hu 林lin 郭guo 何he 高gao 罗luo "
    "郑zheng 梁liang 谢xie 宋song 唐tang 许xu 邓deng 冯feng 韩han 曹cao 曾zeng 彭peng 萧xiao 蔡cai 潘pan 田tian 董dong 袁yuan "
    "余yu 叶ye 蒋jiang 杜du 苏su 魏wei 程cheng 吕lv 丁ding 沈shen 任ren 姚yao 卢lu 傅fu 钟zhong 姜jiang 崔cui 谭tan 廖liao "
    "范fan 汪wang 陆lu 金jin 石shi 戴dai 贾jia 韦wei 夏xia 邱qiu 方fang 侯hou 邹zou 熊xiong 孟meng 秦qin 白bai 江jiang 阎yan "
    "薛xue 尹yin 段duan 雷lei 黎li 史shi 龙long 陶tao 贺he 顾gu 毛mao 郝hao 龚gong 邵shao 万wan 钱qian 严yan 赖lai 洪hong "
    "武wu 莫mo 孔kong 伟wei 强qiang 磊lei 洋yang 勇yong 军jun 杰jie 涛tao 超chao 明ming 刚gang 平ping 辉hui 鹏peng 华hua "
    "飞fei 鑫xin 波bo 斌bin 宇yu 浩hao 凯kai 健jian 俊jun 帆fan 帅shuai 旭xu 宁ning 欢huan 佳jia 阳yang 建jian 亮liang "
    "成cheng 峰feng 国guo 晨chen 瑞rui 志zhi 兵bing 东dong 博bo 彬bin 坤kun 想xiang 岩yan 文wen 利li 楠nan 红hong 霞xia "
    "芳fang 娜na 敏min 静jing 秀xiu 英ying 丽li 艳yan 娟juan 兰lan 燕yan 玲ling 桂gui 丹dan 萍ping 玉yu 梅mei 莉li 珍zhen "
    "婷ting 凤feng 晶jing 颖ying 雪xue 慧hui 倩qian 琴qin 畅chang 云yun 洁jie 柳liu 淑shu 春chun 海hai 冬dong 荣rong 琳lin "
    "欣xin 香xiang 芝zhi 小xiao 瑜yu 花hua 璐lu"
)
PINYIN = {item[0]: item[1:] for item in _PINYIN_TEXT.split()}


def pinyin(text: str) -> str:
    return "".join(PINYIN.get(ch, "") for ch in text)


@dataclass(frozen=True)
class Pools:
    zh_family: tuple[str, ...]
    zh_family_weights: tuple[float, ...]
    zh_given: tuple[str, ...]
    en_first: tuple[str, ...]
    en_last: tuple[str, ...]
    en_streets: tuple[str, ...]
    en_companies: tuple[str, ...]
    cn_mobile_prefixes: tuple[str, ...]
    us_exchanges: tuple[tuple[str, str], ...]  # (area code, exchange)


def _valid(e164: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(e164, None))


@cache
def pools(seed: int) -> Pools:
    """Name, street and phone pools for a seed; built once per process (about a second)."""
    rng = random.Random(f"{seed}:pools")
    family = [(name, weight) for name, weight in ZhPerson.last_names.items() if name in PINYIN]
    given = tuple(name for name in ZhPerson.first_names if all(ch in PINYIN for ch in name))
    faker = Faker("en_US")
    faker.seed_instance(seed)
    streets = tuple(faker.street_address() for _ in range(400))
    companies = tuple(dict.fromkeys(faker.company() for _ in range(600)))
    # Only the number ranges that phonenumbers accepts whatever the last digits are.
    prefixes = tuple(
        p
        for p in (*map(str, range(130, 140)), "150", "151", "152", "153", "155", "156", "157", "158", "159", *map(str, range(180, 190)))
        if all(_valid(f"+86{p}{rng.randrange(10**8):08d}") for _ in range(20))
    )
    exchanges = tuple(
        (place.area_code, f"{exchange}")
        for place in US_PLACES
        for exchange in rng.sample(range(201, 990), 40)
        if exchange % 100 != 11
        and exchange != 555
        and all(_valid(f"+1{place.area_code}{exchange}{rng.randrange(10**4):04d}") for _ in range(5))
    )
    return Pools(
        zh_family=tuple(name for name, _ in family),
        zh_family_weights=tuple(float(weight) for _, weight in family),
        zh_given=given,
        en_first=tuple(EnPerson.first_names),
        en_last=tuple(EnPerson.last_names),
        en_streets=streets,
        en_companies=companies,
        cn_mobile_prefixes=prefixes,
        us_exchanges=exchanges,
    )


def typed_cn_mobile(digits: str, style: int) -> str:
    """A Chinese mobile as people type it: ``138 0013 8000``, ``+86-138-0013-8000``, ``0086 13800138000``..."""
    a, b, c = digits[:3], digits[3:7], digits[7:]
    return (
        f"{a} {b} {c}",
        f"+86 {a} {b} {c}",
        f"+86-{a}-{b}-{c}",
        digits,
        f"0086 {a}-{b}-{c}",
        f"+86{digits}",
    )[style % 6]


def typed_us_phone(area: str, exchange: str, line: str, style: int) -> str:
    return (f"+1 ({area}) {exchange}-{line}", f"+1 {area}-{exchange}-{line}", f"+1{area}{exchange}{line}", f"001 {area} {exchange} {line}")[
        style % 4
    ]
