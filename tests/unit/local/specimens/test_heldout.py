"""Held-out sets: files, truth, determinism, prefix stability, rare holders, CLI."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.local.specimens.generate import read_truth
from airflow_provider_faceid.local.specimens.heldout import (
    RARE_GROUPS,
    RENDERERS,
    generate_set,
    heldout_name,
    holder,
    main,
)

FRONT_KEYS = {"name", "gender", "race", "birthday", "address", "id_card_number"}
BACK_KEYS = {"issued_by", "valid_date"}
COMMON_KEYS = {"side", "degradation", "specimen", "renderer", "capture", "framing"}


@pytest.mark.parametrize("renderer", RENDERERS)
def test_writes_image_and_truth_pairs(tmp_path: Path, renderer: str) -> None:
    paths = generate_set(renderer=renderer, capture="clean", count=4, seed=3, out_dir=tmp_path / "set")
    assert [p.stem for p in paths] == [
        heldout_name(renderer=renderer, capture="clean", seed=3, index=k) for k in range(4)
    ]
    truths = [read_truth(p) for p in paths]
    assert [t["side"] for t in truths] == ["front", "back", "front", "back"]
    for truth in truths:
        fields = FRONT_KEYS if truth["side"] == "front" else BACK_KEYS
        assert set(truth) == COMMON_KEYS | fields
        assert truth["specimen"] is True and truth["degradation"] is None
        assert truth["renderer"] == renderer and truth["capture"] == "clean"
    assert truths[0]["framing"] == truths[1]["framing"] == "tight"
    assert truths[2]["framing"] == "placed"
    with Image.open(paths[0]) as image:
        assert image.format == "JPEG"
        # A tight clean image is the card itself: 856x540, or any ID-1 size for folio's cards.
        width, height = image.size
        assert width / height == pytest.approx(856 / 540, abs=0.01)
        assert image.size == (856, 540) or renderer == "folio"


def test_file_names_carry_no_card_content(tmp_path: Path) -> None:
    paths = generate_set(renderer="studio", capture="jpeg", count=4, seed=9, out_dir=tmp_path)
    for path in paths:
        truth = read_truth(path)
        assert re.fullmatch(r"heldout-studio-jpeg-9-\d{5}-(front|back)\.jpg", path.name)
        values = [v for k, v in truth.items() if k in FRONT_KEYS | BACK_KEYS and isinstance(v, str)]
        assert not any(v and v in path.name for v in values if len(v) > 1)
        assert not re.search(r"\d{6,}", path.name)


def test_captured_truth_records_the_capture(tmp_path: Path) -> None:
    paths = generate_set(renderer="studio", capture="jpeg", count=2, seed=1, out_dir=tmp_path)
    truth = read_truth(paths[1])
    assert truth["capture"] == "jpeg"
    [step] = truth["degradation"]
    assert step["kind"] == "jpeg" and step["framing"] == truth["framing"]


def test_front_and_back_are_one_consistent_holder(tmp_path: Path) -> None:
    paths = generate_set(renderer="studio", capture="clean", count=4, seed=4, out_dir=tmp_path)
    for front_path in paths[::2]:
        front = read_truth(front_path)
        number = front["id_card_number"]
        assert idnumber.check_char(number[:17]) == number[17]
        born = front["birthday"]
        assert number[6:14] == f"{born['year']}{int(born['month']):02d}{int(born['day']):02d}"
        assert int(number[16]) % 2 == (1 if front["gender"] == "男" else 0)


def test_same_arguments_same_bytes_and_prefix_is_stable(tmp_path: Path) -> None:
    long = generate_set(renderer="studio", capture="fingers", count=3, seed=2, out_dir=tmp_path / "a")
    short = generate_set(renderer="studio", capture="fingers", count=2, seed=2, out_dir=tmp_path / "b")
    for a, b in zip(long, short, strict=False):
        assert a.read_bytes() == b.read_bytes()
        assert a.with_suffix(".json").read_bytes() == b.with_suffix(".json").read_bytes()
    other = generate_set(renderer="studio", capture="fingers", count=1, seed=3, out_dir=tmp_path / "c")
    assert other[0].read_bytes() != long[0].read_bytes()


def test_phone_exif_turn_is_written_to_the_file(tmp_path: Path) -> None:
    # Seed 1 happens to draw a sensor-order frame for its first front (about 1 phone capture in 5).
    [path] = generate_set(renderer="studio", capture="phone", count=1, seed=1, out_dir=tmp_path)
    assert read_truth(path)["degradation"][0]["exif_orientation"] in (6, 8)
    with Image.open(path) as image:
        assert image.height > image.width
        upright = ImageOps.exif_transpose(image)
        assert upright.width > upright.height


def test_rare_holders_keep_a_consistent_number() -> None:
    seen: set[str] = set()
    for seed in range(400):
        person = holder(random.Random(seed))
        number = person.id_card_number
        assert number[6:14] == person.birthday.strftime("%Y%m%d")
        assert int(number[16]) % 2 == (1 if person.gender == "男" else 0)
        if person.race in RARE_GROUPS:
            seen.add(person.race)
        if person.race == "维吾尔" and "·" in person.name:
            own, father = person.name.split("·")
            assert own and father
    assert seen == set(RARE_GROUPS)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="renderer"):
        generate_set(renderer="fancy", capture="clean", count=1, seed=0, out_dir=tmp_path)
    with pytest.raises(ValueError, match="capture"):
        generate_set(renderer="studio", capture="fax", count=1, seed=0, out_dir=tmp_path)
    with pytest.raises(ValueError, match="count"):
        generate_set(renderer="studio", capture="clean", count=-1, seed=0, out_dir=tmp_path)


def test_cli_writes_the_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--renderer", "classic", "--capture", "jpeg", "--count", "2", "--seed", "5", "--out"]
    assert main([*args, str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.jpg")) == [
        "heldout-classic-jpeg-5-00000-front.jpg",
        "heldout-classic-jpeg-5-00001-back.jpg",
    ]
    assert "wrote 2" in capsys.readouterr().out
