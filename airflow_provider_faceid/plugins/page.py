"""The FaceID page's HTML, rendered on the server from the same dictionaries the JSON API returns.

No script at all: the range control is a GET form, paging and the CSV are links. Every value is
escaped; identifying values arrive here already masked (see :mod:`.queries`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from airflow_provider_faceid.plugins.charts import horizontal_bars, stacked_days

RANGE_CHOICES = (7, 30, 90)

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#1f2937;background:#fff}
h1{font-size:20px;margin:0 0 8px} h2{font-size:16px;margin:20px 0 6px}
form.range{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-bottom:10px}
a.chip{padding:2px 8px;border:1px solid #cbd5e1;border-radius:10px;text-decoration:none;color:#1f2937}
a.chip.on{background:#2563eb;color:#fff;border-color:#2563eb}
.totals{display:flex;gap:12px;margin:8px 0}
.total{border:1px solid #e5e7eb;border-radius:6px;padding:6px 12px;min-width:110px}
.total b{display:block;font-size:22px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:8px 24px}
.chart text.axis{font-size:10px;fill:#6b7280} .chart text.label,.chart text.value{font-size:11px}
.chart line.base{stroke:#9ca3af}
.legend{font-size:12px} .key{margin-right:12px}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px}
table{border-collapse:collapse;font-size:12px;margin:4px 0}
th,td{border:1px solid #e5e7eb;padding:3px 6px;text-align:left}
th{background:#f9fafb} td.n{text-align:right}
.message{padding:10px;border:1px solid #f59e0b;background:#fffbeb;border-radius:6px}
.error{border-color:#ef4444;background:#fef2f2}
.empty{color:#6b7280}
"""


def document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def message_page(*, header: str, text: str, error: bool = False) -> str:
    kind = "message error" if error else "message"
    return document("FaceID", f"{header}<div class='{kind}' id='message'>{escape(text)}</div>")


def header(
    *,
    base: str,
    targets: Sequence[str],
    target: str | None,
    days: int | None,
    start: str,
    end: str,
) -> str:
    options = "".join(
        f'<option value="{escape(t)}"{" selected" if t == target else ""}>{escape(t)}</option>'
        for t in targets
    )
    chips = "".join(
        f'<a class="chip{" on" if n == days else ""}" href="{escape(base)}?'
        f'{escape(urlencode({"target": target or "", "days": n}))}">last {n} days</a>'
        for n in RANGE_CHOICES
    )
    return (
        "<h1>FaceID loads</h1>"
        f'<form class="range" method="get" action="{escape(base)}">'
        f'<label>target <select name="target">{options}</select></label>{chips}'
        f'<label>from <input type="date" name="start" value="{escape(start)}"></label>'
        f'<label>to <input type="date" name="end" value="{escape(end)}"></label>'
        '<button type="submit">show</button></form>'
    )


def dashboard(
    *,
    head: str,
    data: Mapping[str, Any],
    days: Sequence[str],
    queue: Mapping[str, Any],
    query: Mapping[str, str],
    base: str,
    ui_base: str,
) -> str:
    """``base`` is the page's own URL path, ``ui_base`` the path of Airflow's UI (DAG run links)."""
    totals = data["totals"]
    body = [head]
    span = data["range"]
    body.append(
        f'<p class="empty">From {escape(span["start"])} to before {escape(span["end"])} (UTC days).</p>'
    )
    body.append(
        '<div class="totals">'
        f'<div class="total">loaded<b id="total-loaded">{totals["loaded"]}</b></div>'
        f'<div class="total">failed<b id="total-failed">{totals["failed"]}</b></div>'
        f'<div class="total">to re-capture<b id="total-recapture">{totals["needs_recapture"]}</b></div>'
        "</div>"
    )
    if not totals["loaded"] and not totals["failed"]:
        body.append('<div class="message" id="message">No loads and no failures in this range.</div>')
    loads = {(r["day"], r["side"]): r["count"] for r in data["loads_per_day"]}
    sides = sorted({r["side"] or "unknown" for r in data["loads_per_day"]} | {"front", "back"})
    failures: dict[tuple[str, str], int] = {}
    by_code: dict[str, dict[bool, int]] = {}
    for r in data["failures_per_day"]:
        failures[(r["day"], r["code"])] = failures.get((r["day"], r["code"]), 0) + r["count"]
        by_code.setdefault(r["code"], {True: 0, False: 0})[bool(r["retryable"])] += r["count"]
    body.append('<div class="grid"><section><h2>Loads per day, by side</h2>')
    body.append(stacked_days(chart_id="chart-loads", days=days, series=sides, values=loads))
    body.append("</section><section><h2>Failures per day, by code</h2>")
    body.append(stacked_days(chart_id="chart-failures", days=days, series=sorted(by_code), values=failures))
    body.append(_code_table(by_code))
    body.append("</section><section><h2>Number check (fronts)</h2>")
    body.append(
        horizontal_bars(
            chart_id="chart-number-check",
            items=[(f"{r['number_check']}: {r['meaning']}", r["count"]) for r in data["number_check"]],
        )
    )
    body.append("</section><section><h2>Flags</h2>")
    flags = [(r["flag"], r["count"]) for r in data["flags"]]
    body.append(horizontal_bars(chart_id="chart-flags", items=flags))
    body.append("</section><section><h2>Legality: class with the highest score</h2>")
    if data["legality"]:
        classes = [(r["class"], r["count"]) for r in data["legality"]]
        body.append(horizontal_bars(chart_id="chart-legality", items=classes))
    else:
        body.append('<p class="empty">No image in this range was loaded with legality=True.</p>')
    body.append("</section></div>")
    body.append(_queue(queue, query=query, base=base, ui_base=ui_base))
    body.append(_runs(data["runs"], ui_base=ui_base))
    return document("FaceID", "".join(body))


