#include "common/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace sf::http;
using Steady = std::chrono::steady_clock;

namespace {

// A loopback server that answers each connection with the next scripted function.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::function<void(int)>> script) : script_(std::move(script)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    REQUIRE(::listen(fd_, 8) == 0);
    thread_ = std::thread([this] {
      for (auto& step : script_) {
        const int client = ::accept(fd_, nullptr, nullptr);
        if (client < 0) return;
        char buffer[4096];
        (void)::recv(client, buffer, sizeof buffer, 0);  // the request; its content is not checked
        step(client);
        ::close(client);
      }
    });
  }
  ~ScriptedServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/x"; }

 private:
  std::vector<std::function<void(int)>> script_;
  int fd_;
  int port_ = 0;
  std::thread thread_;
};

void send_all(int fd, const std::string& text) { (void)::send(fd, text.data(), text.size(), MSG_NOSIGNAL); }

}  // namespace

TEST_CASE("a cancelled stream ends at once, even when the server sends nothing") {
  std::atomic<bool> release{false};
  ScriptedServer server({[&](int fd) {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }});
  Options options;
  options.total_timeout = std::chrono::milliseconds(0);
  options.canceller = std::make_shared<Canceller>();
  Client client(options);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    options.canceller->cancel();
  });
  const auto start = Steady::now();
  Request request;
  request.url = server.url();
  try {
    client.stream(request, [](std::string_view) {});
    FAIL("the stream returned normally");
  } catch (const HttpError& e) {
    CHECK(e.failure() == Failure::kCancelled);
    CHECK_FALSE(e.retryable());
  }
  const auto waited = Steady::now() - start;
  canceller.join();
  release = true;
  CHECK(waited < std::chrono::milliseconds(900));  // not the ~1 s progress-callback tick
  // Later requests through a cancelled client fail fast instead of connecting.
  CHECK_THROWS_AS(client.get(server.url()), HttpError);
}

TEST_CASE("retryable statuses are retried, honouring Retry-After; others are returned") {
  ScriptedServer server({
      [](int fd) { send_all(fd, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"); },
      [](int fd) { send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"); },
      [](int fd) { send_all(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\nConnection: close\r\n\r\nn"); },
  });
  Options options;
  options.backoff_initial = std::chrono::milliseconds(10);
  Client client(options);
  const Response first = client.get(server.url());
  CHECK(first.status == 200);
  CHECK(first.body == "ok");
  CHECK(first.attempts == 2);
  const Response second = client.get(server.url());
  CHECK(second.status == 404);
  CHECK(second.attempts == 1);
}

TEST_CASE("a body over the cap is an error, not a silent truncation") {
  ScriptedServer server({[](int fd) {
    send_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(100000, 'x'));
  }});
  Options options;
  options.max_body_bytes = 1000;
  options.max_attempts = 1;
  Client client(options);
  try {
    client.get(server.url());
    FAIL("no error");
  } catch (const HttpError& e) {
    CHECK(e.failure() == Failure::kTooLarge);
    CHECK(std::string(e.what()).find("1000-byte cap") != std::string::npos);
  }
}

TEST_CASE("connection refused is a connect failure naming the URL") {
  Options options;
  options.max_attempts = 2;
  options.backoff_initial = std::chrono::milliseconds(5);
  Client client(options);
  try {
    client.get("http://127.0.0.1:1/metrics");
    FAIL("no error");
  } catch (const HttpError& e) {
    CHECK(e.failure() == Failure::kConnect);
    CHECK(e.retryable());
    CHECK(std::string(e.what()).find("http://127.0.0.1:1/metrics") != std::string::npos);
    CHECK(std::string(e.what()).find("after 2 attempts") != std::string::npos);
  }
}
