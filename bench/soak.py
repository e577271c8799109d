#!/usr/bin/env python3
"""The soak: polypipe fetching from a faulty, rate-limited polysim whose clock keeps moving.

Runs `polypipe fetch --mode all` again and again for SECONDS (each run resumes or continues where
the last one stopped), advancing polysim's clock by half an hour between runs so that new trades
and prices keep arriving, with every fault type on at once (5xx, dropped connections, truncated
bodies, HTML 403 pages, slow responses, 429s from a route limit below polypipe's own). Then one
last fetch completes everything up to the final clock, `load-silver` and `check` run, and the
result is compared with polysim's truth.

Usage: soak.py POLYPIPE POLYSIM DUCKDB_BASELINE WORKDIR SECONDS VARS
Prints a report; writes shell assignments (soak_*) to VARS for bench/run.sh. Exit 1 when a
process could not be started.
"""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

UNIVERSE = ["--seed", "11", "--markets", "400", "--mean-trades", "150", "--heavy-markets", "2",
            "--heavy-trades", "40000", "--history-days", "30", "--late-fills", "0.2"]
FAULTS = ["--fault-5xx", "0.03", "--fault-drop", "0.01", "--fault-truncate", "0.01",
          "--fault-403", "0.01", "--fault-latency-ms", "300", "--fault-latency-rate", "0.01",
          "--fault-seed", "5", "--rate-mode", "reject-json",
          "--rate-limit", "/data/v2/trades=30/10"]
# polypipe allows more than polysim on /v2/trades, so 429s happen and must be absorbed.
CONFIG = {"rate_limits": {"data_v2_trades": {"requests": 200, "window_seconds": 10}}}
ADVANCE_SECONDS = 1800
RUN_TIMEOUT = 120


def http(url, method="GET"):
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


