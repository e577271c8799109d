-- Gold: analysis views over Silver, recreated by every load (views cost nothing to refresh and
-- are never stale). Market-level prices are expressed as the price of outcome 0 ("Yes", "Up",
-- the first team): a fill of outcome 1 at price p counts as 1 - p. Volume is notional (USDC),
-- price × size.

-- Per market per UTC day: volume, trade count, unique traders, VWAP and first/last price
-- (outcome-0 terms). First/last break ties in time by the natural key.
CREATE OR REPLACE VIEW gold.market_daily AS
SELECT f.condition_id, any_value(f.market_id) AS market_id,
       CAST(f."timestamp" AS DATE) AS day,
       sum(f.notional) AS volume,
       sum(f.size) AS shares,
       count(*) AS trades,
       count(DISTINCT f.wallet_address) AS unique_traders,
       sum(CASE WHEN f.outcome_index = 0 THEN f.price ELSE 1 - f.price END * f.size) / sum(f.size)
         AS vwap,
       arg_min(CASE WHEN f.outcome_index = 0 THEN f.price ELSE 1 - f.price END,
               row(f."timestamp", f.transaction_hash, f.token_hash, f.wallet_address, f.side,
                   f.price, f.size, f.fill_seq)) AS first_price,
       arg_max(CASE WHEN f.outcome_index = 0 THEN f.price ELSE 1 - f.price END,
               row(f."timestamp", f.transaction_hash, f.token_hash, f.wallet_address, f.side,
                   f.price, f.size, f.fill_seq)) AS last_price
FROM main.TradeFact f
GROUP BY f.condition_id, CAST(f."timestamp" AS DATE);

-- Hourly candles per outcome token from trades: open/high/low/close price, shares, notional.
CREATE OR REPLACE VIEW gold.token_ohlcv_hourly AS
SELECT f.token_hash, any_value(f.token_id) AS token_id, any_value(f.market_id) AS market_id,
       any_value(f.condition_id) AS condition_id,
       date_trunc('hour', f."timestamp") AS hour,
       arg_min(f.price, row(f."timestamp", f.transaction_hash, f.wallet_address, f.side, f.price,
                            f.size, f.fill_seq)) AS open,
       max(f.price) AS high,
       min(f.price) AS low,
       arg_max(f.price, row(f."timestamp", f.transaction_hash, f.wallet_address, f.side, f.price,
                            f.size, f.fill_seq)) AS close,
       sum(f.size) AS volume,
       sum(f.notional) AS notional,
       count(*) AS trades
FROM main.TradeFact f
GROUP BY f.token_hash, date_trunc('hour', f."timestamp");

-- Per trader and resolved market: cash paid and received, and the payout of the winning
-- token (1 per share held at resolution). realised_pnl = sells - buys + payout.
CREATE OR REPLACE VIEW gold.trader_market_pnl AS
SELECT f.wallet_address, any_value(f.trader_id) AS trader_id, f.condition_id,
       any_value(m.market_id) AS market_id,
       sum(CASE WHEN f.side = 'BUY' THEN f.notional ELSE 0 END) AS bought,
       sum(CASE WHEN f.side = 'SELL' THEN f.notional ELSE 0 END) AS sold,
       sum(CASE WHEN f.token_hash = m.winning_token_hash
                THEN CASE WHEN f.side = 'BUY' THEN f.size ELSE -f.size END ELSE 0 END) AS payout,
       sum(CASE WHEN f.side = 'SELL' THEN f.notional ELSE -f.notional END)
         + sum(CASE WHEN f.token_hash = m.winning_token_hash
                    THEN CASE WHEN f.side = 'BUY' THEN f.size ELSE -f.size END ELSE 0 END)
         AS realised_pnl
FROM main.TradeFact f
JOIN main.MarketDim m ON m.condition_id = f.condition_id
WHERE m.resolved AND m.winning_token_hash IS NOT NULL
GROUP BY f.wallet_address, f.condition_id;

-- Per trader: volume and markets over all trades; realised PnL over resolved markets.
CREATE OR REPLACE VIEW gold.trader_stats AS
WITH activity AS (
  SELECT wallet_address, any_value(trader_id) AS trader_id, sum(notional) AS volume,
         count(*) AS trades, count(DISTINCT condition_id) AS markets_traded,
         min("timestamp") AS first_trade_at, max("timestamp") AS last_trade_at
  FROM main.TradeFact GROUP BY wallet_address),
pnl AS (
  SELECT wallet_address, count(*) AS resolved_markets, sum(realised_pnl) AS realised_pnl
  FROM gold.trader_market_pnl GROUP BY wallet_address)
SELECT a.wallet_address, coalesce(a.trader_id, t.trader_id) AS trader_id, t.name, t.pseudonym,
       a.volume, a.trades, a.markets_traded, coalesce(p.resolved_markets, 0) AS resolved_markets,
       coalesce(p.realised_pnl, 0) AS realised_pnl, a.first_trade_at, a.last_trade_at
FROM activity a
LEFT JOIN pnl p USING (wallet_address)
LEFT JOIN main.TraderDim t USING (wallet_address);

-- Leaderboard history per wallet: each board position over snapshots, with the change in rank
-- since the wallet's previous snapshot on the same board. A board that shifted during a sweep
-- can list a wallet twice in one snapshot; the previous snapshot then counts with its best rank.
CREATE OR REPLACE VIEW gold.leaderboard_history AS
WITH best AS (
  SELECT wallet_address, category, period, order_by, snapshot_ts, min(rank) AS best_rank
  FROM main.LeaderboardFact GROUP BY ALL),
previous AS (
  SELECT *, lag(best_rank) OVER (PARTITION BY wallet_address, category, period, order_by
                                 ORDER BY snapshot_ts) AS previous_rank
  FROM best)
SELECT f.wallet_address, f.trader_id, t.name, f.category, f.period, f.order_by, f.snapshot_ts,
       f.rank, f.vol, f.pnl,
       p.previous_rank - f.rank AS rank_change
FROM main.LeaderboardFact f
JOIN previous p USING (wallet_address, category, period, order_by, snapshot_ts)
LEFT JOIN main.TraderDim t ON t.trader_id = f.trader_id;
