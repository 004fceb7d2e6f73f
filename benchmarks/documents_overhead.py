"""Cost of the documents step (pairing, checks, document rows) as a share of the sink's time.

The same 20k loaded images (10k holders, front + back each, in two folders per document) go through
the operator's Loader into Postgres twice per round, in the same process and alternating: pairing
off (``pair_by=None``: the sink alone) and pairing on (``pair_by="folder"``: the sink plus the
documents step in each batch's transaction). Each round uses fresh digests and keys, so both runs
take the insert path the operator takes. Printed: the documents step's own time against the sink's
time with pairing off, and the whole write time on against off. The step's time is the batch step
(timed inside the batch's transaction) PLUS the pairing of each image as it loads (the rule and
the queued side, timed in ``DocumentWriter.document_of``/``add``, outside any batch); the batch
step alone is printed too, as earlier versions of this script measured only that.

Usage:
    .venv/bin/python benchmarks/documents_overhead.py [--pairs 10000] [--rounds 3] [--batch 500]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import time
from collections.abc import Sequence

import sqlalchemy as sa
from _common import database, fresh_schema

from airflow_provider_faceid.documents import DocumentWriter, parse_pair_by
from airflow_provider_faceid.loader import Lineage, Loader
from airflow_provider_faceid.local.specimens.person import random_person
from airflow_provider_faceid.records import IdCardRecord, build_record
from airflow_provider_faceid.sink import PostgresSink
from airflow_provider_faceid.staging import StagedObject


def records(pairs: int) -> list[tuple[IdCardRecord, IdCardRecord]]:
    rng = random.Random(20261201)
    made = []
    for i in range(pairs):
        person = random_person(rng)
        rid = f"1796000000,{i:08d}"
        front = build_record({"request_id": rid, "side": "front", **person.front_fields()})
        back = build_record({"request_id": rid, "side": "back", **person.back_fields()})
        made.append((front, back))
    return made


def load(
    engine: sa.Engine,
    schema: str,
    cards: Sequence[tuple[IdCardRecord, IdCardRecord]],
    *,
    pair: bool,
    batch: int,
) -> tuple[float, float, float]:
    """Seconds in write_batch, and the documents step's: in the batch, and pairing as images load."""
    sink = PostgresSink(engine=engine, schema=schema)
    sink.create_tables()
    documents = DocumentWriter(rule=parse_pair_by("folder"), tables=sink.tables) if pair else None
    loader = Loader(sink=sink, lineage=Lineage(run_id="bench"), commit_every=batch, documents=documents)
    salt = f"{schema}-{'on' if pair else 'off'}"
    now = time.time()
    for i, (front, back) in enumerate(cards):
        for side, record in (("front", front), ("back", back)):
            sha = hashlib.sha256(f"{salt}:{i}:{side}".encode()).hexdigest()
            obj = StagedObject(f"/scans/{salt}/{i:06d}/{side}.jpg", 60_000, None, modified=now)
            loader.loaded(obj, sha256=sha, record=record)
    loader.flush()
    if documents is None:
        return loader.write_seconds, 0.0, 0.0
    return loader.write_seconds, documents.seconds, documents.pairing_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500, help="images per transaction (commit_every)")
    args = parser.parse_args()
    cards = records(args.pairs)
    print(f"{2 * args.pairs} images ({args.pairs} pairs), batches of {args.batch}, {args.rounds} rounds")
    ratios, batch_ratios, totals = [], [], []
    with database() as url:
        engine = sa.create_engine(url)
        for round_no in range(args.rounds):
            with fresh_schema(url) as off_schema, fresh_schema(url) as on_schema:
                # Alternate which goes first: the machine's noise then hits both alike.
                order = [(False, off_schema), (True, on_schema)]
                results = {
                    pair: load(engine, schema, cards, pair=pair, batch=args.batch)
                    for pair, schema in (order if round_no % 2 == 0 else order[::-1])
                }
            sink_off, _, _ = results[False]
            sink_on, in_batch, pairing = results[True]
            step = in_batch + pairing
            ratios.append(step / sink_off)
            batch_ratios.append(in_batch / sink_off)
            totals.append(sink_on / sink_off)
            print(
                f"round {round_no + 1}: sink alone {sink_off:.2f} s; with documents {sink_on:.2f} s; "
                f"documents step {step:.3f} s = {100 * step / sink_off:.1f} % of the sink alone "
                f"(in the batches {in_batch:.3f} s = {100 * in_batch / sink_off:.1f} %, "
                f"pairing as images load {pairing:.3f} s)"
            )
        engine.dispose()
    print(
        f"documents step / sink time: median {100 * statistics.median(ratios):.1f} % "
        f"(min {100 * min(ratios):.1f} %, max {100 * max(ratios):.1f} %); in the batches only: median "
        f"{100 * statistics.median(batch_ratios):.1f} %; "
        f"write time with pairing / without: median {statistics.median(totals):.3f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