class RssSampler(threading.Thread):
    """Samples a process's VmRSS (kB) twice a second until it exits."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak = pid, 0

    def run(self):
        while True:
            try:
                with open(f"/proc/{self.pid}/status", encoding="ascii") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            self.peak = max(self.peak, int(line.split()[1]))
            except (FileNotFoundError, ProcessLookupError):
                return
            time.sleep(0.5)


def newest_report(data):
    runs = os.path.join(data, "_runs")
    names = [n for n in os.listdir(runs) if n.endswith(".json")] if os.path.isdir(runs) else []
    if not names:
        return {}
    path = max((os.path.join(runs, n) for n in names), key=os.path.getmtime)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def query(baseline, *sql):
    """The first cell of the last statement, through bench/duckdb_baseline."""
    out = subprocess.run([baseline, *sql], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[0] if out.stderr else "query failed")
    lines = [l for l in out.stdout.splitlines() if " s  " in l]
    return lines[-1].split(" s  ", 1)[1].strip()


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    polypipe, polysim, baseline, work, seconds, vars_path = sys.argv[1:]
    seconds = float(seconds)
    data = os.path.join(work, "data")
    config = os.path.join(work, "config.json")
    with open(config, "w", encoding="utf-8") as f:
        json.dump(CONFIG, f)
    port_file = os.path.join(work, "port")
    sim_log = open(os.path.join(work, "polysim.log"), "w", encoding="utf-8")
    sim = subprocess.Popen([polysim, "--port", "0", "--port-file", port_file, *UNIVERSE, *FAULTS],
                           stdout=sim_log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            if os.path.exists(port_file) and open(port_file, encoding="ascii").read().strip():
                break
            if sim.poll() is not None:
                sys.exit("soak: polysim did not start")
            time.sleep(0.05)
        base = f"http://127.0.0.1:{open(port_file, encoding='ascii').read().strip()}"
        flags = ["--config", config, "--data-dir", data, "--data-api", base + "/data",
                 "--clob-api", base + "/clob", "--gamma-api", base + "/gamma"]

        runs = []

        def fetch(timeout):
            args = [polypipe, "fetch", "--mode", "all", *flags]
            if timeout:
                args += ["--timeout", str(int(timeout))]
            log = open(os.path.join(work, f"fetch-{len(runs) + 1}.log"), "w", encoding="utf-8")
            start = time.time()
            proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
            sampler = RssSampler(proc.pid)
            sampler.start()
            try:
                code = proc.wait(timeout=900)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
            sampler.join(timeout=2)
            report = newest_report(data)
            http_stats = report.get("http", {})
            run = {
                "exit": code, "seconds": round(time.time() - start, 1),
                "state": report.get("state", "?"),
                "requests": sum(r.get("requests", 0) for r in http_stats.values()),
                "rate_limited": sum(r.get("rate_limited", 0) for r in http_stats.values()),
                "retries": sum(r.get("retries", 0) for r in http_stats.values()),
                "server_errors": sum(r.get("server_errors", 0) for r in http_stats.values()),
                "transport_errors": sum(r.get("transport_errors", 0) for r in http_stats.values()),
                "blocked": sum(r.get("blocked", 0) for r in http_stats.values()),
                "rows": sum(d.get("rows", 0) for d in report.get("datasets", {}).values()),
                "datasets": {k: d.get("rows", 0) for k, d in report.get("datasets", {}).items()
                             if d.get("rows", 0)},
                "peak_rss_mb": round(sampler.peak / 1024, 1),
            }
            runs.append(run)
            print(f"  run {len(runs):2d}: exit {code}, {run['state']}, {run['seconds']} s, "
                  f"{run['requests']:,} requests ({run['rate_limited']} 429s, {run['retries']} "
                  f"retries, {run['server_errors']} 5xx, {run['transport_errors']} transport, "
                  f"{run['blocked']} 403), {run['rows']:,} rows, peak RSS {run['peak_rss_mb']} MB",
                  flush=True)

        deadline = time.time() + seconds
        while time.time() < deadline - 5:
            fetch(min(RUN_TIMEOUT, deadline - time.time()))
            http(base + f"/__sim/advance?seconds={ADVANCE_SECONDS}", "POST")
        print("  final run to the last clock (faults still on):", flush=True)
        fetch(0)

        full_truth = http(base + "/__sim/truth")
        truth = full_truth["datasets"]
        sim_stats = http(base + "/__sim/stats")
    finally:
        sim.terminate()
        sim.wait(timeout=30)

    silver = os.path.join(work, "soak.duckdb")
    load = subprocess.run([polypipe, "load-silver", "--bronze", data, "--silver", silver],
                          capture_output=True, text=True, timeout=1800)
    check = subprocess.run([polypipe, "check", "--silver", silver], capture_output=True,
                           text=True, timeout=600)
    attach = f"ATTACH '{silver}' AS s (READ_ONLY)"
    trades = int(query(baseline, attach, "SELECT count(*) FROM s.TradeFact"))
    trade_keys = int(query(baseline, attach, """SELECT count(*) FROM (SELECT DISTINCT
        transaction_hash, condition_id, token_hash, wallet_address, side, price, size,
        "timestamp", outcome_index, fill_seq FROM s.TradeFact)"""))
    prices = int(query(baseline, attach, "SELECT count(*) FROM s.PriceHistoryFact"))
    price_keys = int(query(baseline, attach, """SELECT count(*) FROM (SELECT DISTINCT
        token_hash, "timestamp" FROM s.PriceHistoryFact)"""))
    # Per market and per token: a market that closed during the soak keeps the finer points
    # fetched while it was open, beyond what the truth (which knows only the closed market's
    # coarse series) counts; so "lost" is what the truth has and Silver lacks, stream by stream.
    def per_key(sql, name):
        path = os.path.join(work, name)
        query(baseline, attach, f"COPY ({sql}) TO '{path}' (HEADER false)")
        with open(path, encoding="utf-8") as f:
            return {k: int(v) for k, v in (line.strip().rsplit(",", 1) for line in f if line.strip())}
    got_trades = per_key("SELECT condition_id, count(*) FROM (SELECT DISTINCT transaction_hash, "
                         "condition_id, token_hash, wallet_address, side, price, size, "
                         "\"timestamp\", outcome_index, fill_seq FROM s.TradeFact) GROUP BY ALL",
                         "trades.csv")
    got_prices = per_key("SELECT token_hash, count(DISTINCT \"timestamp\") FROM "
                         "s.PriceHistoryFact GROUP BY ALL", "prices.csv")
    trades_lost = sum(max(0, n - got_trades.get(k, 0))
                      for k, n in full_truth.get("market_trades", {}).items())
    prices_lost = sum(max(0, n - got_prices.get(k, 0))
                      for k, n in full_truth.get("token_prices", {}).items())
    prices_extra = sum(max(0, got_prices.get(k, 0) - n)
                       for k, n in full_truth.get("token_prices", {}).items())
    glob = os.path.join(data, "trades", "dt=*", "*.parquet")
    bronze_trades = int(query(baseline, f"SELECT count(*) FROM read_parquet('{glob}')"))
    bronze_keys = int(query(baseline, f"""SELECT count(*) FROM (SELECT DISTINCT transaction_hash,
        condition_id, token_id, proxy_wallet, side, price, size, "timestamp", outcome_index,
        fill_seq FROM read_parquet('{glob}'))"""))

    kinds = {}
    for route in sim_stats.get("routes", {}).values():
        for kind, n in route.get("faults", {}).items():
            kinds[kind] = kinds.get(kind, 0) + n
    totals = {k: sum(r[k] for r in runs) for k in
              ("requests", "rate_limited", "retries", "server_errors", "transport_errors",
               "blocked")}
    # Growth is judged on the incremental runs: the first run is the backfill, the last one
    # catches up with the final clock.
    rss = [r["peak_rss_mb"] for r in runs[1:-1]] or [runs[-1]["peak_rss_mb"]]
    third = max(1, len(rss) // 3)
    median = lambda xs: sorted(xs)[len(xs) // 2]
    rss_first, rss_last = median(rss[:third]), median(rss[-third:])
    top = max(range(len(runs)), key=lambda i: runs[i]["peak_rss_mb"])
    figures = {
        "runs": len(runs), "failed_runs": sum(1 for r in runs if r["exit"] not in (0,)),
        "final_state": runs[-1]["state"], "requests": totals["requests"],
        "rate_limited": totals["rate_limited"], "retries": totals["retries"],
        "server_errors": totals["server_errors"], "transport_errors": totals["transport_errors"],
        "blocked": totals["blocked"], "sim_requests": sim_stats.get("requests", 0),
        "sim_faults": sim_stats.get("faults", 0),
        "sim_fault_kinds": " ".join(f"{k}={v}" for k, v in sorted(kinds.items())),
        "sim_rate_limited": sim_stats.get("rate_limited", 0),
        "truth_trades": truth.get("trades", 0), "truth_prices": truth.get("prices", 0),
        "silver_trades": trades, "silver_prices": prices,
        "trade_duplicates": trades - trade_keys, "price_duplicates": prices - price_keys,
        "bronze_trade_duplicates": bronze_trades - bronze_keys,
        "trades_lost": trades_lost, "prices_lost": prices_lost, "prices_extra": prices_extra,
        "load_exit": load.returncode, "check_exit": check.returncode,
        "rss_first_mb": rss_first, "rss_last_mb": rss_last,
        "rss_max_mb": runs[top]["peak_rss_mb"], "rss_max_run": top + 1,
        "rss_series": " ".join(str(r) for r in rss),
    }
    print(f"  polysim: {figures['sim_requests']:,} requests served, {figures['sim_faults']:,} "
          f"faults injected ({figures['sim_fault_kinds']}), {figures['sim_rate_limited']:,} "
          f"answered 429")
    print(f"  polypipe over {len(runs)} runs: {totals['requests']:,} requests, "
          f"{totals['rate_limited']:,} 429s, {totals['retries']:,} retries; final run "
          f"{runs[-1]['state']} (exit {runs[-1]['exit']})")
    print(f"  trades: truth {figures['truth_trades']:,}, Silver {trades:,} "
          f"({figures['trade_duplicates']} duplicates, {figures['trades_lost']} lost; Bronze "
          f"{bronze_trades:,} rows, {figures['bronze_trade_duplicates']} duplicates)")
    print(f"  prices: truth {figures['truth_prices']:,}, Silver {prices:,} "
          f"({figures['price_duplicates']} duplicates, {prices_lost} lost; {prices_extra} points "
          f"beyond the truth, kept from before their market closed)")
    print(f"  load-silver exit {load.returncode}; check exit {check.returncode}")
    for line in (load.stderr + check.stdout + check.stderr).strip().splitlines()[-12:]:
        print("    " + line)
    print(f"  peak RSS per run (MB): {' '.join(str(r['peak_rss_mb']) for r in runs)}")
    print(f"  median peak RSS of the incremental runs: first third {rss_first} MB, last third "
          f"{rss_last} MB; the highest, {runs[top]['peak_rss_mb']} MB, was run {top + 1}: "
          f"{runs[top]['datasets']}")
    with open(vars_path, "w", encoding="utf-8") as f:
        for key, value in figures.items():
            f.write(f"soak_{key}='{value}'\n")


if __name__ == "__main__":
    main()
