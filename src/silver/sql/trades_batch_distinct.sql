-- batch_trades when no fill repeats in the batch (trades_distinct.sql): a view over the files.
-- Each fill's position (file in commit order, row in file) becomes its trade id, so ids are the
-- same whatever order DuckDB's threads scan the files in, and cost no sort.
-- Input: view new_trades, table load_ctx.
CREATE OR REPLACE TEMP VIEW batch_trades AS
SELECT transaction_hash, condition_id, token_id AS token_hash, proxy_wallet AS wallet_address,
       side, price, size, make_timestamp("timestamp" * 1000000) AS "timestamp",
       outcome_index::INTEGER AS outcome_index, fill_seq::INTEGER AS fill_seq,
       file_index * (SELECT file_slot FROM load_ctx) + file_row_number AS position
FROM new_trades;
