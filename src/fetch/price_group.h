// PriceGroup: up to 20 tokens whose price histories are fetched together through
// POST /batch-prices-history, window by window.
//
// Time is cut into windows aligned to multiples of the window length (15 days by default, the
// API's maximum), so tokens of markets alive at the same time share requests. Within a window the
// tokens are asked at their current fidelity; a token of a traded market whose window comes back
// empty walks up the fidelity ladder (resolved markets answer only coarse fidelities). The first
// fidelity that produces data is locked for the token's later windows; a window empty all the way
// up the ladder (say, a sliver of the market's life holding no coarse point) changes nothing. A
// token's progress is the last second its committed windows cover, plus its fidelity; for an open
// market, whose series is still growing, it is the time of its newest point instead, so the next
// run continues right after it.
//
// Thread-safety: none; one worker drives a group.

#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace polypipe::fetch {

class PriceGroup {
 public:
  struct Token {
    std::string token_id;
    int64_t from = 0;  // first second still to fetch
    int64_t to = 0;    // last second to fetch (inclusive)
    int fidelity = 60;
    bool traded = true;   // an empty window walks the ladder only for traded markets
    bool open = false;    // the series still grows: progress stops at the newest point
    bool locked = false;  // the fidelity has produced data: no more ladder walks
  };
  struct Request {
    int64_t start_ts = 0, end_ts = 0;  // inclusive, end - start < window length
    int fidelity = 0;
    std::vector<std::string> token_ids;
  };

  // REQUIRES: ladder increasing; window_seconds > 0; tokens.size() <= 20.
  PriceGroup(std::vector<Token> tokens, std::vector<int> ladder, int64_t window_seconds);

  // The next request to send, or nullopt when every token is covered to its `to`.
  // REQUIRES: the previous request was completed.
  std::optional<Request> Next();

  // Reports the newest point time of each token of the last request that returned points (in
  // range, see InRange). Returns the progress of the tokens that finished the current window:
  // token id -> {"to": covered second, "f": fidelity, "locked": bool}.
  nlohmann::json Complete(const std::map<std::string, int64_t>& newest_point);

  // Whether a point of `token_id` at time t belongs to the current window's answer (the API can
  // add points outside the asked range, e.g. a trailing "now" point).
  bool InRange(const std::string& token_id, int64_t t) const;

  int64_t requests() const { return requests_; }
  int size() const { return static_cast<int>(tokens_.size()); }

 private:
  struct State {
    Token token;
    bool pending = false;     // waiting for an answer in the current window
    int64_t committed = 0;    // progress: the last second known fetched
    int window_fidelity = 0;  // the fidelity the current window was first asked at
  };
  int64_t WindowStart(int64_t t) const { return t - Mod(t); }
  int64_t Mod(int64_t t) const { return ((t % window_) + window_) % window_; }
  void OpenNextWindow();

  std::vector<State> tokens_;
  std::vector<int> ladder_;
  int64_t window_;
  int64_t window_start_ = INT64_MIN;  // current window [start, start + window_ - 1]
  std::optional<Request> in_flight_;
  int64_t requests_ = 0;
};

}  // namespace polypipe::fetch
