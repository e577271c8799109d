-- Data-quality rules of `polypipe check`. Each rule starts with a line
--   -- rule: <name> | <hard|warn> | <what a violation means>
-- followed by one query returning (violations BIGINT, example VARCHAR). A hard rule with
-- violations makes `check` exit 1. The view bronze_trades (the loaded Bronze trade files) exists
-- when the Bronze directory is readable; rules that need it are skipped otherwise.

-- rule: market_dim_keys | hard | MarketDim condition_id or market_id repeated
SELECT (count(*) - count(DISTINCT condition_id)) + (count(*) - count(DISTINCT market_id)),
       (SELECT min(condition_id) FROM (SELECT condition_id FROM MarketDim GROUP BY 1 HAVING count(*) > 1))
FROM MarketDim;

-- rule: market_history_current | hard | a market without exactly one current MarketDimHistory version
SELECT count(*), min(d.condition_id)
FROM MarketDim d
LEFT JOIN (SELECT market_id, count(*) FILTER (WHERE is_current) AS current_versions
           FROM MarketDimHistory GROUP BY market_id) h ON h.market_id = d.market_id
WHERE coalesce(h.current_versions, 0) <> 1;

-- rule: market_history_intervals | hard | a closed MarketDimHistory version without an end, or ending before it starts
SELECT count(*), min(condition_id || ' v' || version)
FROM MarketDimHistory
WHERE (NOT is_current AND valid_to IS NULL) OR (is_current AND valid_to IS NOT NULL)
   OR valid_to < valid_from;

-- rule: token_dim_keys | hard | MarketTokenDim token_hash or token_id repeated
SELECT (count(*) - count(DISTINCT token_hash)) + (count(*) - count(DISTINCT token_id)),
       (SELECT min(token_hash) FROM (SELECT token_hash FROM MarketTokenDim GROUP BY 1 HAVING count(*) > 1))
FROM MarketTokenDim;

-- rule: trader_dim_keys | hard | TraderDim wallet_address or trader_id repeated
SELECT (count(*) - count(DISTINCT wallet_address)) + (count(*) - count(DISTINCT trader_id)),
       (SELECT min(wallet_address) FROM (SELECT wallet_address FROM TraderDim GROUP BY 1 HAVING count(*) > 1))
FROM TraderDim;

-- rule: event_dim_keys | hard | EventDim gamma_event_id or event_id repeated
SELECT (count(*) - count(DISTINCT gamma_event_id)) + (count(*) - count(DISTINCT event_id)),
       (SELECT min(gamma_event_id) FROM (SELECT gamma_event_id FROM EventDim GROUP BY 1 HAVING count(*) > 1))
FROM EventDim;

-- rule: category_dim_keys | hard | CategoryDim gamma_tag_id or category_id repeated
SELECT (count(*) - count(DISTINCT gamma_tag_id)) + (count(*) - count(DISTINCT category_id)),
       (SELECT min(gamma_tag_id) FROM (SELECT gamma_tag_id FROM CategoryDim GROUP BY 1 HAVING count(*) > 1))
FROM CategoryDim;

-- rule: bridge_keys | hard | MarketCategoryBridge (market_id, label) repeated
SELECT count(*) - count(DISTINCT (market_id, label)), NULL FROM MarketCategoryBridge;

-- rule: trade_keys | hard | TradeFact natural key or trade_id repeated (a fill loaded twice)
-- Equal keys have equal hashes, so only rows whose key hash repeats can repeat a key: the table
-- is grouped by that one number, and the exact count of wide keys runs over those rows alone
-- (none in a clean table). The exact count over the whole table did not finish in 20 minutes at
-- 100M trades (a hash table of every key, spilled).
WITH repeated AS (
  SELECT h FROM (SELECT hash(transaction_hash, condition_id, token_hash, wallet_address, side,
                             price, size, "timestamp", outcome_index, fill_seq) AS h
                 FROM TradeFact)
  GROUP BY h HAVING count(*) > 1),
suspects AS NOT MATERIALIZED (
  SELECT * FROM TradeFact
  WHERE hash(transaction_hash, condition_id, token_hash, wallet_address, side, price, size,
             "timestamp", outcome_index, fill_seq) IN (SELECT h FROM repeated)),
ids AS (SELECT trade_id, count(*) AS n FROM TradeFact GROUP BY trade_id HAVING count(*) > 1)
SELECT (SELECT count(*) - count(DISTINCT (transaction_hash, condition_id, token_hash,
                                          wallet_address, side, price, size, "timestamp",
                                          outcome_index, fill_seq))
        FROM suspects)
         + (SELECT coalesce(sum(n - 1), 0) FROM ids WHERE trade_id IS NOT NULL)
         + (SELECT count(*) FROM TradeFact WHERE trade_id IS NULL),
       (SELECT min(transaction_hash) FROM (
          SELECT transaction_hash FROM suspects
          GROUP BY transaction_hash, condition_id, token_hash, wallet_address, side, price, size,
                   "timestamp", outcome_index, fill_seq
          HAVING count(*) > 1));

