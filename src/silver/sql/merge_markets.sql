-- MarketDim, MarketDimHistory, MarketTokenDim and MarketCategoryBridge for every market whose
-- source rows changed in this load (affected_markets), merged from the latest CLOB row
-- (loader.clob_markets, loader.clob_tokens) and the latest Gamma row (loader.gamma_markets) of
-- each condition id. A market listed by only one source still gets a row. Shared attributes come
-- from CLOB; status flags (active, closed, archived) from whichever source is fresher.

CREATE OR REPLACE TEMP TABLE batch_ids AS
SELECT DISTINCT condition_id FROM affected_markets WHERE condition_id IS NOT NULL;

CREATE OR REPLACE TEMP TABLE batch_markets AS
WITH c AS (SELECT * FROM loader.clob_markets WHERE condition_id IN (SELECT condition_id FROM batch_ids)),
g AS (SELECT * FROM loader.gamma_markets WHERE condition_id IN (SELECT condition_id FROM batch_ids)),
clob_winner AS (
  SELECT condition_id, arg_max(outcome, fetched_at) AS outcome,
         arg_max(token_hash, fetched_at) AS token_hash
  FROM loader.clob_tokens
  WHERE winner AND condition_id IN (SELECT condition_id FROM batch_ids)
  GROUP BY condition_id),
merged AS (
  SELECT coalesce(c.condition_id, g.condition_id) AS condition_id,
         coalesce(c.question_id, g.question_id) AS question_id,
         coalesce(c.question, g.question) AS question,
         coalesce(c.description, g.description) AS description,
         coalesce(c.slug, g.slug) AS slug,
         g.gamma_market_id,
         g.gamma_event_id,
         coalesce(nullif(g.category, ''), c.tags[1]) AS category,
         c.tags,
         nullif(g.group_item_title, '') AS group_item_title,
         g.start_date,
         coalesce(c.end_date, g.end_date) AS end_date,
         g.closed_time,
         g.volume,
         g.liquidity,
         (c.condition_id IS NULL OR g.fetched_at > c.fetched_at) AS gamma_fresher,
         c.active AS c_active, g.active AS g_active, c.closed AS c_closed, g.closed AS g_closed,
         c.archived AS c_archived, g.archived AS g_archived,
         coalesce(c.accepting_orders, g.accepting_orders) AS accepting_orders,
         coalesce(c.enable_order_book, g.enable_order_book) AS enable_order_book,
         coalesce(c.neg_risk, g.neg_risk) AS neg_risk,
         coalesce(nullif(c.neg_risk_market_id, ''), nullif(g.neg_risk_market_id, ''))
           AS neg_risk_market_id,
         w.outcome AS clob_winning_outcome, w.token_hash AS clob_winning_token,
         list_position(list_transform(g.outcome_prices, p -> TRY_CAST(p AS DOUBLE)), 1.0)
           AS gamma_winner_pos,
         g.outcomes AS g_outcomes, g.clob_token_ids AS g_token_ids,
         g.uma_resolution_status, nullif(g.resolution_source, '') AS resolution_source,
         g.resolved_by,
         c.condition_id IS NOT NULL AS in_clob,
         g.condition_id IS NOT NULL AS in_gamma,
         greatest(c.fetched_at, g.fetched_at) AS snapshot_at
  FROM c FULL OUTER JOIN g ON c.condition_id = g.condition_id
  LEFT JOIN clob_winner w ON w.condition_id = coalesce(c.condition_id, g.condition_id)),
resolved AS (
  SELECT *,
         CASE WHEN gamma_fresher THEN coalesce(g_active, c_active) ELSE coalesce(c_active, g_active) END AS active,
         CASE WHEN gamma_fresher THEN coalesce(g_closed, c_closed) ELSE coalesce(c_closed, g_closed) END AS closed,
         CASE WHEN gamma_fresher THEN coalesce(g_archived, c_archived) ELSE coalesce(c_archived, g_archived) END AS archived
  FROM merged)
SELECT coalesce(d.market_id,
                (SELECT coalesce(max(market_id), 0) FROM MarketDim)
                  + row_number() OVER (PARTITION BY d.market_id IS NULL ORDER BY r.condition_id))
         AS market_id,
       r.condition_id, r.question_id, r.question, r.description, r.slug, r.gamma_market_id,
       e.event_id, r.gamma_event_id, r.category, r.tags, r.group_item_title, r.start_date,
       r.end_date, r.closed_time, r.volume, r.liquidity, r.active, r.closed, r.archived,
       r.accepting_orders, r.enable_order_book, r.neg_risk, r.neg_risk_market_id,
       coalesce(r.closed AND (r.clob_winning_outcome IS NOT NULL OR r.gamma_winner_pos > 0), false)
         AS resolved,
       CASE WHEN r.closed THEN coalesce(r.clob_winning_outcome, r.g_outcomes[r.gamma_winner_pos]) END
         AS winning_outcome,
       CASE WHEN r.closed THEN coalesce(r.clob_winning_token, r.g_token_ids[r.gamma_winner_pos]) END
         AS winning_token_hash,
       r.uma_resolution_status, r.resolution_source, r.resolved_by, r.in_clob, r.in_gamma,
       r.snapshot_at
FROM resolved r
LEFT JOIN MarketDim d ON d.condition_id = r.condition_id
LEFT JOIN EventDim e ON e.gamma_event_id = r.gamma_event_id;

