-- TraderDim and LeaderboardFact from the new leaderboard files. A board row is a fact of one
-- snapshot (snapshot_ts × category × period × order_by × rank × wallet): tied traders share a
-- rank, so the wallet is part of the key; a row already loaded is skipped.
-- Input: view new_leaderboard, table load_ctx.

CREATE OR REPLACE TEMP TABLE batch_board_wallets AS
SELECT proxy_wallet AS wallet_address,
       arg_max(nullif(user_name, ''), snapshot_ts) FILTER (WHERE nullif(user_name, '') IS NOT NULL) AS name,
       arg_max(nullif(x_username, ''), snapshot_ts) FILTER (WHERE nullif(x_username, '') IS NOT NULL) AS x_username,
       arg_max(verified_badge, snapshot_ts) FILTER (WHERE verified_badge IS NOT NULL) AS verified_badge,
       arg_max(nullif(profile_image, ''), snapshot_ts) FILTER (WHERE nullif(profile_image, '') IS NOT NULL) AS profile_image,
       max(snapshot_ts)::TIMESTAMP AS seen_at
FROM new_leaderboard
WHERE proxy_wallet IS NOT NULL AND proxy_wallet <> ''
GROUP BY proxy_wallet;

MERGE INTO TraderDim d
USING (SELECT (SELECT coalesce(max(trader_id), 0) FROM TraderDim)
                + row_number() OVER (ORDER BY wallet_address) AS new_id, *
       FROM batch_board_wallets) b
ON d.wallet_address = b.wallet_address
WHEN MATCHED AND b.seen_at >= coalesce(d.board_seen_at, b.seen_at) THEN UPDATE SET
  name = CASE WHEN b.seen_at >= coalesce(d.profile_seen_at, b.seen_at) THEN coalesce(b.name, d.name) ELSE d.name END,
  profile_image = CASE WHEN b.seen_at >= coalesce(d.profile_seen_at, b.seen_at) THEN coalesce(b.profile_image, d.profile_image) ELSE d.profile_image END,
  profile_seen_at = greatest(d.profile_seen_at, b.seen_at),
  x_username = coalesce(b.x_username, d.x_username),
  verified_badge = coalesce(b.verified_badge, d.verified_badge),
  board_seen_at = b.seen_at
WHEN NOT MATCHED THEN INSERT
  (trader_id, wallet_address, name, x_username, verified_badge, profile_image, profile_seen_at,
   board_seen_at)
  VALUES (b.new_id, b.wallet_address, b.name, b.x_username, b.verified_badge, b.profile_image,
          b.seen_at, b.seen_at);

INSERT INTO LeaderboardFact BY NAME
SELECT n.snapshot_ts::TIMESTAMP AS snapshot_ts, n.category, n.time_period AS period, n.order_by,
       n.rank::INTEGER AS rank, w.trader_id, n.proxy_wallet AS wallet_address,
       nullif(n.user_name, '') AS user_name, n.vol, n.pnl, (SELECT load_id FROM load_ctx) AS load_id
FROM (SELECT * FROM new_leaderboard
      QUALIFY row_number() OVER (PARTITION BY snapshot_ts, category, time_period, order_by, rank,
                                              proxy_wallet
                                 ORDER BY _fetched_at DESC) = 1) n
LEFT JOIN TraderDim w ON w.wallet_address = n.proxy_wallet
WHERE NOT EXISTS (
  SELECT 1 FROM LeaderboardFact f
  WHERE f.snapshot_ts = n.snapshot_ts::TIMESTAMP AND f.category = n.category
    AND f.period = n.time_period AND f.order_by = n.order_by AND f.rank = n.rank
    AND f.wallet_address = n.proxy_wallet);
