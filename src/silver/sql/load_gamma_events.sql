-- EventDim from the new gamma_events files: the newest snapshot of each event id wins; a new
-- event gets the next surrogate id. Markets name their event (MarketDim.gamma_event_id) and are
-- linked to it by link_keys.sql.
-- Input: view new_gamma_events.

CREATE OR REPLACE TEMP TABLE batch_events AS
SELECT coalesce(d.event_id,
                (SELECT coalesce(max(event_id), 0) FROM EventDim)
                  + row_number() OVER (PARTITION BY d.event_id IS NULL ORDER BY n.id))
         AS event_id,
       n.id AS gamma_event_id, n.ticker, n.slug, n.title, n.description, n.category,
       n.start_date::TIMESTAMP AS start_date, n.end_date::TIMESTAMP AS end_date,
       n.closed_time::TIMESTAMP AS closed_time, n.active, n.closed, n.archived, n.neg_risk,
       n.neg_risk_market_id, n.volume, n.liquidity, n.open_interest,
       len(n.market_condition_ids)::INTEGER AS market_count, n.tags,
       n._fetched_at::TIMESTAMP AS snapshot_at
FROM (SELECT * FROM new_gamma_events WHERE id IS NOT NULL
      QUALIFY row_number() OVER (PARTITION BY id ORDER BY _fetched_at DESC, _run_id DESC) = 1) n
LEFT JOIN EventDim d ON d.gamma_event_id = n.id;

MERGE INTO EventDim d USING batch_events b ON d.gamma_event_id = b.gamma_event_id
WHEN MATCHED AND b.snapshot_at >= d.snapshot_at THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;

-- Markets whose event row changed are re-merged (their event tags feed MarketCategoryBridge).
INSERT INTO affected_markets
SELECT DISTINCT unnest(market_condition_ids) FROM new_gamma_events;
