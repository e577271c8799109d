-- The newest Gamma row of each market (from the new `gamma_markets` files) into
-- loader.gamma_markets. A market swept twice in one snapshot (it closed between the open and
-- the closed sweep) keeps its later row. Input: view new_gamma_markets.

CREATE OR REPLACE TEMP TABLE batch_gamma_markets AS
SELECT id AS gamma_market_id, condition_id, question_id, question, description, slug,
       start_date::TIMESTAMP AS start_date, end_date::TIMESTAMP AS end_date,
       created_at::TIMESTAMP AS created_at, closed_time::TIMESTAMP AS closed_time,
       coalesce(volume_num, volume) AS volume, coalesce(liquidity_num, liquidity) AS liquidity,
       active, closed, archived, accepting_orders, enable_order_book, neg_risk,
       neg_risk_market_id, category, group_item_title, outcomes, outcome_prices, clob_token_ids,
       uma_resolution_status, resolution_source, resolved_by,
       json_extract_string(events, '$[0].id') AS gamma_event_id,
       _fetched_at::TIMESTAMP AS fetched_at
FROM new_gamma_markets
WHERE condition_id IS NOT NULL AND condition_id <> ''
QUALIFY row_number() OVER (PARTITION BY condition_id
                           ORDER BY _fetched_at DESC, _run_id DESC, closed DESC, id DESC) = 1;

MERGE INTO loader.gamma_markets d USING batch_gamma_markets b ON d.condition_id = b.condition_id
WHEN MATCHED AND b.fetched_at >= d.fetched_at THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;

INSERT INTO affected_markets SELECT condition_id FROM batch_gamma_markets;
