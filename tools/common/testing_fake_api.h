// Test-only: a scripted HTTP/1.1 "API server" on loopback for unit tests of the Kubernetes
// client and of kind-wait's waiter (header-only; included by *_test.cc files). Each request
// gets the Reply its route returns: a status, headers, chunked body pieces with pauses, a
// reset, bookmarks while a predicate holds, or no answer at all.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sf::testing {

// What the fake API server answers to one request: chunks written with pauses, then the end of
// the chunked body, or a TCP reset (connection cut mid-stream).
struct Reply {
  int status = 200;
  std::vector<std::string> headers;  // extra header lines, "Name: value"
  std::vector<std::string> chunks;
  int pause_ms = 0;           // between chunks
  bool reset = false;         // cut the connection instead of ending the body
  bool hang = false;          // accept and read the request, then never answer (until destroyed)
  std::function<bool()> keep_open;  // after the chunks: keep streaming bookmarks while true
};

// A scripted HTTP/1.1 server on loopback: one thread per connection, Connection: close.
class FakeApi {
 public:
  using Route = std::function<Reply(const std::string& target)>;
  explicit FakeApi(Route route) : route_(std::move(route)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~FakeApi() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    for (auto& t : workers_) t.join();
  }
  std::string server() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  // The most requests this server was answering at the same moment.
  int max_in_flight() const { return max_in_flight_; }
  // The full head (request line and headers) of every request, in order.
  std::vector<std::string> heads() {
    std::lock_guard<std::mutex> lock(mutex_);
    return heads_;
  }
  std::atomic<bool> stopping_{false};

 private:
  void accept_loop() {
    for (;;) {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::lock_guard<std::mutex> lock(mutex_);
      workers_.emplace_back([this, client] { serve(client); });
    }
  }
  static bool write_all(int fd, const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  static std::string chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
  }
  void serve(int client) {
    const int now = ++in_flight_;
    for (int seen = max_in_flight_; now > seen && !max_in_flight_.compare_exchange_weak(seen, now);) {
    }
    struct Done {
      std::atomic<int>& counter;
      ~Done() { --counter; }
    } done{in_flight_};
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) {
        ::close(client);
        return;
      }
      request.append(buffer, static_cast<size_t>(n));
    }
    const auto sp1 = request.find(' ');
    const auto sp2 = request.find(' ', sp1 + 1);
    const std::string target = request.substr(sp1 + 1, sp2 - sp1 - 1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(target);
      heads_.push_back(request.substr(0, request.find("\r\n\r\n")));
    }
    const Reply reply = route_(target);
    if (reply.hang) {
      while (!stopping_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ::close(client);
      return;
    }
    std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " X\r\nContent-Type: application/json\r\n";
    for (const auto& h : reply.headers) head += h + "\r\n";
    head += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    bool ok = write_all(client, head);
    for (const auto& c : reply.chunks) {
      if (!ok) break;
      if (reply.pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(reply.pause_ms));
      ok = write_all(client, chunk(c));
    }
    while (ok && reply.keep_open && reply.keep_open() && !stopping_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ok = write_all(client, chunk(R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"999"}}})" "\n"));
    }
    if (reply.reset) {
      linger l{1, 0};  // RST instead of FIN
      ::setsockopt(client, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    } else if (ok) {
      write_all(client, "0\r\n\r\n");
    }
    ::close(client);
  }

  Route route_;
  int fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::vector<std::string> requests_;
  std::vector<std::string> heads_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
};

}  // namespace sf::testing
