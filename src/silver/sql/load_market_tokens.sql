-- The newest CLOB row of each outcome token (from the new `market_tokens` files) into
-- loader.clob_tokens. Input: view new_market_tokens.

CREATE OR REPLACE TEMP TABLE batch_clob_tokens AS
SELECT token_id AS token_hash, condition_id, outcome, outcome_index::INTEGER AS outcome_index,
       price, winner, _fetched_at::TIMESTAMP AS fetched_at
FROM new_market_tokens
WHERE token_id IS NOT NULL AND token_id <> ''
QUALIFY row_number() OVER (PARTITION BY token_id ORDER BY _fetched_at DESC, _run_id DESC) = 1;

MERGE INTO loader.clob_tokens d USING batch_clob_tokens b ON d.token_hash = b.token_hash
WHEN MATCHED AND b.fetched_at >= d.fetched_at THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;

INSERT INTO affected_markets SELECT DISTINCT condition_id FROM batch_clob_tokens;
