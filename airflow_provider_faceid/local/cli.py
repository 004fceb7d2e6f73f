"""The ``faceid-local`` command: serve the API, make specimen cards, read images from the shell."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airflow_provider_faceid.local.engine.line_models import RECOGNIZERS
from airflow_provider_faceid.local.server.app import (
    MAX_BODY_BYTES,
    ServerOptions,
    default_reader_factory,
    new_request_id,
    start_server,
)
from airflow_provider_faceid.local.server.replay import engine_pixel_digest

logger = logging.getLogger("faceid_local")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="faceid-local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve POST /faceid/v1/ocridcard from the local OCR engine")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8866, help="0 picks a free port (printed on stdout)")
    serve.add_argument(
        "--api-key", default=os.environ.get("FACEID_LOCAL_API_KEY"), help="or FACEID_LOCAL_API_KEY"
    )
    serve.add_argument(
        "--api-secret",
        default=os.environ.get("FACEID_LOCAL_API_SECRET"),
        help="or FACEID_LOCAL_API_SECRET (the variable keeps it out of the process list)",
    )
    serve.add_argument("--concurrency-limit", type=int, default=10, help="requests processed at once")
    serve.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="OCR engine threads")
    serve.add_argument("--read-timeout", type=float, default=30.0, help="seconds for a request head or body")
    serve.add_argument(
        "--latency-ms", type=float, default=0.0, help="service time per admitted request, from its head"
    )
    serve.add_argument("--latency-jitter-ms", type=float, default=0.0, help="plus uniform [0, this)")
    serve.add_argument("--fail-rate", type=float, default=0.0, help="share of admitted requests answered 500")
    serve.add_argument("--seed", type=int, default=0, help="seed of latency jitter and failures")
    serve.add_argument("--replay-cache-entries", type=int, default=1024)
    serve.add_argument("--no-replay-cache", action="store_true", help="run the engine on every request")
    serve.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    _add_engine_options(serve)

    specimens = commands.add_parser("specimens", help="write synthetic ID-card images with ground truth")
    specimens.add_argument("--count", type=int, required=True)
    specimens.add_argument("--out", type=Path, required=True)
    specimens.add_argument("--seed", type=int, default=0)
    specimens.add_argument("--degrade", action="store_true", help="add blur, noise, tilt and JPEG loss")
    specimens.add_argument(
        "--layout",
        choices=("folder", "pattern", "manifest"),
        help="write --count documents (front + back) laid out for the operator's pair_by",
    )
    specimens.add_argument(
        "--incomplete", type=int, default=0, help="with --layout: documents missing a side"
    )
    specimens.add_argument(
        "--conflicting", type=int, default=0, help="with --layout: documents with two fronts"
    )

    ocr = commands.add_parser("ocr", help="print, per image, the JSON answer the server would give")
    ocr.add_argument("images", nargs="+", type=Path)
    ocr.add_argument("--legality", action="store_true")
    _add_engine_options(ocr)
    return parser


def _add_engine_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--recognizer",
        choices=RECOGNIZERS,
        default="v6",
        help="text-line model read first: v6 (PP-OCRv6 small, default: more accurate and faster) or v4",
    )
    command.add_argument(
        "--no-second-opinion",
        action="store_true",
        help="do not read unsure lines again with the other model",
    )


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Its parse warnings say nothing useful to an operator; malformed bodies get a 400 anyway.
    logging.getLogger("python_multipart").setLevel(logging.ERROR)


async def _serve(args: argparse.Namespace) -> int:
    options = ServerOptions(
        api_key=args.api_key,
        api_secret=args.api_secret,
        concurrency_limit=args.concurrency_limit,
        read_timeout=args.read_timeout,
        latency_ms=args.latency_ms,
        latency_jitter_ms=args.latency_jitter_ms,
        fail_rate=args.fail_rate,
        seed=args.seed,
        replay_cache_entries=0 if args.no_replay_cache else args.replay_cache_entries,
    )
    factory = default_reader_factory(recognizer=args.recognizer, second_opinion=not args.no_second_opinion)
    server = await start_server(
        options=options,
        host=args.host,
        port=args.port,
        workers=args.workers,
        reader_factory=factory,
        pixel_digest=engine_pixel_digest,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # Machine-readable on purpose: the test fixture reads the port from this line.
    print(f"faceid-local listening on http://{args.host}:{server.port}", flush=True)
    logger.info(
        "serving on %s:%d: concurrency_limit=%d workers=%d recognizer=%s second_opinion=%s "
        "replay_cache=%s latency_ms=%s fail_rate=%s",
        args.host,
        server.port,
        options.concurrency_limit,
        args.workers,
        args.recognizer,
        not args.no_second_opinion,
        "off" if args.no_replay_cache else options.replay_cache_entries,
        options.latency_ms,
        options.fail_rate,
    )
    await stop.wait()
    logger.info("stopping")
    await server.close()
    return 0


def _specimens(args: argparse.Namespace) -> int:
    from airflow_provider_faceid.local.specimens.generate import generate

    if args.layout is not None:
        from airflow_provider_faceid.local.specimens.documents import PAIR_BY, write_documents

        documents = write_documents(
            out_dir=args.out,
            layout=args.layout,
            count=args.count,
            seed=args.seed,
            incomplete=args.incomplete,
            conflicting=args.conflicting,
        )
        rule = PAIR_BY[args.layout]
        print(f"wrote {len(documents)} document(s) to {args.out}; pair them with pair_by={rule!r}")
        return 0

    paths = generate(count=args.count, out_dir=args.out, seed=args.seed, degrade=args.degrade)
    print(f"wrote {len(paths)} specimen(s) to {args.out}")
    return 0


def _ms_since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _ocr(args: argparse.Namespace) -> int:
    from airflow_provider_faceid.local.engine.card_reader import CardReader, ImageUnreadableError

    reader = CardReader(
        intra_op_threads=os.cpu_count() or 1,
        recognizer=args.recognizer,
        second_opinion=not args.no_second_opinion,
    )
    failures = 0
    for path in args.images:
        started = time.perf_counter()
        image = path.read_bytes()
        if len(image) > MAX_BODY_BYTES:
            print(json.dumps({"file": str(path), "status": 413, "answer": "Request Entity Too Large"}))
            failures += 1
            continue
        request_id = new_request_id()
        answer: dict[str, Any]
        try:
            fields = reader.read(image, legality=args.legality)
        except ImageUnreadableError:
            failures += 1
            status = 400
            answer = {"error_message": "IMAGE_ERROR_UNSUPPORTED_FORMAT", "request_id": request_id}
            answer["time_used"] = _ms_since(started)
        else:
            status = 200
            answer = {"request_id": request_id, "time_used": _ms_since(started), **fields}
        line = {"file": str(path), "status": status, "answer": answer}
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if args.command == "serve":
        _configure_logging(args.log_level)
        if not args.api_key or not args.api_secret:
            print(
                "faceid-local serve: --api-key and --api-secret (or their variables) are required",
                file=sys.stderr,
            )
            return 2
        try:
            return asyncio.run(_serve(args))
        except (ValueError, OSError) as exc:  # bad option values, port in use: no trace needed
            print(f"faceid-local serve: {exc}", file=sys.stderr)
            return 2
    _configure_logging("WARNING")
    if args.command == "specimens":
        return _specimens(args)
    return _ocr(args)


if __name__ == "__main__":
    sys.exit(main())
