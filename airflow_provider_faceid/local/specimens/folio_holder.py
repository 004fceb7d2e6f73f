"""Card holders for the folio renderer, drawn from vocabularies of their own.

Written apart from :mod:`person`'s generator (only its :class:`Person` dataclass is shared) so that
the held-out specimens differ from the tuning ones in their data too: other surname and given-name
pools (compound and rare surnames included), transliterated names for the groups that use them, all
56 ethnic groups (汉 most often, every minority now and then, often in its home province), another
address style and another way of naming the issuing police office.

The number is a real GB/T 2260 county code of the latest edition, the birthday, a sequence whose
last digit is odd for men and even for women, and the GB 11643 check character. The validity follows
the Resident Identity Card Law by age at issue: under 16 five years, 16-25 ten, 26-45 twenty, 46 and
over 长期 (``valid_until`` None).
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Sequence

from airflow_provider_faceid import idnumber, regions
from airflow_provider_faceid.local.specimens.person import Person

BIRTHDAYS = (dt.date(1930, 1, 1), dt.date(2012, 12, 31))
ISSUES = (dt.date(2005, 1, 1), dt.date(2025, 12, 31))
# An address prints over at most three lines of about 11 characters (digits count half).
ADDRESS_MAX_UNITS = 33.0

_COMMON_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁"
    "任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严"
    "莫孔向常汤康易乔赖文施洪辛柴牛樊葛邢安齐伍庞颜倪温季俞章鲁焦岳柳霍符包凌关费单阎耿宁殷卜蒙褚屈"
)
_RARE_SURNAMES = (
    "禚",
    "邝",
    "鄢",
    "缪",
    "璩",
    "鞠",
    "蒯",
    "郗",
    "訾",
    "逄",
    "晁",
    "眭",
    "隗",
    "亓",
    "仉",
    "阚",
    "揭",
    "冼",
    "敖",
    "麦",
    "郜",
    "璟",
    "佘",
    "邴",
    "靳",
    "芮",
    "糜",
    "鲍",
)
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "令狐",
    "上官",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "东方",
    "夏侯",
    "端木",
    "长孙",
    "宇文",
    "呼延",
    "南宫",
    "澹台",
    "百里",
)
_MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭龙林阳建国志文海东亮成峰晨博轩睿泽昊璟瑜琛翔彬嘉毅铭锋"
)
_FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲桂英燕萍红梅琳雪慧颖婷倩洁莉佳欣怡悦彤琪萱涵诗雨晴璐瑶婧蕾薇岚菲瑾媛"
_SHARED_CHARS = "子一可思心安宁语若晓春秋云天金玉永福德兰珍晗沐辰星乐"

_UYGHUR_MALE = (
    "买买提",
    "艾力",
    "阿不都",
    "吐尔逊",
    "艾尔肯",
    "热合曼",
    "努尔",
    "亚森",
    "卡德尔",
    "伊力哈木",
    "阿迪力",
    "麦麦提",
    "吾斯曼",
    "艾山",
    "肉孜",
    "依明",
)
_UYGHUR_FEMALE = (
    "古丽",
    "阿依古丽",
    "热依拉",
    "帕提古丽",
    "迪丽拜尔",
    "阿娜尔",
    "米娜瓦尔",
    "祖丽菲亚",
    "佐热",
    "阿依努尔",
)
_KAZAKH_MALE = ("叶尔兰", "努尔兰", "哈力木", "别克", "巴合提", "叶尔江", "赛力克", "阿斯哈尔", "马合沙提")
_KAZAKH_FEMALE = ("加娜尔", "阿依达娜", "古丽娜尔", "阿依别克", "沙吾列", "玛依拉")
_TIBETAN_PARTS = (
    "扎西",
    "次仁",
    "多吉",
    "顿珠",
    "平措",
    "格桑",
    "洛桑",
    "尼玛",
    "达瓦",
    "旺堆",
    "索朗",
    "普布",
    "边巴",
    "拉巴",
    "贡嘎",
)
_TIBETAN_FEMALE = ("卓玛", "央金", "拉姆", "德吉", "白玛", "曲珍", "措姆", "央宗", "玉珍")
_MONGOL_MALE = (
    "巴特尔",
    "额尔敦",
    "苏和",
    "朝鲁",
    "宝音",
    "毕力格",
    "孟和",
    "乌力吉",
    "哈斯",
    "巴雅尔",
    "阿拉坦",
    "格日勒图",
)
_MONGOL_FEMALE = ("图雅", "其其格", "乌云", "萨仁", "娜仁", "斯琴", "高娃", "乌云其木格", "塔娜", "琪琪格")
_RUSSIAN_MALE = (("伊万", "彼得罗夫"), ("安德烈", "伊万诺夫"), ("尼古拉", "瓦西里耶夫"), ("谢尔盖", "沃罗宁"))
_RUSSIAN_FEMALE = (
    ("娜塔莎", "伊万诺娃"),
    ("安娜", "彼得罗娃"),
    ("玛丽娅", "索科洛娃"),
    ("柳德米拉", "沃罗宁娜"),
)

# (group, weight, home province prefixes); 汉 takes about 55 %, every minority at least ~0.4 %.
_GROUPS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("汉", 120.0, ()),
    ("壮", 6, ("45",)),
    ("回", 5, ("64", "62")),
    ("满", 4.5, ("21", "13")),
    ("维吾尔", 4.5, ("65",)),
    ("苗", 4, ("52", "43")),
    ("彝", 4, ("53", "51")),
    ("土家", 3.5, ("43", "42")),
    ("藏", 3.5, ("54", "63", "51")),
    ("蒙古", 3.5, ("15",)),
    ("侗", 2.5, ("52",)),
    ("布依", 2.5, ("52",)),
    ("瑶", 2.5, ("45",)),
    ("白", 2, ("53",)),
    ("朝鲜", 2, ("22",)),
    ("哈尼", 2, ("53",)),
    ("黎", 2, ("46",)),
    ("哈萨克", 2, ("65",)),
    ("傣", 2, ("53",)),
    ("畲", 1.5, ("35", "33")),
    ("傈僳", 1.5, ("53",)),
    ("东乡", 1, ("62",)),
    ("仡佬", 1, ("52",)),
    ("拉祜", 1, ("53",)),
    ("佤", 1, ("53",)),
    ("水", 1, ("52",)),
    ("纳西", 1, ("53",)),
    ("羌", 1, ("51",)),
    ("土", 1, ("63",)),
    ("仫佬", 1, ("45",)),
    ("锡伯", 1, ("65", "21")),
    ("柯尔克孜", 1, ("65",)),
    ("景颇", 1, ("53",)),
    ("达斡尔", 1, ("15", "23")),
    ("撒拉", 1, ("63",)),
    ("布朗", 1, ("53",)),
    ("毛南", 1, ("45",)),
    ("塔吉克", 1, ("65",)),
    ("普米", 1, ("53",)),
    ("阿昌", 1, ("53",)),
    ("怒", 1, ("53",)),
    ("鄂温克", 1, ("15",)),
    ("京", 1, ("45",)),
    ("基诺", 1, ("53",)),
    ("德昂", 1, ("53",)),
    ("保安", 1, ("62",)),
    ("俄罗斯", 1, ("65", "23")),
    ("裕固", 1, ("62",)),
    ("乌孜别克", 1, ("65",)),
    ("门巴", 1, ("54",)),
    ("鄂伦春", 1, ("15", "23")),
    ("独龙", 1, ("53",)),
    ("赫哲", 1, ("23",)),
    ("高山", 1, ("35",)),
    ("塔塔尔", 1, ("65",)),
    ("珞巴", 1, ("54",)),
)

_ROAD_STEMS = (
    "人民",
    "解放",
    "建设",
    "中山",
    "和平",
    "新华",
    "文化",
    "胜利",
    "朝阳",
    "光明",
    "长江",
    "黄河",
    "东风",
    "红旗",
    "幸福",
    "友谊",
    "滨江",
    "青年",
    "工农",
    "迎宾",
    "健康",
    "团结",
    "学府",
    "纺织",
    "铁路",
    "育才",
)
_ROAD_SUFFIXES = ("路", "街", "大道", "东路", "西路", "南路", "北路", "中路", "大街", "巷", "南街", "北街")
_PLACE_STEMS = (
    "东山",
    "西河",
    "南塘",
    "北坡",
    "杨柳",
    "桃园",
    "石桥",
    "青龙",
    "白沙",
    "黄土",
    "金竹",
    "马家",
    "王庄",
    "李家",
    "高坪",
    "柏树",
    "龙泉",
    "凤凰",
    "双河",
    "三合",
    "新民",
    "太平",
    "永安",
    "长乐",
    "兴隆",
    "红星",
    "大坝",
    "小湾",
    "梨花",
    "枫林",
    "茶山",
    "沙坪",
    "河口",
    "上营",
    "下寨",
    "前进",
    "火塘",
    "清水",
)
_COMPOUND_NAMES = (
    "锦绣",
    "阳光",
    "翠苑",
    "金色",
    "碧水",
    "华府",
    "怡景",
    "康乐",
    "世纪",
    "丽都",
    "御景",
    "和谐",
)
_COMPOUND_KINDS = ("小区", "花园", "家园", "新村", "公寓", "苑")

_NON_RESIDENTIAL = ("群岛", "海域")


def _units(text: str) -> float:
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


@functools.cache
def _county_codes() -> tuple[str, ...]:
    keep = []
    for code in regions.current_county_codes():
        region = regions.lookup(code)
        if region is None or region.county is None:
            continue
        if region.county.endswith(("区", "县", "市", "旗")) and not any(
            w in region.county for w in _NON_RESIDENTIAL
        ):
            keep.append(code)
    return tuple(keep)


@functools.cache
def _codes_by_province() -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for code in _county_codes():
        grouped.setdefault(code[:2], []).append(code)
    return {prefix: tuple(codes) for prefix, codes in grouped.items()}


def _date_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def age_at(birthday: dt.date, day: dt.date) -> int:
    """Completed years of age on ``day``."""
    return day.year - birthday.year - ((day.month, day.day) < (birthday.month, birthday.day))


def validity_years(age: int) -> int | None:
    """Years a card issued at ``age`` is valid for; None for 长期."""
    if age < 16:
        return 5
    if age <= 25:
        return 10
    if age <= 45:
        return 20
    return None


def _weighted(rng: random.Random, items: Sequence[str], head: int) -> str:
    """An item, the first ``head`` ones about three times as likely as the rest."""
    weights = [3.0 if i < head else 1.0 for i in range(len(items))]
    return rng.choices(items, weights=weights)[0]


def _han_name(rng: random.Random, gender: str) -> str:
    roll = rng.random()
    if roll < 0.04:
        surname = rng.choice(_COMPOUND_SURNAMES)
    elif roll < 0.09:
        surname = rng.choice(_RARE_SURNAMES)
    else:
        surname = _weighted(rng, _COMMON_SURNAMES, 30)
    pool = (_MALE_CHARS if gender == "男" else _FEMALE_CHARS) + _SHARED_CHARS
    length = rng.choices((1, 2, 3), weights=(30, 66, 4))[0]
    if len(surname) == 2 and length == 3:
        length = 2
    return surname + "".join(rng.choice(pool) for _ in range(length))


def _dotted(rng: random.Random, gender: str, male: Sequence[str], female: Sequence[str]) -> str:
    own = rng.choice(male if gender == "男" else female)
    father = rng.choice(male)
    name = f"{own}·{father}"
    return name if len(name) <= 10 else own


def _name(rng: random.Random, gender: str, race: str) -> str:
    roll = rng.random()
    if race in ("维吾尔", "乌孜别克", "塔塔尔") and roll < 0.9:
        return _dotted(rng, gender, _UYGHUR_MALE, _UYGHUR_FEMALE)
    if race in ("哈萨克", "柯尔克孜", "塔吉克") and roll < 0.85:
        return _dotted(rng, gender, _KAZAKH_MALE, _KAZAKH_FEMALE)
    if race in ("藏", "门巴", "珞巴") and roll < 0.85:
        first = rng.choice(_TIBETAN_PARTS)
        second = rng.choice(_TIBETAN_PARTS if gender == "男" else _TIBETAN_FEMALE)
        return first if first == second or rng.random() < 0.15 else first + second
    if (race == "蒙古" and roll < 0.55) or (race in ("达斡尔", "鄂温克", "鄂伦春") and roll < 0.3):
        return rng.choice(_MONGOL_MALE if gender == "男" else _MONGOL_FEMALE)
    if race == "俄罗斯" and roll < 0.5:
        given, family = rng.choice(_RUSSIAN_MALE if gender == "男" else _RUSSIAN_FEMALE)
        return f"{given}·{family}"
    return _han_name(rng, gender)


def _region_code(rng: random.Random, homes: tuple[str, ...]) -> str:
    by_province = _codes_by_province()
    homes = tuple(p for p in homes if p in by_province)
    if homes and rng.random() < 0.7:
        return rng.choice(by_province[rng.choice(homes)])
    return rng.choice(_county_codes())


def _admin_prefix(region: regions.Region) -> str:
    return "".join(part for part in (region.province, region.city, region.county) if part)


def _tails(rng: random.Random, region: regions.Region) -> list[str]:
    """Candidate endings, most detailed first (the caller keeps the first that fits)."""
    county = region.county or region.name
    urban = county.endswith("区") or (county.endswith("市") and rng.random() < 0.6)
    num = rng.randint(1, 399)
    if urban:
        road = rng.choice(_ROAD_STEMS) + rng.choice(_ROAD_SUFFIXES)
        building, unit, room = (
            rng.randint(1, 36),
            rng.randint(1, 6),
            rng.randint(1, 32) * 100 + rng.randint(1, 8),
        )
        compound = rng.choice(_COMPOUND_NAMES) + rng.choice(_COMPOUND_KINDS)
        style = rng.randrange(4)
        if style == 0:
            detailed = f"{road}{num}号{building}栋{unit}单元{room}室"
        elif style == 1:
            detailed = f"{road}{num}号院{building}号楼{unit}门{room}号"
        elif style == 2:
            detailed = f"{rng.choice(_PLACE_STEMS)}街道{road}{num}号{compound}{building}幢{room}室"
        else:
            detailed = f"{road}{num}弄{building}号{room}室"
        return [
            detailed,
            f"{road}{num}号{building}栋{room}室",
            f"{road}{num}号",
            f"{road}{rng.randint(1, 99)}号",
        ]
    town = rng.choice(_PLACE_STEMS) + rng.choice(("镇", "乡"))
    village = rng.choice(_PLACE_STEMS) + rng.choice(("村", "村", "社区"))
    group = rng.choice(
        (f"{rng.randint(1, 15)}组", f"{rng.choice('一二三四五六七八九十')}组", f"{rng.randint(1, 9)}社")
    )
    if village.endswith("社区"):
        group = f"{rng.randint(1, 12)}巷"
    return [
        f"{town}{village}{group}{num}号",
        f"{town}{village}{num}号",
        f"{village}{group}{num}号",
        f"{village}{rng.randint(1, 99)}号",
    ]


def _address(rng: random.Random, region: regions.Region) -> str:
    prefix = _admin_prefix(region)
    if _units(prefix) > 22 and region.city:  # very long autonomous names: the card leaves the prefecture out
        prefix = region.province + (region.county or "")
    for tail in _tails(rng, region):
        if _units(prefix + tail) <= ADDRESS_MAX_UNITS:
            return prefix + tail
    return prefix + f"{rng.randint(1, 99)}号"


def _issued_by(rng: random.Random, region: regions.Region) -> str:
    county = region.county or region.name
    if county.endswith("区") and not county.endswith(("林区", "特区")):
        parent = region.city or region.province
        short = county[:-1] if len(county) > 2 and rng.random() < 0.7 else county
        return f"{parent}公安局{short}分局"
    return f"{county}公安局"


def _number(rng: random.Random, code: str, birthday: dt.date, gender: str) -> str:
    last = rng.choice("13579" if gender == "男" else "02468")
    first17 = f"{code}{birthday:%Y%m%d}{rng.randint(0, 99):02d}{last}"
    return first17 + idnumber.check_char(first17)


def folio_holder(rng: random.Random) -> Person:
    """One consistent card holder, all of it from ``rng``."""
    gender = rng.choice(("男", "女"))
    race, _, homes = rng.choices(_GROUPS, weights=[g[1] for g in _GROUPS])[0]
    name = _name(rng, gender, race)
    birthday = _date_between(rng, *BIRTHDAYS)
    code = _region_code(rng, homes)
    region = regions.lookup(code)
    if region is None:  # pragma: no cover - the codes come from the table
        raise RuntimeError(f"region {code} vanished from the GB/T 2260 table")
    issue_date = _date_between(rng, max(ISSUES[0], birthday + dt.timedelta(days=30)), ISSUES[1])
    years = validity_years(age_at(birthday, issue_date))
    return Person(
        name=name,
        gender=gender,
        race=race,
        birthday=birthday,
        region_code=code,
        address=_address(rng, region),
        id_card_number=_number(rng, code, birthday, gender),
        issued_by=_issued_by(rng, region),
        issue_date=issue_date,
        valid_until=None if years is None else _add_years(issue_date, years),
    )


ETHNIC_GROUPS = tuple(g[0] for g in _GROUPS)
