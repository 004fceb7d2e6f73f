"""The specimen generator: determinism, consistent ground truth, watermark, degradations, files."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from airflow_provider_faceid import idnumber, regions
from airflow_provider_faceid.local.specimens import fonts
from airflow_provider_faceid.local.specimens.data import ETHNIC_GROUPS
from airflow_provider_faceid.local.specimens.degrade import KINDS, degrade, degrade_many, random_kinds
from airflow_provider_faceid.local.specimens.generate import (
    CARD_SIZE,
    generate,
    random_person,
    read_truth,
    render_back,
    render_front,
    watermark_box,
)
from airflow_provider_faceid.local.specimens.person import add_years, address_lines, validity_years
from airflow_provider_faceid.local.specimens.render import EMBLEM_CENTER, EMBLEM_RADIUS

VALID_DATE = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})-(?:(\d{4})\.(\d{2})\.(\d{2})|长期)$")
RACES = {name for name, _ in ETHNIC_GROUPS}


def _persons(n: int, seed: int = 7) -> list:
    rng = random.Random(seed)
    return [random_person(rng) for _ in range(n)]


def _red_mask(image: Image.Image) -> np.ndarray:
    pixels = np.asarray(image.convert("RGB"), np.int16)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return (r - g > 60) & (r - b > 60)


def _age(birthday: dt.date, day: dt.date) -> int:
    years = day.year - birthday.year
    if (day.month, day.day) < (birthday.month, birthday.day):
        years -= 1
    return years


# --- generate(): files, determinism ------------------------------------------------------------


def test_generate_writes_pairs_of_image_and_truth(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "specimens"
    paths = generate(count=5, out_dir=out, seed=1)
    assert len(paths) == 5
    assert sorted(out.iterdir()) == sorted([*paths, *(p.with_suffix(".json") for p in paths)])
    sides = [read_truth(p)["side"] for p in paths]
    assert sides == ["front", "back", "front", "back", "front"]
    for path in paths:
        with Image.open(path) as image:
            assert image.format == "JPEG"
            assert image.size == CARD_SIZE
        assert path.stat().st_size < 200_000
        truth = read_truth(path)
        assert truth["specimen"] is True
        assert truth["degradation"] is None
        assert path.stem.endswith(truth["side"])


def test_generate_count_zero_and_negative(tmp_path: Path) -> None:
    assert generate(count=0, out_dir=tmp_path / "empty") == []
    assert (tmp_path / "empty").is_dir()
    with pytest.raises(ValueError):
        generate(count=-1, out_dir=tmp_path)


def test_generate_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    first = generate(count=6, out_dir=tmp_path / "a", seed=42, degrade=True)
    second = generate(count=6, out_dir=tmp_path / "b", seed=42, degrade=True)
    other = generate(count=6, out_dir=tmp_path / "c", seed=43, degrade=True)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
        assert a.with_suffix(".json").read_bytes() == b.with_suffix(".json").read_bytes()
    assert [read_truth(p) for p in first] != [read_truth(p) for p in other]


def test_a_smaller_run_is_a_prefix_of_a_larger_one(tmp_path: Path) -> None:
    small = generate(count=3, out_dir=tmp_path / "small", seed=5)
    large = generate(count=6, out_dir=tmp_path / "large", seed=5)
    assert [p.read_bytes() for p in small] == [p.read_bytes() for p in large[:3]]


def test_front_and_back_of_a_pair_belong_to_the_same_holder(tmp_path: Path) -> None:
    front, back = (read_truth(p) for p in generate(count=2, out_dir=tmp_path, seed=9))
    region = regions.lookup(idnumber.region_code_of(front["id_card_number"]) or "")
    assert region is not None
    county = region.county or region.name
    assert county[:2] in back["issued_by"] or (region.city or region.province)[:2] in back["issued_by"]


# --- ground truth -------------------------------------------------------------------------------


def test_front_fields_are_consistent_with_the_number() -> None:
    for person in _persons(300):
        fields = person.front_fields()
        number = fields["id_card_number"]
        assert idnumber.is_valid(number)
        born = idnumber.birthday_of(number)
        assert born is not None
        assert dt.date(1930, 1, 1) <= born <= dt.date(2008, 12, 31)
        assert fields["birthday"] == {"year": str(born.year), "month": str(born.month), "day": str(born.day)}
        assert not any(v.startswith("0") for v in fields["birthday"].values())
        assert fields["gender"] == idnumber.gender_of(number)
        code = idnumber.region_code_of(number)
        assert code in regions.current_county_codes()
        place = regions.full_name(code or "")
        assert place and fields["address"].startswith(place)
        assert len(fields["address"]) > len(place)
        assert len(address_lines(fields["address"])) <= 3
        assert fields["race"] in RACES
        assert 2 <= len(fields["name"]) <= 4


def test_back_fields_follow_the_validity_rules() -> None:
    seen_periods = set()
    for person in _persons(400, seed=3):
        match = VALID_DATE.match(person.back_fields()["valid_date"])
        assert match, person.valid_date
        issued = dt.date(*map(int, match.group(1, 2, 3)))
        assert dt.date(2004, 1, 1) <= issued <= dt.date(2025, 12, 31)
        assert issued >= person.birthday
        age = _age(person.birthday, issued)
        expected = 5 if age < 16 else 10 if age <= 25 else 20 if age <= 45 else None
        if expected is None:
            assert match.group(4) is None
        else:
            until = dt.date(*map(int, match.group(4, 5, 6)))
            assert until.year - issued.year == expected
            assert (until.month, until.day) == (issued.month, issued.day) or (issued.month, issued.day) == (
                2,
                29,
            )
        seen_periods.add(expected)
        issued_by = person.back_fields()["issued_by"]
        assert issued_by.endswith(("公安局", "分局"))
    assert seen_periods == {5, 10, 20, None}


def test_validity_boundaries_and_leap_day() -> None:
    assert [validity_years(a) for a in (0, 15, 16, 25, 26, 45, 46, 90)] == [5, 5, 10, 10, 20, 20, None, None]
    assert add_years(dt.date(2016, 2, 29), 10) == dt.date(2026, 2, 28)
    assert add_years(dt.date(2016, 2, 29), 20) == dt.date(2036, 2, 29)


def test_data_is_varied() -> None:
    persons = _persons(600, seed=11)
    races = [p.race for p in persons]
    assert 0.7 < races.count("汉") / len(races) < 0.95
    assert len(set(races)) >= 8
    assert {len(p.name) for p in persons} >= {2, 3}
    assert {p.gender for p in persons} == {"男", "女"}
    assert len({p.region_code[:2] for p in persons}) >= 25  # provinces
    assert any("分局" in p.issued_by for p in persons)
    assert any(p.issued_by.endswith("县公安局") for p in persons)


def test_person_repr_hides_personal_data() -> None:
    person = _persons(1)[0]
    text = repr(person)
    assert person.name not in text
    assert person.address not in text
    assert person.id_card_number not in text
    assert idnumber.mask(person.id_card_number) in text


# --- rendering and watermark --------------------------------------------------------------------


@pytest.mark.parametrize("side", ["front", "back"])
def test_watermark_is_visible_and_off_the_values(side: str) -> None:
    person = _persons(1, seed=2)[0]
    render = render_front if side == "front" else render_back
    card = render(person, rng=random.Random(1))
    red = _red_mask(card)
    left, top, right, bottom = watermark_box(side)
    inside = red[top:bottom, left:right]
    assert inside.mean() > 0.03  # plenty of watermark ink in its box
    # Outside the watermark box only the small corner mark (and the back's red emblem) may be red:
    # no red ink lands on the rows where the values are printed.
    outside = red.copy()
    outside[top:bottom, left:right] = False
    if side == "back":
        cx, cy = EMBLEM_CENTER
        outside[: cy + EMBLEM_RADIUS + 2, : cx + EMBLEM_RADIUS + 2] = False
    rows = np.nonzero(outside.any(axis=1))[0]
    assert rows.size > 0  # the corner mark
    corner_rows = (10, 45) if side == "front" else (490, 530)
    assert rows.min() >= corner_rows[0]
    assert rows.max() <= corner_rows[1]


def test_watermark_survives_jpeg(tmp_path: Path) -> None:
    for path in generate(count=2, out_dir=tmp_path, seed=4):
        side = read_truth(path)["side"]
        with Image.open(path) as image:
            left, top, right, bottom = watermark_box(side)
            assert _red_mask(image)[top:bottom, left:right].mean() > 0.02


@pytest.mark.parametrize("scale", [0.5, 1.5])
def test_render_scale(scale: float) -> None:
    person = _persons(1)[0]
    expected = (round(CARD_SIZE[0] * scale), round(CARD_SIZE[1] * scale))
    front = render_front(person, rng=random.Random(0), scale=scale)
    assert front.size == expected
    assert render_back(person, rng=random.Random(0), scale=scale).size == expected
    left, top, right, bottom = watermark_box("front", scale=scale)
    assert _red_mask(front)[top:bottom, left:right].mean() > 0.03


def test_fonts_are_the_documented_faces() -> None:
    assert fonts.font(fonts.FontRole.LABEL, 20).getname()[0] == "Noto Sans CJK SC"
    assert fonts.font(fonts.FontRole.VALUE, 20).getname()[0] in {"Noto Serif CJK SC", "AR PL SungtiL GB"}
    assert fonts.font(fonts.FontRole.NUMBER, 20).getname()[0] == "OCR B"


def test_missing_font_names_the_debian_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = (fonts._Candidate("No Such Font SC", "/nonexistent/font.ttc", 0),)
    monkeypatch.setitem(fonts._CANDIDATES, fonts.FontRole.LABEL, missing)
    fonts.font_file.cache_clear()
    try:
        with pytest.raises(fonts.SpecimenFontError, match="fonts-noto-cjk fonts-arphic-gbsn00lp fonts-ocr-b"):
            fonts.font_file(fonts.FontRole.LABEL)
    finally:
        fonts.font_file.cache_clear()


# --- degradations -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_card() -> Image.Image:
    return render_front(_persons(1)[0], rng=random.Random(0), scale=0.5)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_changes_the_image_and_records_itself(kind: str, small_card: Image.Image) -> None:
    first = degrade(small_card, kind, rng=random.Random(8))
    again = degrade(small_card, kind, rng=random.Random(8))
    assert first.params["kind"] == kind
    assert len(first.params) >= 2  # the kind and what was drawn for it
    json.dumps(first.params)
    assert first.params == again.params
    assert np.array_equal(np.asarray(first.image), np.asarray(again.image))
    changed = first.image.size != small_card.size or not np.array_equal(
        np.asarray(first.image), np.asarray(small_card)
    )
    assert changed
    assert first.image.mode == "RGB"


def test_unknown_kind_is_rejected(small_card: Image.Image) -> None:
    with pytest.raises(ValueError, match="unknown degradation"):
        degrade(small_card, "sepia", rng=random.Random(0))
    with pytest.raises(ValueError, match="unknown degradation"):
        degrade_many(small_card, ["blur", "sepia"], rng=random.Random(0))


def test_exif_turn_puts_the_card_back_upright(small_card: Image.Image) -> None:
    found = set()
    for seed in range(60):
        result = degrade(small_card, "turn", rng=random.Random(seed))
        if result.params["via"] != "exif":
            assert result.exif_orientation is None
            continue
        found.add(result.params["clockwise"])
        result.image.getexif()[0x0112] = result.exif_orientation
        upright = ImageOps.exif_transpose(result.image)
        assert np.array_equal(np.asarray(upright), np.asarray(small_card))
    assert found == {90, 180, 270}


def test_random_kinds_picks_one_or_two_distinct_kinds() -> None:
    rng = random.Random(0)
    picks = [random_kinds(rng) for _ in range(200)]
    assert {len(p) for p in picks} == {1, 2}
    assert all(len(set(p)) == len(p) and set(p) <= set(KINDS) for p in picks)
    assert {k for p in picks for k in p} == set(KINDS)


def test_generate_degraded_records_what_was_done(tmp_path: Path) -> None:
    paths = generate(count=40, out_dir=tmp_path, seed=2, degrade=True)
    exif_turns = 0
    for path in paths:
        truth = read_truth(path)
        steps = truth["degradation"]
        assert 1 <= len(steps) <= 2
        assert [s["kind"] for s in steps] == sorted((s["kind"] for s in steps), key=KINDS.index)
        assert path.stat().st_size < 400_000
        with Image.open(path) as image:
            orientation = image.getexif().get(0x0112)
            turn = next((s for s in steps if s["kind"] == "turn"), None)
            if turn is not None and turn["via"] == "exif":
                exif_turns += 1
                assert orientation in {3, 6, 8}
                upright = ImageOps.exif_transpose(image)
                assert upright.width > upright.height
            else:
                assert orientation is None
    assert exif_turns >= 1


def test_preferring_switches_the_value_font_for_a_block() -> None:
    assert fonts.families(fonts.FontRole.VALUE)[0] == "Noto Serif CJK SC"
    with fonts.preferring(fonts.FontRole.VALUE, "AR PL SungtiL GB"):
        assert fonts.font(fonts.FontRole.VALUE, 20).getname()[0] == "AR PL SungtiL GB"
    assert fonts.font(fonts.FontRole.VALUE, 20).getname()[0] == "Noto Serif CJK SC"
    with (
        pytest.raises(ValueError, match="not a value font"),
        fonts.preferring(fonts.FontRole.VALUE, "Comic Sans"),
    ):
        pass
