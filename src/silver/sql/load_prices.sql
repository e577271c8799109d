-- PriceHistoryFact from the new prices files: one point per (token_hash, timestamp) with the
-- fidelity (minutes) that produced it; a point already loaded is skipped. A point whose token
-- is not in MarketTokenDim is kept with NULL surrogates (an orphan).
-- Input: view new_prices, table load_ctx.

INSERT INTO PriceHistoryFact BY NAME
SELECT k.token_id, k.market_id, n.token_hash, n."timestamp", n.price, n.fidelity,
       (SELECT load_id FROM load_ctx) AS load_id
FROM (SELECT DISTINCT ON (token_id, "timestamp")
             token_id AS token_hash, make_timestamp("timestamp" * 1000000) AS "timestamp", price,
             fidelity::INTEGER AS fidelity
      FROM new_prices
      ORDER BY token_id, "timestamp", fidelity) n
LEFT JOIN MarketTokenDim k ON k.token_hash = n.token_hash
WHERE NOT EXISTS (
  SELECT 1 FROM PriceHistoryFact f
  WHERE f."timestamp" BETWEEN (SELECT min(make_timestamp("timestamp" * 1000000)) FROM new_prices)
                          AND (SELECT max(make_timestamp("timestamp" * 1000000)) FROM new_prices)
    AND f."timestamp" = n."timestamp" AND f.token_hash IS NOT DISTINCT FROM n.token_hash);
