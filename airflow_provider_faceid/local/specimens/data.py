"""Vocabularies the specimen generator draws names, ethnic groups and address details from.

Every character here is also in the character list of the recognizer faceid-local ships
(PP-OCRv4 in rapidocr-onnxruntime), except 仫 of 仫佬, which is kept because the 56 groups are
a fixed official list: a card that cannot be read exactly is something the engine must live with.
Rare given-name characters (堃, 喆, 淼 ...) are in the mix on purpose; characters the recognizer
cannot output at all (赟, 翀, 昉 ...) are left out so that a miss points at the engine, not at
the alphabet.
"""

from __future__ import annotations

# Common surnames, roughly in order of frequency, with rough weights (per mille of the population).
COMMON_SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 72), ("李", 71), ("张", 69), ("刘", 54), ("陈", 45), ("杨", 31), ("黄", 23), ("赵", 21),
    ("吴", 20), ("周", 19), ("徐", 13), ("孙", 12), ("马", 12), ("朱", 11), ("胡", 10), ("郭", 10),
    ("何", 9), ("高", 9), ("林", 9), ("罗", 8), ("郑", 8), ("梁", 8), ("谢", 6), ("宋", 6),
    ("唐", 6), ("许", 5), ("韩", 5), ("冯", 5), ("邓", 5), ("曹", 5), ("彭", 5), ("曾", 5),
    ("肖", 4), ("田", 4), ("董", 4), ("袁", 4), ("潘", 4), ("于", 4), ("蒋", 4), ("蔡", 4),
    ("余", 4), ("杜", 4), ("叶", 4), ("程", 4), ("苏", 3), ("魏", 3), ("吕", 3), ("丁", 3),
    ("任", 3), ("沈", 3), ("姚", 3), ("卢", 3), ("姜", 3), ("崔", 3), ("钟", 3), ("谭", 3),
    ("陆", 3), ("汪", 3), ("范", 3), ("金", 3), ("石", 3), ("廖", 3), ("贾", 3), ("夏", 3),
    ("韦", 3), ("付", 3), ("方", 2), ("白", 2), ("邹", 2), ("孟", 2), ("熊", 2), ("秦", 2),
    ("邱", 2), ("江", 2), ("尹", 2), ("薛", 2), ("闫", 2), ("段", 2), ("雷", 2), ("侯", 2),
    ("龙", 2), ("史", 2), ("陶", 2), ("黎", 2), ("贺", 2), ("顾", 2), ("毛", 2), ("郝", 2),
    ("龚", 2), ("邵", 2), ("万", 2), ("钱", 2), ("严", 2), ("覃", 2), ("武", 2), ("戴", 2),
)  # fmt: skip

# Surnames under 1 in 10,000 people; their characters are a stress test for a recognizer.
RARE_SURNAMES: tuple[str, ...] = (
    "冼",
    "訾",
    "缪",
    "粘",
    "亓",
    "仝",
    "隗",
    "郗",
    "靳",
    "阚",
    "佘",
    "昝",
    "逯",
    "扈",
)

COMPOUND_SURNAMES: tuple[str, ...] = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "慕容",
    "令狐",
    "夏侯",
)

MALE_GIVEN: str = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国志文东海峰晨博"
    "亮成彬洋毅振兴德昌旺福永庆春胜学兵新立全贵发武祥忠金良"
)
FEMALE_GIVEN: str = (
    "芳娜敏静丽艳娟霞秀玲燕婷雪琳洁颖倩慧梅萍红玉兰英佳欣怡雨思梦蕾瑶璐晶莉桂凤琴"
    "云莲真环荣爱妹月莹菲蓉娇彩萱诗涵悦妍"
)
NEUTRAL_GIVEN: str = "子晓嘉宏振家天小一文心安远清"
RARE_GIVEN: str = "堃喆昇淼犇玥珺璟晔炜昀彧骞祎琰瑄珏钰婧妤嫣姝娴婕芃蕙晗昕旸皓祺锟燚焱垚滢澍浚翊霁"

