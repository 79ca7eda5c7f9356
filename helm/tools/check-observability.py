#!/usr/bin/env python3
"""Checks the Grafana dashboard and the Prometheus rules against the harvester's metrics.

  check-observability.py --dashboard deploy/grafana/harvester-dashboard.json \
      --rules deploy/prometheus/harvester-rules.yml [--promtool promtool]

- Every metric name in a dashboard query, a dashboard variable or a rule expression must be
  one the harvester exports (METRICS below, the contract with the Rust code) or one of the
  process collector's process_resident_memory_bytes / process_start_time_seconds.
- Every dashboard query is valid PromQL: Grafana's variables are replaced by sample values and
  the queries are fed to `promtool check rules` as recording rules.
- The dashboard has the structure Grafana needs: a Prometheus datasource variable used by every
  panel, unique panel ids, panels within the 24-column grid and not overlapping, and the panels
  the operations guide refers to.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

COUNTERS = [
    "harvest_jobs_started_total", "harvest_jobs_finished_total", "harvest_items_processed_total",
    "harvest_remote_requests_total", "harvest_rdf_triples_parsed_total",
    "harvest_amqp_deliveries_total", "harvest_amqp_acks_total", "harvest_amqp_nacks_total",
    "harvest_amqp_redeliveries_total", "harvest_amqp_retries_total", "harvest_amqp_dead_lettered_total",
]
GAUGES = [
    "harvest_build_info", "harvest_last_success_timestamp_seconds", "harvest_items_in_flight",
    "harvest_queue_messages", "harvest_queue_consumers", "harvest_jobs_running",
    "harvest_sources_failing", "harvest_sources_stale", "process_resident_memory_bytes", "process_start_time_seconds",
]
HISTOGRAMS = [
    "harvest_job_duration_seconds", "harvest_item_stage_duration_seconds",
    "harvest_remote_request_duration_seconds",
]
METRICS = set(COUNTERS) | set(GAUGES) | {h + s for h in HISTOGRAMS for s in ("_bucket", "_sum", "_count")}
# Labels each metric may be filtered or grouped by (besides target labels: job, namespace, pod,
# instance, container, service, endpoint, le).
LABEL_VALUES = {
    "status": {"done", "done-errors", "failed"},
    "outcome": {"created", "updated", "skipped", "failed", "archived"},
    "stage": {"fetch", "map", "store"},
    "class": {"2xx", "3xx", "304", "4xx", "5xx", "timeout", "error"},
    "queue": {"gather", "item", "finalize", "dead"},
}
# Metrics the dashboard must show (the panels docs/operations.md describes).
DASHBOARD_MUST_USE = [
    "harvest_items_processed_total", "harvest_jobs_finished_total", "harvest_job_duration_seconds_bucket",
    "harvest_queue_messages", "harvest_queue_consumers", "harvest_last_success_timestamp_seconds",
    "harvest_remote_requests_total", "process_resident_memory_bytes", "harvest_items_in_flight",
    "harvest_amqp_acks_total", "harvest_amqp_nacks_total", "harvest_amqp_dead_lettered_total",
    "harvest_item_stage_duration_seconds_bucket", "harvest_sources_failing", "harvest_sources_stale",
]
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
            "offset", "bool", "inf", "nan", "atan2"}
GRAFANA_VARS = {
    "$__rate_interval": "5m", "$__interval": "1m", "$__range": "1d", "${__range}": "1d",
    "$quantile_window": "1h", "$namespace": ".*", "$backend": ".*",
}

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def metric_names(expr):
    """Metric names of a PromQL expression: identifiers that are neither functions, keywords,
    label names in a matcher or a grouping clause, nor parts of strings or durations."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)          # strings
    e = re.sub(r"\{[^}]*\}", " ", e)                                              # matchers
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)                                             # ranges, subqueries
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        word = m.group(0)
        rest = e[m.end():].lstrip()
        if rest.startswith("("):      # a function call
            continue
        if word.lower() in KEYWORDS:
            continue
        if re.fullmatch(r"[0-9.eE+-]+", word):
            continue
        # a number's exponent or a duration unit glued to a digit
        if m.start() > 0 and e[m.start() - 1].isdigit():
            continue
        names.add(word)
    return names


def label_filters(expr):
    """(label, value) of the equality matchers of an expression."""
    out = []
    for block in re.findall(r"\{([^}]*)\}", expr):
        for lbl, op, val in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"', block):
            out.append((lbl, op, val))
    return out


def check_expr(where, expr):
    for name in metric_names(expr):
        if name not in METRICS:
            err(where, f"unknown metric {name!r} (not exported by the harvester)")
    for lbl, op, val in label_filters(expr):
        allowed = LABEL_VALUES.get(lbl)
        if not allowed or "$" in val:
            continue
        values = val.split("|") if op in ("=~", "!~") else [val]
        for v in values:
            if v not in allowed:
                err(where, f"label {lbl}={v!r} is not one of {sorted(allowed)}")


def substitute(expr):
    for k in sorted(GRAFANA_VARS, key=len, reverse=True):
        expr = expr.replace(k, GRAFANA_VARS[k])
    return expr


