"""Which value font should specimens use? Glyph coverage and OCR legibility, side by side.

Renders the same fronts with each candidate value font (Noto Serif CJK SC, AR PL SungtiL GB), reads
them with RapidOCR, and prints for each: characters of the generator's vocabulary it lacks, exact
name+address reads, and mean line confidence, clean and blurred, with the ratio to the first font.

    .venv/bin/python benchmarks/specimen_fonts.py --cards 10
"""

from __future__ import annotations

import argparse
import random
import statistics

import numpy as np
from PIL import Image, ImageFilter, ImageFont

from airflow_provider_faceid import regions
from airflow_provider_faceid.local.specimens import data as vocab
from airflow_provider_faceid.local.specimens import fonts
from airflow_provider_faceid.local.specimens.generate import random_person, render_front


def _vocabulary() -> set[str]:
    text = "".join(name for name, _ in vocab.COMMON_SURNAMES) + "".join(vocab.RARE_SURNAMES)
    text += "".join(vocab.COMPOUND_SURNAMES) + vocab.MALE_GIVEN + vocab.FEMALE_GIVEN + vocab.NEUTRAL_GIVEN
    text += vocab.RARE_GIVEN + "".join(name for name, _ in vocab.ETHNIC_GROUPS)
    text += "".join(regions.full_name(code) or "" for code in regions.current_county_codes())
    return set(text)


def _lacking(face: ImageFont.FreeTypeFont, chars: set[str]) -> list[str]:
    # A missing glyph renders as the font's .notdef, the same as a private-use code point.
    notdef = bytes(face.getmask("\U000f0001"))
    return sorted(ch for ch in chars if bytes(face.getmask(ch)) == notdef)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10)
    parser.add_argument("--seed", type=int, default=500)
    args = parser.parse_args()

    from rapidocr_onnxruntime import RapidOCR

    ocr = RapidOCR(
        intra_op_num_threads=1, inter_op_num_threads=1, det_limit_type="max", det_limit_side_len=960
    )
    persons = [random_person(random.Random(args.seed + i)) for i in range(args.cards)]
    chars = _vocabulary()
    baseline: dict[float, float] = {}
    for family in fonts.families(fonts.FontRole.VALUE):
        with fonts.preferring(fonts.FontRole.VALUE, family):
            lacking = _lacking(fonts.font(fonts.FontRole.VALUE, 40), chars)
            print(f"{family}: lacks {len(lacking)} of {len(chars)} characters {''.join(lacking[:30])}")
            for blur in (0.0, 1.5):
                confidences: list[float] = []
                exact = 0
                for index, person in enumerate(persons):
                    card: Image.Image = render_front(person, rng=random.Random(index))
                    if blur:
                        card = card.filter(ImageFilter.GaussianBlur(blur))
                    result, _ = ocr(np.ascontiguousarray(np.asarray(card)[:, :, ::-1]))
                    lines = [(text.replace(" ", ""), float(score)) for _, text, score in result or []]
                    joined = "".join(text for text, _ in lines).replace("SPECIMEN", "").replace("样本", "")
                    exact += person.name in joined and person.address in joined
                    confidences += [s for t, s in lines if t and (t in person.address or person.name in t)]
                mean = statistics.mean(confidences)
                ratio = mean / baseline.setdefault(blur, mean)
                print(
                    f"  blur {blur}: name+address exact {exact}/{len(persons)}, "
                    f"mean confidence {mean:.4f} (ratio to first font {ratio:.3f})"
                )


if __name__ == "__main__":
    main()
