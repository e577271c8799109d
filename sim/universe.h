// Universe: the deterministic Polymarket that polysim serves.
//
// Everything derives from a seed. A compact record per market (about 150 bytes: numbers and flags)
// and the first market of each event are built once; every text (ids, questions, slugs, wallets)
// is derived from an index and the seed when a route writes it, and trades and price points are
// computed on demand from (market, index) and (token, time). So a universe of 100M trades costs
// no more memory than one of 10k, and one of the real catalogue's 1.5M markets a few hundred MB.
// The universe has a clock (`now`): open markets gain trades and price points as it advances,
// and markets whose end passes `now` become closed and resolved.
//
// Thread-safety: const methods may be called concurrently; AdvanceClock() is atomic.

#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace polysim {

struct UniverseOptions {
  uint64_t seed = 1;
  int markets = 200;
  int tags = 40;
  // Wallets in the universe; 0 picks max(20, markets / 3).
  int wallets = 0;
  // Mean trade count of an ordinary market (heavy-tailed around it).
  double mean_trades = 40;
  // Markets holding exactly `heavy_trades` trades each (all resolved).
  int heavy_markets = 1;
  int64_t heavy_trades = 100'000;
  // How far back market lives start: further than the trade feed's window, so that some markets
  // began trading before it (polymarket-api.md 3.1).
  int history_days = 4 * 365;
  // The `condition`, `event_id` and `user` shapes of /v2/trades serve fills of the last
  // `feed_window_days` only (three years in the real service).
  int feed_window_days = 1095;
  // Late fills (polymarket-api.md 3.1, "Freshness"): a share `late_fills` of the fills stamped
  // after the initial clock is indexed 60 s to `late_fill_max_delay` s after its timestamp, so
  // it appears behind fills already served. Off by default.
  double late_fills = 0;
  int64_t late_fill_max_delay = 1800;
  // Start of the clock, unix seconds (default 2026-10-01T00:00:00Z).
  int64_t now = 1'790'812'800;
  // Hostile data (see hostile.h): the share of trades, board rows and CLOB markets served with a
  // hostile kind, and whether some leaderboard pages are served broken. Off by default.
  double hostile_rate = 0;
  bool hostile_pages = false;
  // Leaderboards as the real API serves them (polymarket-api.md 3.3): the share of board positions
  // whose value equals the one above (a tie: both show the same rank, the next one skips), and the
  // share of boards over 100 rows that shift by one between the first two pages of a sweep.
  double board_tie_rate = 1.0 / 12;
  double board_shift_rate = 0.1;
};

// One trade as the Data API reports it.
struct Trade {
  int market = 0;
  int64_t index = 0;  // position in the market's tape, oldest first
  int wallet = 0;
  bool buy = true;
  int outcome_index = 0;
  double size = 0;
  double price = 0;
  int64_t timestamp = 0;
  std::string transaction_hash;
};

// The tags of a market or event: one to three indices into Universe::tags().
struct TagList {
  std::array<int, 3> items{};
  int size = 0;
  const int* begin() const { return items.data(); }
  const int* end() const { return items.data() + size; }
};

// What the universe keeps of each market: numbers and flags only, no text, so that a universe of
// the real catalogue's size (1.5M markets) fits in a few hundred MB. Trades, prices and every
// route's arithmetic work from this record alone.
struct MarketRecord {
  int index = 0;
  int event = 0;
  int64_t created = 0;         // Gamma createdAt
  int64_t start = 0;           // first trade, Gamma startDate
  int64_t end = 0;             // resolution time (closed once the clock passes it)
  int64_t gamma_id = 0;        // Gamma's numeric market id
  int64_t planned_trades = 0;  // trades spread over [start, end)
  double volume = 0;           // declared lifetime volume (Gamma volumeNum)
  double liquidity = 0;
  // Price-curve shape.
  double level = 0, amp1 = 0, amp2 = 0, phase1 = 0, phase2 = 0, period1 = 1, period2 = 1;
  TagList tags;
  int winner = 0;        // outcome index that wins once closed
  bool in_clob = true;   // listed by CLOB /markets
  bool in_gamma = true;  // listed by Gamma
  bool order_book = true;
  bool neg_risk = false;
};

// A market with its text (ids, question, slug, description, outcomes), built from its record
// and the seed when asked for (Universe::market).
struct Market : MarketRecord {
  std::string condition_id;
  std::string question_id;
  std::string question;
  std::string slug;
  std::string description;
  std::string neg_risk_market_id;
  std::string group_item_title;
  std::array<std::string, 2> outcomes;
  std::array<std::string, 2> token_ids;
};

// An event: a run of consecutive markets (several for a neg-risk group, one otherwise).
struct EventRecord {
  int index = 0;
  int64_t id = 0;
  int first_market = 0;
  int market_count = 1;
  bool neg_risk = false;
  int end_market() const { return first_market + market_count; }
};

// An event with its text, built when asked for (Universe::event).
struct Event : EventRecord {
  std::string slug, ticker, title, description;
  std::string neg_risk_market_id;
  TagList tags;
};

