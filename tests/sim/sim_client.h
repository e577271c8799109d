// A polysim server started in-process on a free loopback port, with an HTTP client bound to it.
// Tests talk to it over real HTTP; the server stops when the SimClient is destroyed.

#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/server.h"

namespace polysim::testing {

class SimClient {
 public:
  explicit SimClient(const ServerOptions& options = DefaultOptions())
      : server_(std::make_unique<Server>(options)) {
    port_ = server_->Start("127.0.0.1", 0);
    EXPECT_GT(port_, 0) << "polysim could not bind a loopback port";
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_keep_alive(true);
    client_->set_read_timeout(30, 0);
  }
  ~SimClient() {
    client_.reset();  // close the keep-alive connection first, or Stop() waits for it
    server_->Stop();
  }

  // A small universe that still has every feature (neg-risk events, heavy market, open/closed).
  static ServerOptions DefaultOptions() {
    ServerOptions o;
    o.universe.markets = 120;
    o.universe.mean_trades = 30;
    o.universe.heavy_markets = 1;
    o.universe.heavy_trades = 5'000;
    o.universe.history_days = 30;
    o.threads = 8;
    return o;
  }

  httplib::Result Get(const std::string& path) { return client_->Get(path); }
  httplib::Result Post(const std::string& path, const std::string& body) {
    return client_->Post(path, body, "application/json");
  }
  // GET that must answer 200 with JSON; fails the test otherwise.
  nlohmann::json Json(const std::string& path) {
    auto res = client_->Get(path);
    if (!res) {
      ADD_FAILURE() << path << ": transport error " << httplib::to_string(res.error());
      return nullptr;
    }
    EXPECT_EQ(res->status, 200) << path << ": " << res->body.substr(0, 300);
    return nlohmann::json::parse(res->body, nullptr, false);
  }
  nlohmann::json Truth() { return Json("/__sim/truth"); }

  int port() const { return port_; }
  Server& server() { return *server_; }

 private:
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> client_;
  int port_ = -1;
};

}  // namespace polysim::testing
