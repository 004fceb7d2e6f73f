"""Check the first character of a name against common Chinese surnames.

A name's first character is nearly always one of a few hundred surnames. When the recogniser's
first choice there is not a surname but its own second choice is (洗 / 冼), the second choice is
taken; nothing outside the recogniser's two readings is ever filled in.
"""

from __future__ import annotations

from airflow_provider_faceid.local.engine.reading import REPAIRABLE_BELOW, Reading

# Single-character surnames, the most frequent few hundred plus rarer ones seen on cards.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练"
    "廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿"
    "鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由訾粘隗郗"
    "萧洪赖傅阎"
)

# Two-character surnames: their first character alone (令 of 令狐) is often no surname.
COMPOUND_SURNAMES = frozenset(
    (
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "慕容", "令狐", "夏侯", "公孙", "长孙",
        "宇文", "司徒", "轩辕", "端木", "独孤", "南宫", "闻人", "万俟", "澹台", "西门", "申屠", "太史",
        "钟离", "呼延", "拓跋", "百里", "东郭", "濮阳", "司空", "第五", "左丘", "公羊", "赫连", "锺离",
    )
)  # fmt: skip


# Glyphs the recogniser reads out of label-to-value gaps; none is a surname.
_STROKES = frozenset("一丨|-_—~")


def starts_with_surname(text: str) -> bool:
    """Whether ``text`` starts with a listed single or two-character surname."""
    return text[:1] in SURNAMES or text[:2] in COMPOUND_SURNAMES


def checked_name(reading: Reading) -> Reading:
    """``reading`` with its first character swapped for the runner-up when only that is a surname.

    The swapped character keeps the first choice's confidence: the list decides between the two
    readings, it does not make either more certain.
    """
    if reading.text[:1] in _STROKES and starts_with_surname(reading.text[1:]):
        # A dash read out of the gap between 姓名 and the name: no name starts with one.
        reading = Reading(reading.text[1:], reading.scores[1:], reading.runners_up[1:])
    if not reading.text or starts_with_surname(reading.text):
        return reading
    runner = reading.runners_up[0] if reading.runners_up else ""
    if runner not in SURNAMES or reading.scores[0] >= REPAIRABLE_BELOW:
        # A sure reading of a rare surname (禤) stays as read.
        return reading
    return Reading(runner + reading.text[1:], reading.scores, reading.runners_up)
