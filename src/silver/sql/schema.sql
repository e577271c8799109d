-- The Silver star schema and the loader's bookkeeping. Run at the start of every load; every
-- statement is idempotent. Dimensions carry a BIGINT surrogate key (…_id) beside their natural
-- key; facts keep the natural key columns too, so that a fact whose dimension row is missing
-- (an orphan) is kept with NULL surrogates and linked once the dimension arrives.

CREATE SCHEMA IF NOT EXISTS loader;
CREATE SCHEMA IF NOT EXISTS gold;

-- One row per load-silver run that changed something.
CREATE TABLE IF NOT EXISTS loader.loads (
  load_id BIGINT, started_at TIMESTAMP, finished_at TIMESTAMP, bronze_dir VARCHAR,
  files BIGINT, bronze_rows BIGINT);
-- Every Bronze commit record loaded (a Silver database follows one Bronze directory).
CREATE TABLE IF NOT EXISTS loader.commits (
  dataset VARCHAR, seq BIGINT, run_id VARCHAR, files BIGINT, rows BIGINT, load_id BIGINT);
-- Every Bronze file loaded, with the commit record that named it (path relative to bronze_dir).
CREATE TABLE IF NOT EXISTS loader.files (
  dataset VARCHAR, seq BIGINT, path VARCHAR, rows BIGINT, load_id BIGINT);
