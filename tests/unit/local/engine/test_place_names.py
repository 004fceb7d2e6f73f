"""Place names from GB/T 2260 confirm unsure characters and repair from the runner-up."""

from __future__ import annotations

from airflow_provider_faceid.local.engine.place_names import checked, has_districts, place_names
from airflow_provider_faceid.local.engine.reading import Reading


def reading(
    text: str, scores: dict[int, float] | None = None, runners: dict[int, str] | None = None
) -> Reading:
    return Reading(
        text,
        tuple((scores or {}).get(i, 0.99) for i in range(len(text))),
        tuple((runners or {}).get(i, "") for i in range(len(text))),
    )


def read_as_is(text: str) -> bool:
    """Whether ``text``, read surely throughout, comes out of the place-name check unchanged."""
    return checked(reading(text)).text == text


def test_table_holds_full_and_short_names() -> None:
    names = place_names()
    assert "珙县" in names and "宝坻区" in names and "宝坻" in names


def test_an_unsure_character_inside_a_place_name_is_confirmed() -> None:
    read = reading("四川省宜宾市珙县滨江路", scores={6: 0.43})
    assert checked(read).starred() == "四川省宜宾市珙县滨江路"
    assert read.starred() == "四川省宜宾市*县滨江路"
    # Without its parent before it, a two-character name confirms no unreadable character: 滨
    # at 0.44 where a mark covers 泗洪 stays unreadable (hundreds of names end in 县).
    alone = reading("滨县公安局", scores={0: 0.44})
    assert checked(alone).starred() == "*县公安局"
    assert checked(reading("滨县公安局", scores={0: 0.6})).starred() == "滨县公安局"
    # An authority ending is structure, not a name: its unreadable 分 is confirmed.
    assert checked(reading("柳州市公安局柳江分局", scores={8: 0.27})).starred() == "柳州市公安局柳江分局"


def test_runner_up_completing_a_long_name_repairs_it() -> None:
    read = reading("重庆市西阳土家族苗族自治县", scores={3: 0.6}, runners={3: "酉"})
    assert checked(read).text == "重庆市酉阳土家族苗族自治县"
    sure = reading("西阳土家族苗族自治县", runners={0: "酉"})  # no parent before it: see below
    assert checked(sure).text == "西阳土家族苗族自治县"


def test_an_authority_ending_is_repaired_from_the_runner_up_of_an_unsure_character() -> None:
    read = reading("铜川市公委局王益分局", scores={4: 0.62}, runners={4: "安"})
    assert checked(read).text == "铜川市公安局王益分局"
    # Read surely, or with another runner-up, it stays as read.
    assert checked(reading("铜川市公委局王益分局", runners={4: "安"})).text == "铜川市公委局王益分局"
    assert checked(reading("铜川市公委局", scores={4: 0.62}, runners={4: "会"})).text == "铜川市公委局"


def test_nothing_outside_first_and_second_choices_is_filled_in() -> None:
    # Without a parent before it, a name one character off stays as read.
    read = reading("西阳土家族苗族自治县", runners={0: "四"})
    assert checked(read).text == "西阳土家族苗族自治县"
    unsure = reading("某某路甲号", scores={3: 0.2})
    assert checked(unsure).starred() == "某某路*号"


def test_a_name_after_its_parent_is_repaired_among_the_parents_subdivisions() -> None:
    # A stamp's ring made the recogniser sure of 埔: 宿州市 has no 埔桥区, only 埇桥区.
    assert (
        checked(reading("安徽省宿州市埔桥区江北街道新华巷194号")).text
        == "安徽省宿州市埇桥区江北街道新华巷194号"
    )
    assert checked(reading("山东省菏泽市牡舟区朝阳巷119号")).text == "山东省菏泽市牡丹区朝阳巷119号"
    assert checked(reading("宿州市公安局埔桥分局")).text == "宿州市公安局埇桥分局"
    assert checked(reading("重庆市西阳土家族苗族自治县")).text == "重庆市酉阳土家族苗族自治县"
    # 孟县 is a county, but Henan's: right after 阳泉市 it can only be that city's 盂县.
    assert checked(reading("山西省阳泉市孟县柏树镇")).text == "山西省阳泉市盂县柏树镇"


