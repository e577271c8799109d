-- The newest CLOB row of each market (from the new `markets` files) into loader.clob_markets.
-- Input: view new_markets. Output: affected_markets gains every condition id seen.

CREATE OR REPLACE TEMP TABLE batch_clob_markets AS
SELECT condition_id, question_id, question, description, market_slug AS slug,
       end_date_iso::TIMESTAMP AS end_date, game_start_time::TIMESTAMP AS game_start_time,
       active, closed, archived, accepting_orders, enable_order_book, neg_risk,
       neg_risk_market_id, minimum_order_size, minimum_tick_size, tags,
       _fetched_at::TIMESTAMP AS fetched_at
FROM new_markets
WHERE condition_id IS NOT NULL AND condition_id <> ''
QUALIFY row_number() OVER (PARTITION BY condition_id ORDER BY _fetched_at DESC, _run_id DESC) = 1;

MERGE INTO loader.clob_markets d USING batch_clob_markets b ON d.condition_id = b.condition_id
WHEN MATCHED AND b.fetched_at >= d.fetched_at THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;

INSERT INTO affected_markets SELECT condition_id FROM batch_clob_markets;
