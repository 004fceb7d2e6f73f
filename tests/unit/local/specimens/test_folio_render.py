"""The folio renderer and its card holders: sizes, determinism, glyph coverage, layout, holder consistency."""

from __future__ import annotations

import collections
import datetime as dt
import functools
import random

import pytest
from PIL import Image, ImageDraw, ImageFont

from airflow_provider_faceid import idnumber, regions
from airflow_provider_faceid.local.specimens import folio_render as folio
from airflow_provider_faceid.local.specimens.folio_holder import ETHNIC_GROUPS, folio_holder
from airflow_provider_faceid.local.specimens.person import Person

SEEDS = range(20)
TEXT_ROLES = ("label", "value", "number", "title")


def _fonts_or_skip() -> None:
    try:
        for key in folio.FACES:
            folio.face_file(key)
    except folio.FolioFontError as exc:
        pytest.skip(str(exc))


@functools.cache
def _cards(
    seed: int,
) -> tuple[Person, Image.Image, Image.Image, list[folio.DrawnText], list[folio.DrawnText]]:
    person = folio_holder(random.Random(seed))
    front_trace: list[folio.DrawnText] = []
    back_trace: list[folio.DrawnText] = []
    front = folio.render_front(person, rng=random.Random(seed), trace=front_trace)
    back = folio.render_back(person, rng=random.Random(10_000 + seed), trace=back_trace)
    return person, front, back, front_trace, back_trace


@pytest.fixture(scope="module", autouse=True)
def _fonts() -> None:
    _fonts_or_skip()


def _glyph(path: str, index: int, ch: str) -> bytes | None:
    face = ImageFont.truetype(path, size=48, index=index)
    image = Image.new("L", (120, 120))
    ImageDraw.Draw(image).text((20, 90), ch, font=face, fill=255, anchor="ls")
    return image.tobytes() if image.getbbox() else None


@functools.cache
def _has_glyph(key: str, ch: str) -> bool:
    path, index = folio.face_file(key)
    drawn = _glyph(path, index, ch)
    tofu = {_glyph(path, index, "\uffff"), _glyph(path, index, "\U0010fffd")}
    return drawn is not None and drawn not in tofu


def _intersect(a: folio.Box, b: folio.Box, slack: float = 1.0) -> bool:
    return a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]


@pytest.mark.parametrize("seed", SEEDS)
def test_cards_render_as_id1_rgb_images(seed: int) -> None:
    _, front, back, _, _ = _cards(seed)
    for card in (front, back):
        assert card.mode == "RGB"
        width, height = card.size
        assert folio.WIDTH_RANGE[0] <= width <= folio.WIDTH_RANGE[1]
        assert abs(width / height - folio.ID1_ASPECT) < 0.005


@pytest.mark.parametrize("seed", SEEDS)
def test_every_character_drawn_has_a_real_glyph(seed: int) -> None:
    _, _, _, front_trace, back_trace = _cards(seed)
    for drawn in front_trace + back_trace:
        if not drawn.text:
            continue
        assert [ch for ch, _ in drawn.faces] == [ch for ch in drawn.text if not ch.isspace()]
        for ch, key in drawn.faces:
            assert _has_glyph(key, ch), f"{ch!r} drawn in {key} has no glyph"


