#include "fetch/price_group.h"

#include <algorithm>

namespace polypipe::fetch {

PriceGroup::PriceGroup(std::vector<Token> tokens, std::vector<int> ladder, int64_t window_seconds)
    : ladder_(std::move(ladder)), window_(window_seconds) {
  for (Token& t : tokens) {
    const int64_t committed = t.from - 1;
    if (t.from <= t.to) tokens_.push_back({std::move(t), false, committed});
  }
}

void PriceGroup::OpenNextWindow() {
  // The earliest window any unfinished token still needs.
  std::optional<int64_t> next;
  for (const State& s : tokens_) {
    if (s.token.from <= s.token.to) {
      next = std::min(next.value_or(INT64_MAX), WindowStart(s.token.from));
    }
  }
  if (!next) {
    window_start_ = INT64_MAX;
    return;
  }
  window_start_ = *next;
  const int64_t end = window_start_ + window_ - 1;
  for (State& s : tokens_) {
    s.pending = s.token.from <= s.token.to && s.token.from <= end;
    s.window_fidelity = s.token.fidelity;
  }
}

std::optional<PriceGroup::Request> PriceGroup::Next() {
  for (int round = 0; round < 2; ++round) {
    // The pending tokens of the lowest fidelity form the next request.
    std::optional<int> fidelity;
    for (const State& s : tokens_) {
      if (s.pending) fidelity = std::min(fidelity.value_or(INT32_MAX), s.token.fidelity);
    }
    if (fidelity) {
      const int64_t end = window_start_ + window_ - 1;
      Request r;
      r.fidelity = *fidelity;
      r.start_ts = INT64_MAX;
      r.end_ts = INT64_MIN;
      for (const State& s : tokens_) {
        if (!s.pending || s.token.fidelity != *fidelity) continue;
        r.token_ids.push_back(s.token.token_id);
        r.start_ts = std::min(r.start_ts, std::max(s.token.from, window_start_));
        r.end_ts = std::max(r.end_ts, std::min(s.token.to, end));
      }
      in_flight_ = r;
      ++requests_;
      return r;
    }
    if (window_start_ == INT64_MAX) return std::nullopt;
    OpenNextWindow();
  }
  return std::nullopt;
}

nlohmann::json PriceGroup::Complete(const std::map<std::string, int64_t>& newest_point) {
  nlohmann::json progress = nlohmann::json::object();
  if (!in_flight_) return progress;
  const Request r = *in_flight_;
  in_flight_.reset();
  const int64_t end = window_start_ + window_ - 1;
  for (State& s : tokens_) {
    if (!s.pending || s.token.fidelity != r.fidelity) continue;
    if (std::find(r.token_ids.begin(), r.token_ids.end(), s.token.token_id) == r.token_ids.end()) {
      continue;
    }
    const auto newest = newest_point.find(s.token.token_id);
    if (newest == newest_point.end() && s.token.traded && !s.token.locked) {
      auto higher = std::upper_bound(ladder_.begin(), ladder_.end(), s.token.fidelity);
      if (higher != ladder_.end()) {
        s.token.fidelity = *higher;  // ask again, coarser, in this window
        continue;
      }
      s.token.fidelity = s.window_fidelity;  // empty all the way up: nothing learnt
    }
    if (newest != newest_point.end()) s.token.locked = true;
    const int64_t covered = std::min(s.token.to, end);
    s.token.from = covered + 1;
    s.pending = false;
    if (!s.token.open) {
      s.committed = covered;
    } else if (newest != newest_point.end()) {
      s.committed = std::max(s.committed, newest->second);
    } else {
      continue;  // nothing new: the progress stays
    }
    progress[s.token.token_id] = {
        {"to", s.committed}, {"f", s.token.fidelity}, {"locked", s.token.locked}};
  }
  return progress;
}

bool PriceGroup::InRange(const std::string& token_id, int64_t t) const {
  const int64_t end = window_start_ + window_ - 1;
  for (const State& s : tokens_) {
    if (s.token.token_id == token_id) {
      return t >= std::max(s.token.from, window_start_) && t <= std::min(s.token.to, end);
    }
  }
  return false;
}

}  // namespace polypipe::fetch
