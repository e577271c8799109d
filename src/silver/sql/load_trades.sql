-- TraderDim and TradeFact from the new trades files. Fills are deduplicated by their natural key
-- (transaction_hash, condition_id, token_hash, wallet_address, side, price, size, timestamp,
-- outcome_index, fill_seq), within the batch and against what is loaded: a re-fetched copy of a
-- fill collides, two identical fills (fill_seq 0 and 1) stay apart. A fill whose token or market
-- is not in the dimensions is kept with NULL surrogates (an orphan: `check` reports it;
-- link_keys.sql links it later).
-- Input: view new_trades, table load_ctx (next_trade_id: one above the largest trade_id), and
-- batch_trades (trades_batch_*.sql).

CREATE OR REPLACE TEMP TABLE batch_trade_wallets AS
SELECT proxy_wallet AS wallet_address,
       arg_max(nullif(name, ''), "timestamp") FILTER (WHERE nullif(name, '') IS NOT NULL) AS name,
       arg_max(nullif(pseudonym, ''), "timestamp") FILTER (WHERE nullif(pseudonym, '') IS NOT NULL) AS pseudonym,
       arg_max(nullif(profile_image, ''), "timestamp") FILTER (WHERE nullif(profile_image, '') IS NOT NULL) AS profile_image,
       make_timestamp(min("timestamp") * 1000000) AS first_trade_at,
       make_timestamp(max("timestamp") * 1000000) AS last_trade_at
FROM new_trades
WHERE proxy_wallet IS NOT NULL AND proxy_wallet <> ''
GROUP BY proxy_wallet;

MERGE INTO TraderDim d
USING (SELECT (SELECT coalesce(max(trader_id), 0) FROM TraderDim)
                + row_number() OVER (ORDER BY wallet_address) AS new_id, *
       FROM batch_trade_wallets) b
ON d.wallet_address = b.wallet_address
WHEN MATCHED THEN UPDATE SET
  name = CASE WHEN b.last_trade_at >= coalesce(d.profile_seen_at, b.last_trade_at) THEN coalesce(b.name, d.name) ELSE d.name END,
  pseudonym = CASE WHEN b.last_trade_at >= coalesce(d.profile_seen_at, b.last_trade_at) THEN coalesce(b.pseudonym, d.pseudonym) ELSE coalesce(d.pseudonym, b.pseudonym) END,
  profile_image = CASE WHEN b.last_trade_at >= coalesce(d.profile_seen_at, b.last_trade_at) THEN coalesce(b.profile_image, d.profile_image) ELSE d.profile_image END,
  profile_seen_at = greatest(d.profile_seen_at, b.last_trade_at),
  first_trade_at = least(d.first_trade_at, b.first_trade_at),
  last_trade_at = greatest(d.last_trade_at, b.last_trade_at)
WHEN NOT MATCHED THEN INSERT
  (trader_id, wallet_address, name, pseudonym, profile_image, first_trade_at, last_trade_at,
   profile_seen_at)
  VALUES (b.new_id, b.wallet_address, b.name, b.pseudonym, b.profile_image, b.first_trade_at,
          b.last_trade_at, b.last_trade_at);

-- The batch's time range, for the check against loaded fills below.
SET VARIABLE batch_first_ts = (SELECT min("timestamp") FROM batch_trades);
SET VARIABLE batch_last_ts = (SELECT max("timestamp") FROM batch_trades);

INSERT INTO TradeFact BY NAME
SELECT (SELECT next_trade_id FROM load_ctx) + n.position AS trade_id,
       m.market_id, k.token_id, w.trader_id, n."timestamp", n.side, n.price, n.size,
       n.price * n.size AS notional, n.outcome_index, n.transaction_hash, n.condition_id,
       n.token_hash, n.wallet_address, n.fill_seq, (SELECT load_id FROM load_ctx) AS load_id
FROM batch_trades n
-- The fills already loaded: an explicit anti-join with TradeFact's rows in the batch's time range,
-- the range as constants (variables are folded when the statement is planned) so that the scan
-- skips the row groups outside it by their zone maps, whatever the join order. With the range
-- as subqueries in a NOT EXISTS, DuckDB ordered the join by TradeFact's committed row count,
-- which leaves out the rows earlier batches of the same load added: in a first load it kept
-- every one of them (ten columns) on the join's build side for every batch, spilling more than
-- 20 GB at 100M trades.
ANTI JOIN (SELECT "timestamp", transaction_hash, condition_id, token_hash, wallet_address, side,
                  price, size, outcome_index, fill_seq
           FROM TradeFact
           WHERE "timestamp" BETWEEN getvariable('batch_first_ts')
                                 AND getvariable('batch_last_ts')) f
  -- NULL-safe: a fill whose optional field came back NULL still collides with its copy.
  ON f."timestamp" IS NOT DISTINCT FROM n."timestamp"
  AND f.transaction_hash IS NOT DISTINCT FROM n.transaction_hash
  AND f.condition_id IS NOT DISTINCT FROM n.condition_id
  AND f.token_hash IS NOT DISTINCT FROM n.token_hash
  AND f.wallet_address IS NOT DISTINCT FROM n.wallet_address
  AND f.side IS NOT DISTINCT FROM n.side AND f.price IS NOT DISTINCT FROM n.price
  AND f.size IS NOT DISTINCT FROM n.size
  AND f.outcome_index IS NOT DISTINCT FROM n.outcome_index
  AND f.fill_seq IS NOT DISTINCT FROM n.fill_seq
LEFT JOIN MarketDim m ON m.condition_id = n.condition_id
LEFT JOIN MarketTokenDim k ON k.token_hash = n.token_hash
LEFT JOIN TraderDim w ON w.wallet_address = n.wallet_address;
