"""Splitting printed labels off the values they were read together with."""

from __future__ import annotations

from airflow_provider_faceid.local.engine.labels import BACK_LABELS, FRONT_LABELS, split_labels
from tests.unit.local.lines import line


def test_gender_and_race_in_one_box_give_four_segments_left_to_right() -> None:
    segments = split_labels(line("性别男民族汉", 60, 125), FRONT_LABELS)
    assert [(s.label, s.text) for s in segments] == [
        ("性别", "性别"),
        (None, "男"),
        ("民族", "民族"),
        (None, "汉"),
    ]
    lefts = [s.line.left for s in segments]
    assert lefts == sorted(lefts)
    assert all(s.line.vertical_overlap(segments[0].line) == 1.0 for s in segments)


def test_two_character_labels_only_count_at_the_start_of_a_box() -> None:
    # 出生 inside an address is a value, not the birthday label.
    segments = split_labels(line("某地出生路1号", 150, 250), FRONT_LABELS)
    assert [s.label for s in segments] == [None]


def test_shortened_long_labels_still_match() -> None:
    segments = split_labels(line("有效期2005.04.01-2015.04.01", 200, 470), BACK_LABELS)
    assert segments[0].label == "有效期限"
    assert segments[1].text == "2005.04.01-2015.04.01"


def test_a_label_needs_most_characters_read_as_first_choice() -> None:
    assert split_labels(line("佳址", 60, 250, runners={0: "住"}), FRONT_LABELS)[0].label == "住址"
    assert split_labels(line("佳扯", 60, 250, runners={0: "住", 1: "址"}), FRONT_LABELS)[0].label is None


def test_a_long_label_matches_when_every_character_is_a_first_or_second_choice() -> None:
    runners = {0: "签", 1: "发", 3: "关"}  # 签发机关 read as 图安机美 on a strongly compressed capture
    segments = split_labels(line("图安机美翁牛特旗公安局", 200, 395, runners=runners), BACK_LABELS)
    assert [(s.label, s.text) for s in segments] == [("签发机关", "图安机美"), (None, "翁牛特旗公安局")]
    # Not without a first choice among them, nor with one character neither.
    all_runners = {**runners, 2: "机"}
    assert split_labels(line("图安模美翁牛特旗", 200, 395, runners=all_runners), BACK_LABELS)[0].label is None
    assert (
        split_labels(line("图安机美翁牛特旗", 200, 395, runners={0: "签", 1: "发"}), BACK_LABELS)[0].label
        is None
    )


def test_a_long_label_with_one_character_misread_surely_still_matches() -> None:
    # 签发机关 on a screen re-shoot: 机 read as 截 at 0.80, 关 as 天 with 关 its runner-up.
    read = line("签发截天荥阳市公安局", 200, 395, scores={2: 0.8, 3: 0.58}, runners={3: "关"})
    segments = split_labels(read, BACK_LABELS)
    assert [(s.label, s.text) for s in segments] == [("签发机关", "签发截天"), (None, "荥阳市公安局")]
    # Two characters neither first nor second choice: no label.
    read = line("签发截天荥阳市公安局", 200, 395, scores={2: 0.8, 3: 0.58})
    assert split_labels(read, BACK_LABELS)[0].label is None


def test_a_lone_xing_before_a_surname_is_the_name_label_with_its_ming_lost() -> None:
    segments = split_labels(line("姓陈萱娜", 35, 47), FRONT_LABELS)
    assert [(s.label, s.text) for s in segments] == [("姓名", "姓"), (None, "陈萱娜")]
    # Before no surname, or with only one character after it, 姓 is read as the value's.
    assert [s.label for s in split_labels(line("姓萱娜", 35, 47), FRONT_LABELS)] == [None]
    assert [s.label for s in split_labels(line("姓陈", 35, 47), FRONT_LABELS)] == [None]


def test_a_label_starts_after_what_the_box_read_unsure_out_of_its_edge() -> None:
    # 姓 faded on a compressed capture: 1 read at 0.43 in its place, then 名 and the name.
    segments = split_labels(line("1名樊怡", 35, 47, scores={0: 0.43}), FRONT_LABELS)
    assert [(s.label, s.text) for s in segments] == [(None, "1"), ("姓名", "名"), (None, "樊怡")]
    # A sure digit before it is a value's: the two-character label counts only at a box's start.
    assert [s.label for s in split_labels(line("1名樊怡", 35, 47), FRONT_LABELS)] == [None]
    # 姓 read as another character, unreadable (禁 at 0.17): 名 starts no name.
    segments = split_labels(line("禁名林凯", 35, 47, scores={0: 0.17}), FRONT_LABELS)
    assert [(s.label, s.text) for s in segments] == [(None, "禁"), ("姓名", "名"), (None, "林凯")]
    sure = split_labels(line("禁名林凯", 35, 47, scores={0: 0.8}), FRONT_LABELS)
    assert [s.label for s in sure] == [None]
