// The simulated Polymarket routes: pure functions from a request to a response body, so the
// HTTP server and `polysim --dump` serve byte-identical pages. Each route reproduces the shapes
// and quirks of the real service described in polymarket-api.md.
//
// Thread-safety: every route only reads the Universe; call them from any thread.

#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/universe.h"

namespace polysim {

struct SimRequest {
  std::string path;  // without the service prefix, e.g. "/markets"
  std::multimap<std::string, std::string> params;
  std::string body;

  bool Has(const std::string& key) const { return params.count(key) > 0; }
  std::string Get(const std::string& key, const std::string& fallback = "") const;
  std::vector<std::string> GetAll(const std::string& key) const;
};

struct SimResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ServeOptions {
  int clob_page_size = 1000;
  int v1_offset_cap = 10'000;
  int gamma_offset_cap = 2'000;
  int gamma_max_condition_ids = 40;
};

// CLOB (`/clob` prefix).
SimResponse ClobMarkets(const Universe& u, const ServeOptions& o, const SimRequest& r);
SimResponse ClobMarket(const Universe& u, const SimRequest& r, const std::string& condition_id);
SimResponse ClobPricesHistory(const Universe& u, const SimRequest& r);
SimResponse ClobBatchPricesHistory(const Universe& u, const SimRequest& r);

// Data API (`/data` prefix).
SimResponse DataTradesV2(const Universe& u, const SimRequest& r);
SimResponse DataTradesV1(const Universe& u, const ServeOptions& o, const SimRequest& r);
SimResponse DataLeaderboard(const Universe& u, const SimRequest& r);

// Gamma (`/gamma` prefix).
SimResponse GammaMarketsKeyset(const Universe& u, const ServeOptions& o, const SimRequest& r);
SimResponse GammaEventsKeyset(const Universe& u, const ServeOptions& o, const SimRequest& r);
SimResponse GammaMarketsOffset(const Universe& u, const ServeOptions& o, const SimRequest& r);
SimResponse GammaEventsOffset(const Universe& u, const ServeOptions& o, const SimRequest& r);
SimResponse GammaTags(const Universe& u, const SimRequest& r);

// Ground truth: what a complete fetch with default settings (or those in the query) yields.
SimResponse Truth(const Universe& u, const SimRequest& r);

// Shared helpers for the route files.
std::string Base64Encode(std::string_view in);
std::optional<std::string> Base64Decode(std::string_view in);
// Strict decimal integer; nullopt on anything else (empty, sign-only, trailing junk, overflow).
std::optional<int64_t> ParseInt(const std::string& text);
SimResponse JsonResponse(int status, std::string body);
// A deterministic trace id for error bodies (same request, same id).
std::string TraceId(const SimRequest& r);
// The Cloudflare block page served with 403.
SimResponse CloudflareBlockPage();

}  // namespace polysim
