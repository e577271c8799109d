// RawServer: a loopback TCP server for the client tests that scripts what polysim cannot do —
// send a body shorter than its Content-Length, close without replying, or never reply. It serves
// one connection at a time; the n-th request (0-based) gets script(n). Every wait is bounded and
// the server stops (joining its thread) when destroyed.

#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace polypipe::http::testing {

struct RawReply {
  std::string bytes;  // written as is, then the connection closes
  bool hang = false;  // instead: keep the connection open, silent, until the server stops
};

class RawServer {
 public:
  explicit RawServer(std::function<RawReply(int)> script) : script_(std::move(script)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RawServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // The request heads received so far.
  std::vector<std::string> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  // Waits until `fd` is readable, the server stops, or `limit` passes; true if readable.
  bool Readable(int fd, std::chrono::milliseconds limit) const {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!stop_ && std::chrono::steady_clock::now() < until) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  void Serve() {
    for (int n = 0; !stop_;) {
      if (!Readable(listen_fd_, std::chrono::milliseconds(50))) continue;
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536 &&
             Readable(fd, std::chrono::seconds(5))) {
        const ssize_t got = ::recv(fd, buf, sizeof(buf), 0);
        if (got <= 0) break;
        head.append(buf, static_cast<size_t>(got));
      }
      {
        std::lock_guard lock(mu_);
        requests_.push_back(head);
      }
      const RawReply reply = script_(n++);
      if (reply.hang) {
        while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      } else {
        size_t sent = 0;
        while (sent < reply.bytes.size()) {
          const ssize_t put =
              ::send(fd, reply.bytes.data() + sent, reply.bytes.size() - sent, MSG_NOSIGNAL);
          if (put <= 0) break;
          sent += static_cast<size_t>(put);
        }
      }
      ::close(fd);
    }
  }

  std::function<RawReply(int)> script_;
  int listen_fd_ = -1;
  int port_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
};

// A complete HTTP/1.1 response that closes its connection.
inline std::string HttpReply(int status, const std::string& body,
                             const std::string& extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" +
         extra_headers + "\r\n" + body;
}

}  // namespace polypipe::http::testing