-- The trade feed state the fetcher committed per market (for `check`'s gap rule).
CREATE TABLE IF NOT EXISTS loader.trade_streams (
  condition_id VARCHAR, done BOOLEAN, watermark BIGINT, oldest BIGINT, run_id VARCHAR,
  load_id BIGINT);
-- out_of_window: the market began trading before the trade feed's reach (its older fills are
-- not in Bronze). Added after the first release: files created before get it here.
ALTER TABLE loader.trade_streams ADD COLUMN IF NOT EXISTS out_of_window BOOLEAN;
-- The latest row each source published per market / token: MarketDim and MarketTokenDim are
-- merged from these.
CREATE TABLE IF NOT EXISTS loader.clob_markets (
  condition_id VARCHAR, question_id VARCHAR, question VARCHAR, description VARCHAR,
  slug VARCHAR, end_date TIMESTAMP, game_start_time TIMESTAMP, active BOOLEAN, closed BOOLEAN,
  archived BOOLEAN, accepting_orders BOOLEAN, enable_order_book BOOLEAN, neg_risk BOOLEAN,
  neg_risk_market_id VARCHAR, minimum_order_size DOUBLE, minimum_tick_size DOUBLE,
  tags VARCHAR[], fetched_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS loader.clob_tokens (
  token_hash VARCHAR, condition_id VARCHAR, outcome VARCHAR, outcome_index INTEGER,
  price DOUBLE, winner BOOLEAN, fetched_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS loader.gamma_markets (
  gamma_market_id VARCHAR, condition_id VARCHAR, question_id VARCHAR, question VARCHAR,
  description VARCHAR, slug VARCHAR, start_date TIMESTAMP, end_date TIMESTAMP,
  created_at TIMESTAMP, closed_time TIMESTAMP, volume DOUBLE, liquidity DOUBLE, active BOOLEAN,
  closed BOOLEAN, archived BOOLEAN, accepting_orders BOOLEAN, enable_order_book BOOLEAN,
  neg_risk BOOLEAN, neg_risk_market_id VARCHAR, category VARCHAR, group_item_title VARCHAR,
  outcomes VARCHAR[], outcome_prices VARCHAR[], clob_token_ids VARCHAR[],
  uma_resolution_status VARCHAR, resolution_source VARCHAR, resolved_by VARCHAR,
  gamma_event_id VARCHAR, fetched_at TIMESTAMP);

CREATE TABLE IF NOT EXISTS CategoryDim (
  category_id BIGINT, gamma_tag_id VARCHAR, label VARCHAR, slug VARCHAR, force_show BOOLEAN,
  force_hide BOOLEAN, is_carousel BOOLEAN, parent_category VARCHAR, created_at TIMESTAMP,
  updated_at TIMESTAMP, snapshot_at TIMESTAMP);

CREATE TABLE IF NOT EXISTS EventDim (
  event_id BIGINT, gamma_event_id VARCHAR, ticker VARCHAR, slug VARCHAR, title VARCHAR,
  description VARCHAR, category VARCHAR, start_date TIMESTAMP, end_date TIMESTAMP,
  closed_time TIMESTAMP, active BOOLEAN, closed BOOLEAN, archived BOOLEAN, neg_risk BOOLEAN,
  neg_risk_market_id VARCHAR, volume DOUBLE, liquidity DOUBLE, open_interest DOUBLE,
  market_count INTEGER, tags VARCHAR, snapshot_at TIMESTAMP);

CREATE TABLE IF NOT EXISTS MarketDim (
  market_id BIGINT, condition_id VARCHAR, question_id VARCHAR, question VARCHAR,
  description VARCHAR, slug VARCHAR, gamma_market_id VARCHAR, event_id BIGINT,
  gamma_event_id VARCHAR, category VARCHAR, tags VARCHAR[], group_item_title VARCHAR,
  start_date TIMESTAMP, end_date TIMESTAMP, closed_time TIMESTAMP, volume DOUBLE,
  liquidity DOUBLE, active BOOLEAN, closed BOOLEAN, archived BOOLEAN, accepting_orders BOOLEAN,
  enable_order_book BOOLEAN, neg_risk BOOLEAN, neg_risk_market_id VARCHAR, resolved BOOLEAN,
  winning_outcome VARCHAR, winning_token_hash VARCHAR, uma_resolution_status VARCHAR,
  resolution_source VARCHAR, resolved_by VARCHAR, in_clob BOOLEAN, in_gamma BOOLEAN,
  snapshot_at TIMESTAMP);

-- Type-2 history of MarketDim's tracked attributes: one row per version of a market.
CREATE TABLE IF NOT EXISTS MarketDimHistory (
  market_id BIGINT, condition_id VARCHAR, version INTEGER, valid_from TIMESTAMP,
  valid_to TIMESTAMP, is_current BOOLEAN, question VARCHAR, slug VARCHAR, category VARCHAR,
  gamma_event_id VARCHAR, end_date TIMESTAMP, closed_time TIMESTAMP, active BOOLEAN,
  closed BOOLEAN, archived BOOLEAN, accepting_orders BOOLEAN, neg_risk BOOLEAN,
  resolved BOOLEAN, winning_outcome VARCHAR);

CREATE TABLE IF NOT EXISTS MarketTokenDim (
  token_id BIGINT, token_hash VARCHAR, market_id BIGINT, condition_id VARCHAR, outcome VARCHAR,
  outcome_index INTEGER, winner BOOLEAN, last_price DOUBLE, snapshot_at TIMESTAMP);

CREATE TABLE IF NOT EXISTS MarketCategoryBridge (
  market_id BIGINT, category_id BIGINT, label VARCHAR, source VARCHAR);

CREATE TABLE IF NOT EXISTS TraderDim (
  trader_id BIGINT, wallet_address VARCHAR, name VARCHAR, pseudonym VARCHAR,
  x_username VARCHAR, verified_badge BOOLEAN, profile_image VARCHAR, first_trade_at TIMESTAMP,
  last_trade_at TIMESTAMP, profile_seen_at TIMESTAMP, board_seen_at TIMESTAMP);

-- One row per fill. Natural key: (transaction_hash, condition_id, token_hash, wallet_address,
-- side, price, size, timestamp, outcome_index, fill_seq) — fill_seq keeps identical fills apart.
CREATE TABLE IF NOT EXISTS TradeFact (
  trade_id BIGINT, market_id BIGINT, token_id BIGINT, trader_id BIGINT,
  "timestamp" TIMESTAMP, side VARCHAR, price DOUBLE, size DOUBLE, notional DOUBLE,
  outcome_index INTEGER, transaction_hash VARCHAR, condition_id VARCHAR, token_hash VARCHAR,
  wallet_address VARCHAR, fill_seq INTEGER, load_id BIGINT);

-- Natural key: (token_hash, timestamp).
CREATE TABLE IF NOT EXISTS PriceHistoryFact (
  token_id BIGINT, market_id BIGINT, token_hash VARCHAR, "timestamp" TIMESTAMP, price DOUBLE,
  fidelity INTEGER, load_id BIGINT);

-- Natural key: (snapshot_ts, category, period, order_by, rank, wallet_address): tied traders
-- share a rank. A board that shifts between two pages of a sweep can list one wallet twice (at
-- two ranks); both rows are kept as served.
CREATE TABLE IF NOT EXISTS LeaderboardFact (
  snapshot_ts TIMESTAMP, category VARCHAR, period VARCHAR, order_by VARCHAR, rank INTEGER,
  trader_id BIGINT, wallet_address VARCHAR, user_name VARCHAR, vol DOUBLE, pnl DOUBLE,
  load_id BIGINT);
