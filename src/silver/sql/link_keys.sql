-- Links rows that arrived before their dimension row: markets to events, bridge rows to
-- categories, tokens to markets, orphan facts to tokens, markets and traders. Cheap when there
-- is nothing to link (each statement only touches rows whose surrogate is NULL or stale). Run
-- once every dimension of the load is written and before its trades and prices are inserted:
-- those are linked by their own joins, so only earlier loads' orphans are left to find here.

UPDATE MarketDim d SET event_id = e.event_id
FROM EventDim e
WHERE e.gamma_event_id = d.gamma_event_id AND d.event_id IS DISTINCT FROM e.event_id;

UPDATE MarketCategoryBridge b SET category_id = c.category_id
FROM (SELECT label, min(category_id) AS category_id FROM CategoryDim GROUP BY label) c
WHERE b.category_id IS NULL AND c.label = b.label;

UPDATE MarketTokenDim t SET market_id = m.market_id
FROM MarketDim m
WHERE t.market_id IS NULL AND m.condition_id = t.condition_id;

UPDATE TradeFact f SET token_id = k.token_id
FROM MarketTokenDim k
WHERE f.token_id IS NULL AND k.token_hash = f.token_hash;

UPDATE TradeFact f SET market_id = m.market_id
FROM MarketDim m
WHERE f.market_id IS NULL AND m.condition_id = f.condition_id;

UPDATE TradeFact f SET trader_id = w.trader_id
FROM TraderDim w
WHERE f.trader_id IS NULL AND w.wallet_address = f.wallet_address;

UPDATE PriceHistoryFact f SET token_id = k.token_id, market_id = k.market_id
FROM MarketTokenDim k
WHERE (f.token_id IS NULL OR f.market_id IS NULL) AND k.token_hash = f.token_hash
  AND k.market_id IS NOT NULL;

UPDATE LeaderboardFact f SET trader_id = w.trader_id
FROM TraderDim w
WHERE f.trader_id IS NULL AND w.wallet_address = f.wallet_address;