MERGE INTO MarketDim d USING batch_markets b ON d.condition_id = b.condition_id
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;

-- Type 2 history: a market whose tracked attributes differ from its current version (or that has
-- none) gets a new version valid from its snapshot time; the version it replaces is closed then.
CREATE OR REPLACE TEMP TABLE batch_versions AS
SELECT b.market_id, b.condition_id,
       coalesce(h.version, 0) + 1 AS version,
       greatest(b.snapshot_at, h.valid_from) AS valid_from,
       b.question, b.slug, b.category, b.gamma_event_id, b.end_date, b.closed_time, b.active,
       b.closed, b.archived, b.accepting_orders, b.neg_risk, b.resolved, b.winning_outcome
FROM batch_markets b
LEFT JOIN MarketDimHistory h ON h.market_id = b.market_id AND h.is_current
WHERE h.market_id IS NULL
   OR row(h.question, h.slug, h.category, h.gamma_event_id, h.end_date, h.closed_time, h.active,
          h.closed, h.archived, h.accepting_orders, h.neg_risk, h.resolved, h.winning_outcome)
      IS DISTINCT FROM
      row(b.question, b.slug, b.category, b.gamma_event_id, b.end_date, b.closed_time, b.active,
          b.closed, b.archived, b.accepting_orders, b.neg_risk, b.resolved, b.winning_outcome);

UPDATE MarketDimHistory h SET valid_to = v.valid_from, is_current = false
FROM batch_versions v
WHERE h.market_id = v.market_id AND h.is_current;

INSERT INTO MarketDimHistory BY NAME
SELECT market_id, condition_id, version, valid_from, NULL::TIMESTAMP AS valid_to,
       true AS is_current, question, slug, category, gamma_event_id, end_date, closed_time,
       active, closed, archived, accepting_orders, neg_risk, resolved, winning_outcome
FROM batch_versions;

-- Outcome tokens: CLOB's token rows, and Gamma's clobTokenIds for tokens CLOB does not list.
CREATE OR REPLACE TEMP TABLE batch_tokens AS
WITH clob AS (
  SELECT token_hash, condition_id, outcome, outcome_index, winner, price AS last_price, fetched_at
  FROM loader.clob_tokens WHERE condition_id IN (SELECT condition_id FROM batch_ids)),
gamma AS (
  SELECT token_hash, condition_id, outcome, outcome_index::INTEGER AS outcome_index,
         coalesce(closed AND TRY_CAST(price AS DOUBLE) = 1.0, false) AS winner,
         TRY_CAST(price AS DOUBLE) AS last_price, fetched_at
  FROM (SELECT condition_id, closed, fetched_at, unnest(clob_token_ids) AS token_hash,
               unnest(outcomes) AS outcome, unnest(outcome_prices) AS price,
               unnest(generate_series(0, len(clob_token_ids) - 1)) AS outcome_index
        FROM loader.gamma_markets WHERE condition_id IN (SELECT condition_id FROM batch_ids))
  WHERE token_hash IS NOT NULL AND token_hash <> ''),
merged AS (
  SELECT * FROM clob
  UNION ALL
  SELECT * FROM gamma WHERE token_hash NOT IN (SELECT token_hash FROM clob))
SELECT coalesce(d.token_id,
                (SELECT coalesce(max(token_id), 0) FROM MarketTokenDim)
                  + row_number() OVER (PARTITION BY d.token_id IS NULL ORDER BY t.token_hash))
         AS token_id,
       t.token_hash, m.market_id, t.condition_id, t.outcome, t.outcome_index, t.winner,
       t.last_price, t.fetched_at AS snapshot_at
FROM (SELECT * FROM merged
      QUALIFY row_number() OVER (PARTITION BY token_hash ORDER BY fetched_at DESC) = 1) t
LEFT JOIN MarketTokenDim d ON d.token_hash = t.token_hash
LEFT JOIN MarketDim m ON m.condition_id = t.condition_id;

MERGE INTO MarketTokenDim d USING batch_tokens b ON d.token_hash = b.token_hash
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;

-- Categories of each market: CLOB's tag labels and its Gamma event's tags, one row per label.
DELETE FROM MarketCategoryBridge WHERE market_id IN (SELECT market_id FROM batch_markets);

INSERT INTO MarketCategoryBridge BY NAME
WITH labels AS (
  SELECT b.market_id, unnest(b.tags) AS label, NULL::VARCHAR AS tag_id, 'clob' AS source
  FROM batch_markets b
  UNION ALL
  SELECT market_id, tag.label, tag.id, 'event'
  FROM (SELECT b.market_id,
               unnest(from_json(e.tags, '[{"id":"VARCHAR","label":"VARCHAR"}]')) AS tag
        FROM batch_markets b JOIN EventDim e ON e.gamma_event_id = b.gamma_event_id
        WHERE b.in_gamma))
SELECT l.market_id, min(coalesce(byid.category_id, bylabel.category_id)) AS category_id, l.label,
       CASE WHEN count(DISTINCT l.source) > 1 THEN 'both' ELSE min(l.source) END AS source
FROM labels l
LEFT JOIN CategoryDim byid ON byid.gamma_tag_id = l.tag_id
LEFT JOIN (SELECT label, min(category_id) AS category_id FROM CategoryDim GROUP BY label) bylabel
  ON bylabel.label = l.label
WHERE l.label IS NOT NULL AND l.label <> ''
GROUP BY l.market_id, l.label;