def test_one_unsure_character_too_many_inside_a_subdivision_after_its_parent_goes() -> None:
    # 二 at 0.69 where the row wrapped inside 红寺堡区, 吴忠市's district.
    text = "宁夏回族自治区吴忠市红寺二堡区滨江中路260号"
    assert checked(reading(text, {12: 0.69})).text == "宁夏回族自治区吴忠市红寺堡区滨江中路260号"
    # Read surely, the character is print: the name stays as read.
    assert checked(reading(text)).text == text


def test_the_subdivision_rule_needs_the_level_suffix_as_printed_and_one_answer() -> None:
    assert read_as_is("安徽省宿州市萧路3号")  # a street, not 萧县
    assert read_as_is("湖北省荆州市公安县公安局")
    assert read_as_is("北京市朝阳区东三环")
    # 重庆市 was Sichuan's before 1997, without 垫江县: a name of any edition's is no misread.
    assert read_as_is("重庆市垫江县金山街道")
    # Two characters off is no misread of one.
    assert read_as_is("安徽省宿州市埔杨区")
    # A district's whole name before 分局 names it (北戴河区分局), though one character from the
    # short form of 北戴河新区 (北戴河新分局).
    assert read_as_is("秦皇岛市公安局北戴河区分局")


def test_the_runner_up_decides_between_subdivisions_one_character_away() -> None:
    # 颖泉分局 is one character from both 颍泉分局 and 临泉分局 under 阜阳市.
    assert read_as_is("阜阳市公安局颖泉分局")
    # The recogniser's runner-up for 颖 (read surely) spells one of them.
    assert checked(reading("阜阳市公安局颖泉分局", runners={6: "颍"})).text == "阜阳市公安局颍泉分局"
    # A runner-up spelling neither leaves it as read.
    assert checked(reading("阜阳市公安局颖泉分局", runners={6: "顺"})).text == "阜阳市公安局颖泉分局"


def test_an_unsure_characters_runner_up_counts_as_read_when_a_subdivision_is_one_away() -> None:
    # 域 at 0.71 with 城 second, 板 read short of sure: 达坂城分局 but for 板.
    text = "乌鲁木齐市公安局达板域分局"
    at = text.index("域")
    assert checked(reading(text, scores={at: 0.71}, runners={at: "城"})).text == "乌鲁木齐市公安局达坂城分局"
    # Read surely, or with another runner-up: two characters away, as read.
    assert checked(reading(text, runners={at: "城"})).text == text
    assert checked(reading(text, scores={at: 0.71}, runners={at: "域"})).text == text


def test_an_address_starts_with_the_one_province_an_unreadable_character_leaves() -> None:
    assert checked(reading("广西状族自治区贺州市", scores={2: 0.3})).starred() == "广西壮族自治区贺州市"
    assert checked(reading("广末省广州市", scores={1: 0.2})).starred() == "广东省广州市"
    # Several provinces fit (山西, 江西, 陕西): as read, unless a prefecture of one follows.
    assert checked(reading("夹西省人民路1号", scores={0: 0.3})).starred() == "*西省人民路1号"
    assert checked(reading("夹西省太原市", scores={0: 0.3})).starred() == "山西省太原市"
    # A character read surely is what the card prints, unless a prefecture of it follows.
    assert checked(reading("广西状族自治区人民路1号")).starred() == "广西状族自治区人民路1号"
    assert checked(reading("广西状族自治区贺州市")).starred() == "广西壮族自治区贺州市"


def test_an_address_whose_first_character_was_lost_starts_with_the_one_province_it_names() -> None:
    # 广 under a mark's 样本, cut out with it: 西壮族自治区 is one province's name but its first.
    assert checked(reading("西壮族自治区柳州市")).starred() == "广西壮族自治区柳州市"
    assert checked(reading("龙江省佳木斯市")).starred() == "黑龙江省佳木斯市"
    # Two characters with the suffix name several (广东/山东, 吉林...): as read, unless what
    # follows is a subdivision of only one of them.
    assert checked(reading("东省中山路1号")).starred() == "东省中山路1号"
    assert checked(reading("林省长春市")).starred() == "吉林省长春市"


