// The Universe's compact form: texts built on demand agree with the lookups that invert them, the
// same seed builds the same universe, and unknown or altered ids are not found.

#include "sim/universe.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace polysim {
namespace {

UniverseOptions Options(uint64_t seed, int markets) {
  UniverseOptions o;
  o.seed = seed;
  o.markets = markets;
  o.mean_trades = 5;
  o.heavy_trades = 2'000;
  return o;
}

TEST(UniverseLookup, EveryIdFindsItsOwner) {
  const Universe u(Options(5, 3'000));
  for (int i = 0; i < u.market_count(); ++i) {
    const Market m = u.market(i);
    ASSERT_EQ(u.FindMarket(m.condition_id), i);
    ASSERT_EQ(u.FindToken(m.token_ids[0]), std::make_pair(i, 0));
    ASSERT_EQ(u.FindToken(m.token_ids[1]), std::make_pair(i, 1));
  }
  for (int i = 0; i < u.wallet_count(); ++i) ASSERT_EQ(u.FindWallet(u.wallet(i).address), i);
  for (int i = 0; i < u.event_count(); ++i) ASSERT_EQ(u.FindEvent(u.event_record(i).id), i);
}

TEST(UniverseLookup, AlteredOrForeignIdsAreUnknown) {
  const Universe u(Options(5, 500));
  const Universe other(Options(6, 500));
  const Market m = u.market(17);
  std::string cid = m.condition_id;
  cid.back() = cid.back() == '0' ? '1' : '0';
  EXPECT_EQ(u.FindMarket(cid), -1);
  EXPECT_EQ(u.FindMarket(m.condition_id.substr(0, 65)), -1);
  std::string upper = m.condition_id;
  for (size_t i = 2; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  if (upper != m.condition_id) {
    EXPECT_EQ(u.FindMarket(upper), -1);
  }
  EXPECT_EQ(u.FindMarket(other.market(17).condition_id), -1);
  EXPECT_EQ(u.FindMarket(""), -1);

  std::string token = m.token_ids[1];
  token.back() = token.back() == '9' ? '8' : '9';
  EXPECT_EQ(u.FindToken(token), std::make_pair(-1, -1));
  EXPECT_EQ(u.FindToken(m.token_ids[1] + "0"), std::make_pair(-1, -1));
  EXPECT_EQ(u.FindToken(other.market(17).token_ids[0]), std::make_pair(-1, -1));
  EXPECT_EQ(u.FindToken("12345"), std::make_pair(-1, -1));

  // A market past the end of a smaller universe of the same seed is not in it.
  const Universe bigger(Options(5, 2'000));
  EXPECT_EQ(u.FindMarket(bigger.market(1'500).condition_id), -1);
  EXPECT_EQ(u.FindToken(bigger.market(1'500).token_ids[0]), std::make_pair(-1, -1));
  EXPECT_EQ(u.FindWallet(bigger.wallet(600).address), -1);
  EXPECT_EQ(u.FindEvent(0), -1);
  EXPECT_EQ(u.FindEvent(u.event_record(u.event_count() - 1).id + 7), -1);
}

TEST(UniverseLookup, TheSameSeedBuildsTheSameUniverse) {
  const Universe a(Options(9, 2'000));
  const Universe b(Options(9, 2'000));
  ASSERT_EQ(a.event_count(), b.event_count());
  for (int i = 0; i < a.market_count(); i += 7) {
    const Market x = a.market(i), y = b.market(i);
    EXPECT_EQ(x.condition_id, y.condition_id);
    EXPECT_EQ(x.question, y.question);
    EXPECT_EQ(x.description, y.description);
    EXPECT_EQ(x.token_ids, y.token_ids);
    EXPECT_EQ(x.planned_trades, y.planned_trades);
    EXPECT_EQ(a.MakeTrade(x, 0).transaction_hash, b.MakeTrade(y, 0).transaction_hash);
  }
  EXPECT_EQ(a.event(3).slug, b.event(3).slug);
  EXPECT_EQ(a.wallet(11).name, b.wallet(11).name);
}

TEST(UniverseLookup, EventsAreRunsOfMarketsThatShareTheirEvent) {
  const Universe u(Options(3, 4'000));
  int next = 0, groups = 0;
  for (int e = 0; e < u.event_count(); ++e) {
    const EventRecord rec = u.event_record(e);
    ASSERT_EQ(rec.first_market, next);
    for (int mi = rec.first_market; mi < rec.end_market(); ++mi) {
      ASSERT_EQ(u.market_record(mi).event, e);
      ASSERT_EQ(u.market_record(mi).neg_risk, rec.neg_risk);
    }
    groups += rec.neg_risk;
    next = rec.end_market();
  }
  EXPECT_EQ(next, u.market_count());
  EXPECT_GT(groups, 0);
  // The CLOB list is the listed markets in order.
  int listed = 0;
  for (int mi = 0; mi < u.market_count(); ++mi) {
    if (u.market_record(mi).in_clob) {
      ASSERT_EQ(u.clob_market(listed++), mi);
    }
  }
  EXPECT_EQ(listed, u.clob_market_count());
}

}  // namespace
}  // namespace polysim