struct Tag {
  int64_t id = 0;
  std::string label, slug;
  int64_t created = 0, updated = 0;
  bool force_show = false;
};

// A wallet, built from its index and the seed when asked for (Universe::wallet).
struct Wallet {
  std::string address;
  std::string name, pseudonym, x_username, profile_image;
  bool has_x = false, has_badge = false, has_image = false;
};

class Universe;

// A read-only list whose items the Universe builds when they are read (markets, events,
// wallets), so that iterating or indexing it looks like a vector without one being kept.
template <typename T>
class BuiltList {
 public:
  using Build = T (Universe::*)(int) const;

  class Iterator {
   public:
    Iterator(const BuiltList* list, int i) : list_(list), i_(i) {}
    T operator*() const { return (*list_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return i_ == other.i_; }

   private:
    const BuiltList* list_;
    int i_;
  };

  BuiltList(const Universe* universe, int size, Build build)
      : universe_(universe), size_(size), build_(build) {}
  size_t size() const { return static_cast<size_t>(size_); }
  T operator[](int i) const { return (universe_->*build_)(i); }
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size_); }

 private:
  const Universe* universe_;
  int size_;
  Build build_;
};

// Leaderboard dimensions as the Data API spells them.
extern const std::array<const char*, 11> kBoardCategories;
extern const std::array<const char*, 4> kBoardPeriods;
extern const std::array<const char*, 2> kBoardOrders;
constexpr int kBoardMaxRows = 1050;  // offset 1000 + one page of 50
constexpr int kBoardPageRows = 50;   // rows per page of a sweep
// The one page a shifted board serves moved by a row (see Universe::BoardShifted).
constexpr int kBoardShiftOffset = 50;

struct BoardRow {
  int rank0 = 0;  // the board position shown (0 = best)
  int rank = 0;   // the rank served: tied positions share one
  int wallet = 0;
  double vol = 0, pnl = 0;
};

// Fetch settings that decide how many price points a complete fetch yields.
struct PriceSettings {
  int fidelity = 60;              // minutes, ordinary markets
  int high_volume_fidelity = 10;  // minutes, markets at or above the threshold
  double high_volume_threshold = 1e6;
  std::vector<int> ladder = {60, 720, 1440};  // tried in order when a window is empty
};

class Universe {
 public:
  explicit Universe(const UniverseOptions& options);
  Universe(const Universe&) = delete;
  Universe& operator=(const Universe&) = delete;

  const UniverseOptions& options() const { return options_; }
  uint64_t seed() const { return options_.seed; }
  int64_t now() const { return now_.load(std::memory_order_relaxed); }
  void AdvanceClock(int64_t seconds) { now_.fetch_add(seconds, std::memory_order_relaxed); }

  // Markets, events and wallets: records by reference (cheap), or with their text built on
  // demand (a few microseconds each; routes build only what they write).
  int market_count() const { return static_cast<int>(markets_.size()); }
  const MarketRecord& market_record(int i) const { return markets_[static_cast<size_t>(i)]; }
  Market market(int i) const;
  BuiltList<Market> markets() const { return {this, market_count(), &Universe::market}; }
  int event_count() const { return static_cast<int>(event_first_.size()) - 1; }
  EventRecord event_record(int i) const;
  Event event(int i) const;
  BuiltList<Event> events() const { return {this, event_count(), &Universe::event}; }
  int wallet_count() const { return options_.wallets; }
  Wallet wallet(int i) const;
  BuiltList<Wallet> wallets() const { return {this, wallet_count(), &Universe::wallet}; }
  const std::vector<Tag>& tags() const { return tags_; }

  // Texts of one market or wallet, without building the rest.
  std::string ConditionId(int market) const;
  std::string TokenId(int market, int outcome) const;
  std::string WalletAddress(int wallet) const;

  // Markets the CLOB lists, in market order: the `k`-th one's index, k < clob_market_count().
  int clob_market_count() const { return static_cast<int>(clob_markets_.size()); }
  int clob_market(int k) const { return clob_markets_[static_cast<size_t>(k)]; }

  // Lookups by the ids the APIs use. Ids are derived from the index by an invertible hash, so
  // these invert it and compare the text: no index is kept. -1 (or (-1, -1)) when unknown.
  int FindMarket(std::string_view condition_id) const;
  // (market, outcome index) of this token id.
  std::pair<int, int> FindToken(std::string_view token_id) const;
  int FindWallet(std::string_view address) const;
  int FindEvent(int64_t id) const;

