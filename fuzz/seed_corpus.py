#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the captured API samples and polysim's dump.

    build/polysim --dump DIR --markets 4 --seed 7
    fuzz/seed_corpus.py DIR

Seeds are kept small (lists cut to two items) so that libFuzzer mutates structure, not bulk.
The script replaces the corpus folders it writes; the checked-in seeds are its output.
"""
import glob
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "tests", "fixtures", "api-samples")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def cut(value, n=2):
    """`value` with every list (top level or one envelope key deep) cut to n items."""
    if isinstance(value, list):
        return value[:n]
    if isinstance(value, dict):
        return {k: (v[:n] if isinstance(v, list) else v) for k, v in value.items()}
    return value


class Corpus:
    def __init__(self):
        self.seeds = {}

    def add(self, target, name, body):
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.seeds.setdefault(target, {})[name] = body

    def write(self):
        for target, seeds in sorted(self.seeds.items()):
            folder = os.path.join(CORPUS, target)
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(folder)
            for name, body in sorted(seeds.items()):
                with open(os.path.join(folder, name), "wb") as f:
                    f.write(body)
            print(f"{target}: {len(seeds)} seeds")


def first(pattern, n=1):
    return sorted(glob.glob(pattern))[:n]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    dump = sys.argv[1]
    c = Corpus()
    s = lambda name: os.path.join(SAMPLES, name)

    # CLOB markets: a page, a single market, the last page.
    c.add("clob_markets", "sample-page.json", cut(load(s("clob_markets_page.json"))))
    c.add("clob_markets", "sample-market.json", load(s("clob_market.json")))
    c.add("clob_markets", "last-page.json", {"data": [], "next_cursor": "LTE=", "limit": 1000, "count": 0})
    for p in first(os.path.join(dump, "clob", "markets", "*.json")):
        c.add("clob_markets", "polysim-" + os.path.basename(p), cut(load(p)))

    # Price history, single token and batch.
    history = load(s("clob_prices_history.json"))
    c.add("prices_history", "sample.json", cut(history, 3))
    c.add("prices_history", "empty.json", {"history": []})
    c.add("prices_history", "bare-empty.json", [])
    polysim_history = [cut(load(p), 3) for p in first(os.path.join(dump, "clob", "prices-history", "*.json"), 2)]
    for i, h in enumerate(polysim_history):
        c.add("prices_history", f"polysim-{i}.json", h)
    points = history["history"][:2] if isinstance(history, dict) else []
    c.add("batch_prices_history", "sample.json", {"history": {"123": points, "456": []}})
    c.add("batch_prices_history", "empty.json", {"history": {}})
    for i, h in enumerate(polysim_history):
        c.add("batch_prices_history", f"polysim-{i}.json", {"history": {f"{i}1{i}": h.get("history", [])}})

    # Data API.
    c.add("trades", "sample.json", cut(load(s("data_v2_trades.json"))))
    c.add("trades", "last-page.json", {"data": [], "pagination": {"has_more": False}})
    c.add("trades", "error.json", {"error": "bad", "code": "invalid_request", "retryable": False})
    for p in first(os.path.join(dump, "data", "v2", "trades", "*.json"), 2):
        c.add("trades", "polysim-" + os.path.basename(p), cut(load(p)))
    c.add("trades_v1", "sample.json", cut(load(s("data_v1_trades.json"))))
    c.add("trades_v1", "empty.json", [])
    for i, rows in enumerate(load(s("data_leaderboard_v1.json")).values()):
        c.add("leaderboard", f"sample-{i}.json", cut(rows))
    for p in first(os.path.join(dump, "data", "v1", "leaderboard", "*.json"), 2):
        c.add("leaderboard", "polysim-" + os.path.basename(p), cut(load(p)))

    # Gamma.
    c.add("gamma_markets", "sample-list.json", cut(load(s("gamma_markets_list.json"))))
    c.add("gamma_markets", "sample-market.json", load(s("gamma_market.json")))
    for p in first(os.path.join(dump, "gamma", "markets", "keyset", "closed-true-*.json")):
        c.add("gamma_markets", "polysim-" + os.path.basename(p), cut(load(p), 1))
    c.add("gamma_events", "sample-list.json", cut(load(s("gamma_events_list.json")), 1))
    c.add("gamma_events", "sample-event.json", load(s("gamma_event.json")))
    for p in first(os.path.join(dump, "gamma", "events", "keyset", "closed-true-*.json")):
        c.add("gamma_events", "polysim-" + os.path.basename(p), cut(load(p), 1))
    c.add("gamma_tags", "sample.json", cut(load(s("gamma_tags.json")), 3))
    for p in first(os.path.join(dump, "gamma", "tags", "*.json")):
        c.add("gamma_tags", "polysim-" + os.path.basename(p), cut(load(p), 3))

    # Error bodies: the captured ones, and the non-JSON kinds polysim and the real hosts send.
    for i, (_, e) in enumerate(sorted(load(s("data_errors.json")).items())):
        c.add("error_body", f"sample-{i}.json", e["body"])
    c.add("error_body", "gamma.json", {"type": "validation error", "error": "offset not allowed"})
    c.add("error_body", "cloudflare-1015.txt", "error code: 1015")
    c.add("error_body", "html-403.html",
          "<!DOCTYPE html>\n<html><head><title>Attention Required! | Cloudflare</title></head>"
          "<body>blocked</body></html>\n")
    c.add("error_body", "plain.txt", "upstream connect error or disconnect/reset before headers")

    # The config file: the shipped one and a few partial ones.
    with open(os.path.join(ROOT, "config", "polypipe.json"), "rb") as f:
        c.add("config", "shipped.json", f.read())
    c.add("config", "empty.json", {})
    c.add("config", "partial.json", {"api": {"timeout": 5}, "workers": {"trades": 2},
                                     "rate_limits": {"data": {"requests": 10, "window_seconds": 1}},
                                     "price_resolution": {"ladder": [60, 720]}})

    # Commit records, as the Store writes them.
    record = {"seq": 7, "dataset": "trades", "run_id": "20260101T010203Z",
              "committed_at": "2026-01-01T01:02:03.000004Z",
              "files": [{"path": "dt=2026-01-01/trades_20260101_010203_000001.parquet",
                         "rows": 1000, "bytes": 52311, "min_event": 1767225600000000,
                         "max_event": 1767229200000000}],
              "rows": 1000,
              "progress": {"trades:0xabc": {"cursor": "eyJvIjoxfQ==", "done": False}}}
    c.add("commit_record", "trades.json", json.dumps(record, indent=2) + "\n")
    c.add("commit_record", "empty.json", {"seq": 0, "dataset": "markets", "run_id": "r",
                                          "committed_at": "2026-01-01T00:00:00.000000Z",
                                          "files": [], "rows": 0, "progress": None})
    c.add("commit_record", "name.txt", "000000000042.json")

    # Run reports: one being run (resumed by the next fetch), one finished.
    running = {"run_id": "20260101T000000Z", "mode": "all", "fresh": False,
               "started_at": "2026-01-01T00:00:00.000000Z", "started_at_us": 1767225600000000,
               "resumes": 1, "state": "interrupted",
               "datasets": {"trades": {"rows": 10, "pages": 1, "skips": {"missing price": 1}}},
               "routes": {"data:/v2/trades": {"requests": 3, "ok": 2, "429": 1}}}
    c.add("run_log", "interrupted.json", json.dumps(running, indent=2) + "\n")
    c.add("run_log", "finished.json", dict(running, state="finished"))
    c.write()


if __name__ == "__main__":
    main()
