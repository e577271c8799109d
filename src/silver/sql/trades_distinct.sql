-- Whether the new trades files hold each fill once (true) or repeat some (false). Equal natural
-- keys have equal hashes, so as many distinct hashes as rows proves there is no repeat; a hash
-- collision only sends the load down the slower, deduplicating path.
-- Input: view new_trades.
SELECT (count(*) = count(DISTINCT hash(transaction_hash, condition_id, token_id, proxy_wallet,
                                      side, price, size, "timestamp", outcome_index, fill_seq)))::INTEGER
FROM new_trades
