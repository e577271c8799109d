-- batch_trades when some fill repeats in the batch (e.g. files of a `fetch --fresh` beside the
-- first fetch's): one row per natural key, at the position of its first copy (file in commit
-- order, row in file), which becomes its trade id as in trades_batch_distinct.sql.
-- Input: view new_trades, table load_ctx.
CREATE OR REPLACE TEMP TABLE batch_trades AS
SELECT transaction_hash, condition_id, token_id AS token_hash, proxy_wallet AS wallet_address,
       side, price, size, make_timestamp("timestamp" * 1000000) AS "timestamp",
       outcome_index::INTEGER AS outcome_index, fill_seq::INTEGER AS fill_seq,
       min(file_index * (SELECT file_slot FROM load_ctx) + file_row_number) AS position
FROM new_trades
GROUP BY transaction_hash, condition_id, token_id, proxy_wallet, side, price, size, "timestamp",
         outcome_index, fill_seq;
