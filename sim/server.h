// Server: polysim's HTTP front. Serves the CLOB, Data and Gamma routes under the path prefixes
// /clob, /data and /gamma, and control routes under /__sim, through cpp-httplib on loopback.
// Every API request passes Traffic (rate limits, faults) before its route answers.
//
// Thread-safety: Start/Stop from one thread; requests are served on an internal thread pool.

#pragma once

#include <memory>
#include <string>
#include <thread>

#include "sim/routes.h"
#include "sim/traffic.h"
#include "sim/universe.h"

namespace httplib {
class Server;
}

namespace polysim {

struct ServerOptions {
  UniverseOptions universe;
  ServeOptions serve;
  TrafficOptions traffic;
  int threads = 32;  // connections served at once
  // Gzip JSON for clients that accept it, as the real services do. Off only where loopback
  // benchmarks want the simulator's CPU for the client.
  bool gzip = true;
};

class Server {
 public:
  explicit Server(const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (port 0 picks a free one) and serves in a background thread.
  // Returns the bound port, or -1 when binding failed.
  int Start(const std::string& host, int port);
  // Stops serving and joins the background thread. Safe to call twice.
  void Stop();

  Universe& universe() { return universe_; }

 private:
  void Routes();

  ServerOptions options_;
  Universe universe_;
  Traffic traffic_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
};

// Writes every page the list routes would serve, as JSON files under `dir` (see README).
// Returns the number of files written; throws std::runtime_error on I/O failure.
int64_t DumpUniverse(const Universe& universe, const ServeOptions& serve, const std::string& dir);

}  // namespace polysim