-- rule: price_keys | hard | PriceHistoryFact (token_hash, timestamp) repeated
SELECT count(*) - count(DISTINCT (token_hash, "timestamp")),
       (SELECT min(token_hash) FROM (SELECT token_hash FROM PriceHistoryFact GROUP BY token_hash, "timestamp" HAVING count(*) > 1))
FROM PriceHistoryFact;

-- rule: leaderboard_keys | hard | LeaderboardFact (snapshot_ts, category, period, order_by, rank, wallet_address) repeated (tied ranks are legal)
SELECT count(*) - count(DISTINCT (snapshot_ts, category, period, order_by, rank, wallet_address)),
       (SELECT min(wallet_address || ' at rank ' || rank) FROM (
          SELECT wallet_address, rank FROM LeaderboardFact
          GROUP BY snapshot_ts, category, period, order_by, rank, wallet_address
          HAVING count(*) > 1))
FROM LeaderboardFact;

-- rule: leaderboard_repeats | warn | a wallet listed more than once in one board snapshot (the board shifted between two pages of the sweep)
SELECT coalesce(sum(n - 1), 0)::BIGINT,
       min(wallet_address || ' in ' || category || '/' || period || '/' || order_by)
FROM (SELECT snapshot_ts, category, period, order_by, wallet_address, count(*) AS n
      FROM LeaderboardFact
      GROUP BY snapshot_ts, category, period, order_by, wallet_address
      HAVING count(*) > 1);

-- rule: orphan_trades | hard | trades whose market, token or trader is not in the dimensions (kept, unlinked)
SELECT count(*), min(condition_id || ' / ' || token_hash)
FROM TradeFact WHERE market_id IS NULL OR token_id IS NULL OR trader_id IS NULL;

-- rule: orphan_prices | hard | price points whose token is not in MarketTokenDim (kept, unlinked)
SELECT count(*), min(token_hash) FROM PriceHistoryFact WHERE token_id IS NULL;

-- rule: orphan_tokens | warn | tokens whose market is not in MarketDim
SELECT count(*), min(token_hash) FROM MarketTokenDim WHERE market_id IS NULL;

-- rule: trade_price_range | hard | trades priced outside [0, 1] (or without a price)
SELECT count(*), min(transaction_hash || ' at ' || price)
FROM TradeFact WHERE price IS NULL OR price < 0 OR price > 1;

-- rule: history_price_range | hard | price points outside [0, 1] (or without a price)
SELECT count(*), min(token_hash || ' at ' || price)
FROM PriceHistoryFact WHERE price IS NULL OR price < 0 OR price > 1;

-- rule: trade_sizes | warn | trades with a size that is not positive
SELECT count(*), min(transaction_hash) FROM TradeFact WHERE size IS NULL OR size <= 0;

-- rule: resolved_without_winner | warn | closed markets whose winning token is unknown
SELECT count(*), min(condition_id) FROM MarketDim WHERE closed AND NOT resolved;

-- rule: trade_gaps | hard | markets whose trade feed the fetch recorded complete, where Silver's trade count differs from Bronze's
-- Bronze's fills per market: its rows less the copies beyond the first of a repeated fill. As in
-- trade_keys, only rows whose key hash repeats can be copies, so the wide keys are compared for
-- those rows alone.
WITH done AS (SELECT condition_id FROM loader.trade_streams WHERE done),
keyed AS NOT MATERIALIZED (
  SELECT *, hash(transaction_hash, condition_id, token_id, proxy_wallet, side, price, size,
                 "timestamp", outcome_index, fill_seq) AS h
  FROM bronze_trades WHERE condition_id IN (SELECT condition_id FROM done)),
repeated AS (SELECT h FROM keyed GROUP BY h HAVING count(*) > 1),
copies AS (
  SELECT condition_id, sum(n - 1) AS n
  FROM (SELECT condition_id, count(*) AS n FROM keyed WHERE h IN (SELECT h FROM repeated)
        GROUP BY transaction_hash, condition_id, token_id, proxy_wallet, side, price, size,
                 "timestamp", outcome_index, fill_seq)
  GROUP BY condition_id),
bronze AS (
  SELECT r.condition_id, r.n - coalesce(c.n, 0) AS n
  FROM (SELECT condition_id, count(*) AS n FROM keyed GROUP BY condition_id) r
  LEFT JOIN copies c USING (condition_id)),
silver AS (
  SELECT condition_id, count(*) AS n FROM TradeFact
  WHERE condition_id IN (SELECT condition_id FROM done) GROUP BY condition_id)
SELECT count(*), min(s.condition_id || ': bronze ' || coalesce(b.n, 0) || ', silver ' || coalesce(t.n, 0))
FROM loader.trade_streams s
LEFT JOIN bronze b ON b.condition_id = s.condition_id
LEFT JOIN silver t ON t.condition_id = s.condition_id
WHERE s.done AND coalesce(b.n, 0) <> coalesce(t.n, 0);

-- rule: trades_out_of_window | warn | markets whose trading began before the trade feed's three-year reach: their older fills are not in Bronze, so their trade history is incomplete
SELECT count(*), min(condition_id) FROM loader.trade_streams
WHERE out_of_window AND NOT coalesce(done, false);