def test_a_parent_one_character_off_is_put_right_from_the_subdivision_after_it() -> None:
    # 宜 lost at the row's start (or read surely as 宣): only 宜春市 has 袁州区, 长春市 none.
    assert checked(reading("春市公安局袁州分局")).text == "宜春市公安局袁州分局"
    assert checked(reading("宣春市公安局袁州分局")).text == "宜春市公安局袁州分局"
    assert checked(reading("京市公安局昌平分局")).text == "北京市公安局昌平分局"
    # After the province: the prefecture of the county that follows (behind a half-read label).
    assert checked(reading("福建省漳川市南靖县王庄乡")).text == "福建省漳州市南靖县王庄乡"
    assert checked(reading("区星广东省浙江市廉江市清水乡")).text == "区星广东省湛江市廉江市清水乡"
    # Two characters off, both read unsure: of Hainan's cities only 三亚市 has 海棠区.
    unsure = reading("海南省一业市海棠区幸福路", scores={3: 0.63, 4: 0.63})
    assert checked(unsure).text == "海南省三亚市海棠区幸福路"
    henan = reading("河南省高丘浦永城市茶山乡", scores={3: 0.58, 5: 0.6})
    assert checked(henan).text == "河南省商丘市永城市茶山乡"
    # One of the two read surely, or three off: as read.
    assert checked(reading("海南省一业市海棠区", scores={3: 0.63})).text == "海南省一业市海棠区"
    three = reading("河南省高岳浦永城市", scores={3: 0.58, 4: 0.6, 5: 0.6})
    assert checked(three).text == "河南省高岳浦永城市"
    # A stretch that names a place, or two characters off, or before no subdivision: as read.
    assert read_as_is("福建省漳州南靖县")
    assert read_as_is("福建省2川市南靖县")
    assert read_as_is("春市公安局")


def test_cities_with_districts_are_told_from_county_level_cities_and_provinces() -> None:
    assert has_districts("通化市") and has_districts("北京市")  # a prefecture's, a municipality
    assert not has_districts("敦煌市")  # a county-level city: no districts under it
    assert not has_districts("吉林省") and not has_districts("不存在市")


def test_a_subdivision_one_parent_has_as_read_is_not_repaired_by_another() -> None:
    # An edition lists 平顶山市新城区 under 河南省 itself: one character away from 平顶山市新华区,
    # which 平顶山市 has as read. Repairing it there and back again never ended.
    read = reading("河南省平顶山市新华区朝阳巷239号")
    assert checked(read).text == "河南省平顶山市新华区朝阳巷239号"
    # A misread the nearer parent has no name for is still repaired among its own.
    assert checked(reading("安徽省宿州市埔桥区大泽乡")).text == "安徽省宿州市埇桥区大泽乡"


def test_a_branch_of_one_character_gets_back_the_one_it_lost_when_one_branch_fits() -> None:
    # 铁 lost under a mark: of 四平市's districts only 铁东区 holds 东.
    assert checked(reading("四平市公安局东分局")).text == "四平市公安局铁东分局"
    assert checked(reading("吉林省四平市公安局西分局")).text == "吉林省四平市公安局铁西分局"
    # 铁 fits 铁东 and 铁西 alike; a branch of two characters was read whole; no 公安局 before it.
    assert read_as_is("四平市公安局铁分局")
    assert read_as_is("四平市公安局梨树分局")
    assert read_as_is("四平市东分局")


def test_a_long_name_that_lost_an_inner_character_gets_it_back() -> None:
    assert checked(reading("琼中黎族苗族治县公安局")).text == "琼中黎族苗族自治县公安局"
    # Never inside a name read whole, though 黔西南... less 西 and 东方黎族自治县 less 方 read so.
    assert read_as_is("贵州省黔南布依族苗族自治州都匀市")
    assert read_as_is("海南省乐东黎族自治县")
    # A short name less a character is left as read: too many names would fit.
    assert read_as_is("宜春袁州分局")


def test_a_long_name_read_as_printed_but_where_unsure_is_that_name() -> None:
    # A strongly compressed back: six characters unsure, nine as printed.
    text, name = "双江括协族优族布期族俗绩自治县公安局", "双江拉祜族佤族布朗族傣族自治县公安局"
    unsure = {2: 0.74, 3: 0.61, 5: 0.61, 8: 0.63, 10: 0.36, 11: 0.24}
    assert checked(reading(text, scores=unsure)).text == name
    # A character short of sure counts only with the name's own as runner-up (期 at 0.76, 朗 second).
    runner = {**unsure, 8: 0.76}
    assert checked(reading(text, scores=runner, runners={8: "朗"})).text == name
    assert checked(reading(text, scores=runner)).text == text
    # One differing character read surely, or fewer than half read as printed: as read.
    assert checked(reading(text, scores={**unsure, 3: 0.95})).text == text
    garbled = "双江括协挤优挤市期挤俗绩自治县"
    assert checked(reading(garbled, scores={**unsure, 4: 0.3, 6: 0.3, 7: 0.3})).text == garbled