def _code_table(by_code: Mapping[str, Mapping[bool, int]]) -> str:
    if not by_code:
        return '<p class="empty">No failures in this range.</p>'
    rows = "".join(
        f'<tr data-code="{escape(code)}"><td>{escape(code)}</td><td class="n">{split[True]}</td>'
        f'<td class="n">{split[False]}</td></tr>'
        for code, split in sorted(by_code.items())
    )
    return (
        f'<table id="failure-codes"><tr><th>code</th><th>retryable</th><th>permanent</th></tr>{rows}</table>'
    )


def _queue(queue: Mapping[str, Any], *, query: Mapping[str, str], base: str, ui_base: str) -> str:
    total, offset, limit = queue["total"], queue["offset"], queue["limit"]
    csv_link = f"{base}recapture.csv?{urlencode(query)}"
    out = [
        f"<h2>Re-capture queue <small>({total})</small></h2>"
        f'<p><a id="csv" href="{escape(csv_link)}" download>download CSV (masked)</a></p>'
    ]
    if not queue["rows"]:
        out.append('<p class="empty">Nothing to re-capture in this range.</p>')
        return "".join(out)
    out.append(
        '<table id="queue"><tr><th>when</th><th>side</th><th>name</th><th>number</th><th>source</th>'
        "<th>reason</th><th>DAG run</th></tr>"
    )
    for row in queue["rows"]:
        run = _run_link(ui_base, row["dag_id"], row["run_id"])
        out.append(
            f'<tr class="queued" data-kind="{row["kind"]}"><td>{escape(row["at"][:19])}</td>'
            f"<td>{escape(row['side'] or '')}</td><td>{escape(row['name_masked'])}</td>"
            f"<td>{escape(row['number_masked'])}</td><td>{escape(row['source_uri'])}</td>"
            f"<td>{escape(row['reason'])}</td><td>{run}</td></tr>"
        )
    out.append("</table>")
    pages = []
    if offset > 0:
        pages.append(_page_link(base, query, max(offset - limit, 0), "previous"))
    if offset + limit < total:
        pages.append(_page_link(base, query, offset + limit, "next"))
    shown = f"{offset + 1}-{offset + len(queue['rows'])} of {total}"
    out.append(f'<p class="pages">{shown} {" ".join(pages)}</p>')
    return "".join(out)


def _page_link(base: str, query: Mapping[str, str], offset: int, text: str) -> str:
    href = f"{base}?{urlencode({**query, 'offset': offset})}"
    return f'<a class="{text}" href="{escape(href)}">{text}</a>'


def _run_link(ui_base: str, dag_id: str | None, run_id: str | None) -> str:
    if not dag_id or not run_id:
        return escape(run_id or "")
    # The Airflow UI around this frame: _top leaves the frame for the run's own page.
    href = f"{ui_base}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"
    return f'<a href="{escape(href)}" target="_top">{escape(run_id)}</a>'


def _runs(runs: Sequence[Mapping[str, Any]], *, ui_base: str) -> str:
    if not runs:
        return "<h2>DAG runs</h2><p class='empty'>No DAG run wrote rows in this range.</p>"
    head = (
        "<h2>DAG runs</h2><table id='runs'><tr><th>DAG</th><th>run</th><th>listed</th><th>loaded</th>"
        "<th>duplicates</th><th>failed</th><th>OCR calls</th><th>to re-capture</th><th>last write</th></tr>"
    )
    rows = "".join(
        f"<tr class='run' data-run='{escape(r['run_id'] or '')}' data-loaded='{r['loaded']}' "
        f"data-failed='{r['failed']}'>"
        f"<td>{escape(r['dag_id'] or '')}</td><td>{_run_link(ui_base, r['dag_id'], r['run_id'])}</td>"
        f"<td class='n listed'>{_maybe(r.get('listed'))}</td><td class='n'>{r['loaded']}</td>"
        f"<td class='n duplicates'>{_maybe(r.get('duplicates'))}</td><td class='n'>{r['failed']}</td>"
        f"<td class='n calls'>{_maybe(r.get('ocr_calls'))}</td><td class='n'>{r['needs_recapture']}</td>"
        f"<td>{escape(r['last'][:19])}</td></tr>"
        for r in runs
    )
    note = (
        "<p class='empty'>listed, duplicates and OCR calls come from the operator's XCom summary; "
        "– when the run's XCom is not in this Airflow.</p>"
    )
    return head + rows + "</table>" + note


def _maybe(value: Any) -> str:
    return "–" if value is None else escape(str(value))
