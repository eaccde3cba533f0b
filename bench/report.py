"""The figures: a table on the terminal and bench/results.json, beside the previous run's."""

import json
import operator
import os
import platform
import sqlite3
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")
TARGETS = {
    "seed_customers_per_s": (">=", 50_000),  # SQLite only
    "lookup_p99_ms_large": ("<", 10),
    "lookup_p99_ratio": ("<=", 1.5),
    "issue_to_sign_ratio": (">=", 0.5),
    "worker_peak_rss_mb": ("<=", 150),
    "queries_per_lookup": ("<=", 2),
    "queries_per_issue": ("<=", 6),
}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">=": operator.ge}


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                          if line.startswith("model name")), "")
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)), "cpu": model or platform.processor(),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "system": platform.platform(),
    }


def verdicts(results):
    """{key: (operator, target, met)} for the targets that apply to this run."""
    out = {}
    for key, (op, target) in TARGETS.items():
        if key == "seed_customers_per_s" and results.get("backend") != "sqlite":
            continue
        out[key] = (op, target, _COMPARE[op](results[key], target))
    return out


def rows(results):
    r = results
    w = r["settings"]["workers"]
    n = f"{r['customers']:,}"
    return [
        ("customers seeded (licenses)", f"{r['customers']:,} ({r['licenses_seeded']:,})", None),
        ("seeding, customers/s", f"{r['seed_customers_per_s']:,}", "seed_customers_per_s"),
        ("seeding, rows/s (customers + licenses)", f"{r['seed_rows_per_s']:,}", None),
        ("lookup p50 / p99 ms at 1,000", _pair(r, "lookup_p50_ms_small", "lookup_p99_ms_small"),
         None),
        (f"lookup p50 / p99 ms at {n}", _pair(r, "lookup_p50_ms_large", "lookup_p99_ms_large"),
         "lookup_p99_ms_large"),
        ("lookup p99 ratio, large / 1,000", f"{r['lookup_p99_ratio']:.2f}", "lookup_p99_ratio"),
        (f"lookups/s at 1,000 / {n}", f"{r['lookup_rps_small']:,} / {r['lookup_rps_large']:,}",
         None),
        ("issues/s, 1 worker (existing / new)",
         _pair(r, "issue_per_s_one_worker_existing", "issue_per_s_one_worker_new", "{:,.0f}"),
         None),
        (f"issues/s, {w} workers (existing / new)",
         _pair(r, "issue_per_s_all_workers_existing", "issue_per_s_all_workers_new", "{:,.0f}"),
         None),
        ("signatures/s, 1 core", f"{r['sign_per_s_one_core']:,.0f}", None),
        ("issuing (1 worker) / signing", f"{r['issue_to_sign_ratio']:.2f}",
         "issue_to_sign_ratio"),
        ("worker peak RSS, MB", f"{r['worker_peak_rss_mb']:.0f}", "worker_peak_rss_mb"),
        ("statements per lookup", str(r["queries_per_lookup"]), "queries_per_lookup"),
        ("statements per issue", str(r["queries_per_issue"]), "queries_per_issue"),
        ("statements per issue with Idempotency-Key", str(r["queries_per_issue_idempotent"]),
         None),
        ("failed requests", str(r["errors"]), None),
    ]


def _pair(r, a, b, fmt="{:.2f}"):
    return f"{fmt.format(r[a])} / {fmt.format(r[b])}"


def table(results, previous=None):
    judged = verdicts(results)
    lines = [f"{'figure':<44} {'value':>22}  {'target':<12} {'':<6} {'previous':>12}"]
    for label, value, key in rows(results):
        target = verdict = before = ""
        if key in judged:
            op, goal, met = judged[key]
            target, verdict = f"{op} {goal:,}", "met" if met else "MISSED"
        if previous and key in previous and key is not None:
            before = f"{previous[key]:,}"
        lines.append(f"{label:<44} {value:>22}  {target:<12} {verdict:<6} {before:>12}")
    m = results["machine"]
    lines.append(f"machine: {m['nproc']} CPUs, {m['cpu']}; Python {m['python']};"
                 f" {results['backend']} (SQLite {m['sqlite']}); {results['elapsed_s']:.0f} s")
    lines.append("statements: " + "; ".join(f"{k} {v}" for k, v in results["statements"].items()))
    return "\n".join(lines)


def load_previous(path=RESULTS):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def write(results, path=RESULTS):
    results["targets"] = {key: {"target": f"{op} {goal}", "met": met}
                          for key, (op, goal, met) in verdicts(results).items()}
    Path(path).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