@pytest.mark.parametrize("seed", SEEDS)
def test_fields_are_drawn_inside_the_card_without_overlapping(seed: int) -> None:
    person, front, back, front_trace, back_trace = _cards(seed)
    for card, trace in ((front, front_trace), (back, back_trace)):
        width, height = card.size
        solid = [
            d for d in trace if d.role in TEXT_ROLES or d.role.startswith("portrait") or d.role == "emblem"
        ]
        for d in solid:
            assert d.box[0] >= 0 and d.box[1] >= 0 and d.box[2] <= width and d.box[3] <= height, d
        for i, a in enumerate(solid):
            for b in solid[i + 1 :]:
                assert not _intersect(a.box, b.box), (a.role, a.text, b.role, b.text)
        assert any(d.role == "watermark" for d in trace)
    fields: dict[str, list[str]] = collections.defaultdict(list)
    for d in front_trace + back_trace:
        if d.field:
            fields[d.field].append(d.text)
    assert fields["name"] == [person.name] and fields["gender"] == [person.gender]
    assert fields["race"] == [person.race]
    birthday = person.birthday
    assert (fields["year"], fields["month"], fields["day"]) == (
        [str(birthday.year)],
        [str(birthday.month)],
        [str(birthday.day)],
    )
    assert "".join(fields["address"]) == person.address and 1 <= len(fields["address"]) <= 3
    assert fields["id_card_number"] == [person.id_card_number]
    assert "".join(fields["issued_by"]) == person.issued_by
    assert fields["valid_date"] == [person.valid_date]
    front_labels = {d.text for d in front_trace if d.role == "label"}
    assert front_labels == {"姓名", "性别", "民族", "出生", "年", "月", "日", "住址", "公民身份号码"}
    assert {d.text for d in back_trace if d.role == "label"} == {"签发机关", "有效期限"}
    assert [d.text for d in back_trace if d.role == "title"] == ["中华人民共和国", "居民身份证"]


def test_about_a_third_of_the_backs_are_stamped() -> None:
    stamped = sum(any(d.role == "stamp" for d in _cards(seed)[4]) for seed in SEEDS)
    assert 2 <= stamped <= 13


def test_rendering_is_deterministic_per_seed() -> None:
    person = folio_holder(random.Random(5))
    assert person == folio_holder(random.Random(5))
    for render in (folio.render_front, folio.render_back):
        first = render(person, rng=random.Random(42))
        again = render(person, rng=random.Random(42))
        other = render(person, rng=random.Random(43))
        assert first.tobytes() == again.tobytes()
        assert first.size != other.size or first.tobytes() != other.tobytes()


def test_a_missing_font_names_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        folio.FACES,
        "wenkai",
        folio.Face("No Such Family", "Regular", "/nonexistent.ttf", 0, "fonts-lxgw-wenkai"),
    )
    folio.face_file.cache_clear()
    try:
        with pytest.raises(folio.FolioFontError, match="fonts-lxgw-wenkai"):
            folio.face_file("wenkai")
    finally:
        folio.face_file.cache_clear()


def test_holders_are_consistent() -> None:
    rng = random.Random(2024)
    races: collections.Counter[str] = collections.Counter()
    for _ in range(3000):
        person = folio_holder(rng)
        races[person.race] += 1
        number = person.id_card_number
        assert idnumber.is_valid(number)
        assert idnumber.birthday_of(number) == person.birthday
        assert idnumber.gender_of(number) == person.gender
        assert idnumber.region_code_of(number) == person.region_code
        assert person.region_code in regions.current_county_codes()
        region = regions.lookup(person.region_code)
        assert region is not None and person.address.startswith(region.province)
        assert person.issued_by.endswith(("公安局", "分局"))
        assert dt.date(1930, 1, 1) <= person.birthday <= dt.date(2012, 12, 31)
        assert dt.date(2005, 1, 1) <= person.issue_date <= dt.date(2025, 12, 31)
        assert person.issue_date > person.birthday
        age = person.issue_date.year - person.birthday.year
        age -= (person.issue_date.month, person.issue_date.day) < (person.birthday.month, person.birthday.day)
        years = 5 if age < 16 else 10 if age <= 25 else 20 if age <= 45 else None
        if years is None:
            assert person.valid_until is None and person.valid_date.endswith("-长期")
        else:
            assert person.valid_until is not None
            assert person.valid_until.year - person.issue_date.year == years
            assert (person.valid_until.month, person.valid_until.day) in (
                (person.issue_date.month, person.issue_date.day),
                (2, 28),
            )
        assert 1 <= len(person.name) <= 10
        assert sum(0.5 if ch.isascii() else 1.0 for ch in person.address) <= 33
    assert set(races) == set(ETHNIC_GROUPS) and len(ETHNIC_GROUPS) == 56
    assert 0.45 < races["汉"] / 3000 < 0.65