# The 56 officially recognised ethnic groups as the card prints them (without 族), with weights
# close to the census shares except 汉, lowered from ~91 % so that samples of a few hundred cards
# still carry a spread of groups.
ETHNIC_GROUPS: tuple[tuple[str, float], ...] = (
    ("汉", 850), ("壮", 14), ("回", 9), ("满", 8), ("维吾尔", 9), ("苗", 8), ("彝", 7), ("土家", 7),
    ("藏", 5), ("蒙古", 5), ("侗", 2.5), ("布依", 2.5), ("瑶", 2.5), ("白", 1.7), ("朝鲜", 1.5),
    ("哈尼", 1.4), ("黎", 1.3), ("哈萨克", 1.3), ("傣", 1.1), ("畲", 0.6), ("傈僳", 0.6),
    ("东乡", 0.5), ("仡佬", 0.5), ("拉祜", 0.4), ("佤", 0.4), ("水", 0.4), ("纳西", 0.3),
    ("羌", 0.3), ("土", 0.3), ("仫佬", 0.2), ("锡伯", 0.2), ("柯尔克孜", 0.2), ("景颇", 0.2),
    ("达斡尔", 0.2), ("撒拉", 0.2), ("布朗", 0.2), ("毛南", 0.2), ("塔吉克", 0.1), ("普米", 0.1),
    ("阿昌", 0.1), ("怒", 0.1), ("鄂温克", 0.1), ("京", 0.1), ("基诺", 0.1), ("德昂", 0.1),
    ("保安", 0.1), ("俄罗斯", 0.1), ("裕固", 0.1), ("乌孜别克", 0.1), ("门巴", 0.1), ("鄂伦春", 0.1),
    ("独龙", 0.1), ("赫哲", 0.1), ("高山", 0.1), ("珞巴", 0.1), ("塔塔尔", 0.1),
)  # fmt: skip

# Address details below the county level. Urban districts (names ending in 区) get street
# addresses, counties and county-level cities a mix of town/village and street addresses.
ROAD_NAMES: tuple[str, ...] = (
    "人民", "解放", "建设", "中山", "和平", "文化", "胜利", "新华", "友谊", "光明", "长江", "黄河",
    "朝阳", "幸福", "团结", "东风", "红旗", "青年", "工业", "学府", "花园", "滨江", "延安", "迎宾",
    "振兴", "南环", "北环", "体育", "府前", "健康", "民主", "中心", "站前", "育才", "金桥", "凤凰",
)  # fmt: skip
ROAD_SUFFIXES: tuple[str, ...] = ("路", "路", "路", "街", "大街", "大道", "巷")
SUBDISTRICTS: tuple[str, ...] = (
    "东城", "西湖", "北关", "南苑", "新华", "城东", "城南", "城西", "城北", "建设", "朝阳", "花园",
    "长安", "桥西", "江北", "湖滨", "龙泉", "金山", "河东", "钟楼",
)  # fmt: skip
COMMUNITIES: tuple[str, ...] = (
    "阳光", "锦绣", "华府", "翠苑", "丽景", "金色", "书香", "和谐", "紫荆", "碧水", "盛世", "怡和",
    "天域", "万家", "康乐", "绿洲",
)  # fmt: skip
COMMUNITY_SUFFIXES: tuple[str, ...] = ("小区", "花园", "家园", "新村", "公寓")
TOWNS: tuple[str, ...] = (
    "城关", "新集", "河口", "东关", "石桥", "柳林", "白沙", "杨庄", "王店", "高坪", "大河", "双河",
    "三里", "太平", "永安", "清水", "黄土", "马坊", "龙王", "桃源", "青山", "长岭", "沙河", "古城",
)  # fmt: skip
TOWN_SUFFIXES: tuple[str, ...] = ("镇", "镇", "乡")
VILLAGES: tuple[str, ...] = (
    "前进", "红星", "张庄", "刘湾", "马家", "杨柳", "石门", "李家", "新庄", "东岗", "西沟", "南坪",
    "北山", "何家", "陈塘", "周湾", "大王", "后营", "孙庄", "梨园",
)  # fmt: skip