def promtool_check(exprs, promtool, what):
    """exprs: list of (name, expr)."""
    rules = {"groups": [{"name": what, "rules": [{"record": f"check:{i}", "expr": e} for i, (_, e) in enumerate(exprs)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump(rules, f)
        path = f.name
    try:
        out = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True)
        if out.returncode != 0:
            # find the culprits one by one for a readable message
            for name, e in exprs:
                one = {"groups": [{"name": "one", "rules": [{"record": "check:one", "expr": e}]}]}
                with open(path, "w") as f:
                    yaml.safe_dump(one, f)
                o = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True)
                if o.returncode != 0:
                    err(name, f"invalid PromQL: {(o.stdout + o.stderr).strip().splitlines()[-1]}\n      {e}")
    finally:
        os.unlink(path)


def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels") or [])


def check_dashboard(path, promtool):
    with open(path) as f:
        d = json.load(f)
    for key in ("uid", "title", "panels", "templating", "schemaVersion"):
        if key not in d:
            err(path, f"missing {key}")
    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        err(path, "no Prometheus datasource variable named datasource")
    for name, v in variables.items():
        if v.get("type") == "query":
            q = v.get("query")
            q = v.get("definition") or (q.get("query", "") if isinstance(q, dict) else q or "")
            m = re.fullmatch(r"label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)", q.strip())
            if not m:
                err(f"variable {name}", f"unexpected query {q!r}")
                continue
            check_expr(f"variable {name}", m.group(1))
            if (v.get("datasource") or {}).get("uid") != "${datasource}":
                err(f"variable {name}", "does not use the ${datasource} variable")
    ids, used, exprs, boxes = set(), set(), [], []
    for p in walk_panels(d.get("panels", [])):
        where = f"panel {p.get('id')} {p.get('title')!r}"
        if p.get("id") in ids:
            err(where, "duplicate panel id")
        ids.add(p.get("id"))
        gp = p.get("gridPos") or {}
        if not all(k in gp for k in "hwxy") or gp["x"] + gp["w"] > 24:
            err(where, f"bad gridPos {gp}")
        else:
            boxes.append((where, gp))
        if p.get("type") == "row":
            continue
        if (p.get("datasource") or {}).get("uid") != "${datasource}":
            err(where, "panel datasource is not ${datasource}")
        targets = p.get("targets") or []
        if not targets:
            err(where, "no query")
        refs = set()
        for t in targets:
            if t.get("refId") in refs:
                err(where, f"duplicate refId {t.get('refId')}")
            refs.add(t.get("refId"))
            expr = t.get("expr", "")
            if not expr:
                err(where, "empty query")
                continue
            for var in re.findall(r"\$\{?([a-zA-Z_][a-zA-Z0-9_]*)", expr):
                if not var.startswith("__") and var not in variables:
                    err(where, f"query uses undefined variable ${var}")
            check_expr(where, expr)
            used |= metric_names(expr)
            exprs.append((f"{where} {t.get('refId')}", substitute(expr)))
    for i, (w1, a) in enumerate(boxes):
        for w2, b in boxes[i + 1:]:
            if a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]:
                err(w1, f"overlaps {w2}")
    for m in DASHBOARD_MUST_USE:
        if m not in used:
            err(path, f"no panel shows {m}")
    if promtool:
        promtool_check(exprs, promtool, "dashboard")
    return len(exprs), len([p for p in walk_panels(d.get("panels", [])) if p.get("type") != "row"])


def check_rules(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    n = 0
    for g in doc.get("groups", []):
        for r in g.get("rules", []):
            n += 1
            where = f"rule {r.get('alert') or r.get('record')}"
            check_expr(where, str(r.get("expr", "")))
            if "alert" in r:
                if "severity" not in (r.get("labels") or {}):
                    err(where, "no severity label")
                ann = r.get("annotations") or {}
                for k in ("summary", "description", "runbook"):
                    if k not in ann:
                        err(where, f"no {k} annotation")
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dashboard", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--runbook", help="docs/operations.md: every alert must have a section there")
    ap.add_argument("--promtool")
    args = ap.parse_args()
    nq, np_ = check_dashboard(args.dashboard, args.promtool)
    nr = check_rules(args.rules)
    if args.runbook:
        with open(args.runbook) as f:
            headings = {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
                        for h in re.findall(r"^#+\s+(.*)$", f.read(), re.M)}
        with open(args.rules) as f:
            for g in yaml.safe_load(f).get("groups", []):
                for r in g.get("rules", []):
                    anchor = ((r.get("annotations") or {}).get("runbook") or "").partition("#")[2]
                    if "alert" in r and anchor not in headings:
                        err(f"rule {r['alert']}", f"runbook anchor #{anchor} is not a heading of {args.runbook}")
    if errors:
        for e in errors:
            print(f"  ERROR {e}")
        print(f"  {len(errors)} error(s)")
        return 1
    print(f"  ok: dashboard {np_} panels / {nq} queries, {nr} rules; metric names, labels and PromQL valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