  bool Closed(const MarketRecord& m) const { return m.end <= now(); }
  // A market's tape is sorted by timestamp (TradeTimestamp never decreases along it). Its first
  // StampedTrades() fills are stamped at or before `now`; of those, the late fills still being
  // indexed are pending, all others are visible.
  int64_t StampedTrades(const MarketRecord& m) const;
  // Trades visible at the current clock: stamped at or before `now` and not pending.
  int64_t VisibleTrades(const MarketRecord& m) const;
  int64_t TradeTimestamp(const MarketRecord& m, int64_t index) const;
  Trade MakeTrade(const MarketRecord& m, int64_t index) const;
  // Number of visible trades of `m` whose (timestamp, market, index) sorts before the given
  // position in newest-first order, i.e. the count of visible trades strictly older than it.
  int64_t TradesBefore(const MarketRecord& m, int64_t ts, int market, int64_t index) const;
  // The tape index where the trades strictly older than the given position end (pending ones
  // included): the position a newest-first walk resumes from.
  int64_t PositionBefore(const MarketRecord& m, int64_t ts, int market, int64_t index) const;
  // Index of the first trade stamped at or after `t` (planned_trades when there is none).
  int64_t FirstTradeSince(const MarketRecord& m, int64_t t) const;
  // Oldest timestamp the trade feed serves: now - feed_window_days.
  int64_t FeedWindowStart() const;
  // True for a late fill not yet indexed at the current clock.
  bool Pending(const MarketRecord& m, int64_t index) const;
  // Pending trades among tape indices [from, to), to <= StampedTrades(m). Only fills within
  // late_fill_max_delay of `now` can be pending, so this scans that tail only.
  int64_t PendingIn(const MarketRecord& m, int64_t from, int64_t to) const;
  // True for a dust fill: under 0.01 shares, hidden by the trade feed's default filter.
  bool IsDust(const MarketRecord& m, int64_t index) const;
  // Visible dust fills among tape indices [from, to), to <= StampedTrades(m).
  int64_t DustIn(const MarketRecord& m, int64_t from, int64_t to) const;

  // Midpoint of outcome 0 at time t (t within the market's life).
  double Midpoint(const MarketRecord& m, int64_t t) const;
  // Current price of a token as CLOB lists it: 1/0 once resolved.
  double TokenPrice(const MarketRecord& m, int outcome) const;
  // Price points of one token at `fidelity` minutes in [from, to] (inclusive). Empty for markets
  // without an order book, and at fidelities under 720 once the market is resolved.
  std::vector<std::pair<int64_t, double>> PricePoints(const MarketRecord& m, int outcome,
                                                      int64_t from, int64_t to, int fidelity) const;
  // Fidelity a complete fetch with `settings` ends up with for this token, or 0 for no series.
  int TruthFidelity(const MarketRecord& m, const PriceSettings& settings) const;
  int64_t PricePointCount(const MarketRecord& m, int64_t from, int64_t to, int fidelity) const;

  // Leaderboard: rows of one board, best first (at most kBoardMaxRows). A position tied with the
  // one above (same pnl on a PNL board, same vol on a VOL board) shows the rank of the first
  // position of its run of ties, so the rank after a run skips ("3", "3", "5").
  int BoardSize(int category, int period) const;
  BoardRow BoardEntry(int category, int period, int order, int rank0) const;
  // True for a board that moves by one between the pages at offsets 0 and 50 of a sweep (someone
  // entered above): that second page serves positions 49..98 one rank further down (51..100),
  // so position 49's wallet is served twice and position 99's never. Only boards over 100 rows
  // shift.
  bool BoardShifted(int category, int period, int order) const;
  // Row `row` (0-based) of a sweep of the board in pages of kBoardPageRows, shift included.
  BoardRow SweptBoardRow(int category, int period, int order, int row) const;

 private:
  void BuildTags();
  void BuildMarkets();
  // Seconds after its timestamp at which trade `index` (stamped `ts`) is indexed; 0 for a fill
  // that is not late.
  int64_t LateDelay(const MarketRecord& m, int64_t index, int64_t ts) const;
  // Pending trades among [from, to); only dust ones when `dust_only`.
  int64_t CountPending(const MarketRecord& m, int64_t from, int64_t to, bool dust_only) const;

  UniverseOptions options_;
  std::atomic<int64_t> now_;
  std::vector<MarketRecord> markets_;
  // First market of each event, plus one past the last market: event i holds markets
  // [event_first_[i], event_first_[i + 1]).
  std::vector<int> event_first_;
  std::vector<int> clob_markets_;
  std::vector<Tag> tags_;
};

// Deterministic hashing used throughout the simulator.
uint64_t Mix(uint64_t x);
uint64_t Hash(uint64_t a, uint64_t b, uint64_t c = 0, uint64_t d = 0);
// The x with Mix(x) == h (Mix is a bijection).
uint64_t Unmix(uint64_t h);
// Uniform in [0, 1).
double Unit(uint64_t h);

// Timestamp texts in the formats the real APIs use.
std::string IsoSeconds(int64_t t);             // 2026-09-28T17:46:27Z
std::string IsoMillis(int64_t t, int millis);  // 2025-07-11T18:35:56.805Z
std::string IsoMicros(int64_t t, int micros);  // 2026-06-14T11:04:26.005876Z
std::string IsoDate(int64_t t);                // 2028-11-07
std::string PgTimestamp(int64_t t);            // 2026-09-28 17:46:27+00

}  // namespace polysim
