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

#include "common/testing_fake_api.h"

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

TEST_CASE("retryable statuses are retried, and others are returned") {
  ScriptedServer server({
      [](int fd) { send_all(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"); },
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

TEST_CASE("a Retry-After of 1 s is waited for, not the 10 ms backoff") {
  std::vector<Steady::time_point> arrivals;
  ScriptedServer server({
      [&](int fd) {
        arrivals.push_back(Steady::now());
        send_all(fd, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      },
      [&](int fd) {
        arrivals.push_back(Steady::now());
        send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
      },
  });
  Options options;
  options.backoff_initial = std::chrono::milliseconds(10);
  options.backoff_max = std::chrono::milliseconds(5'000);
  Client client(options);
  const Response r = client.get(server.url());
  CHECK(r.status == 200);
  REQUIRE(arrivals.size() == 2);
  CHECK(arrivals[1] - arrivals[0] >= std::chrono::milliseconds(950));
  CHECK(arrivals[1] - arrivals[0] < std::chrono::milliseconds(3'000));
}

TEST_CASE("a Retry-After past the deadline is not slept: the answer comes back at once") {
  ScriptedServer server({[](int fd) {
    send_all(fd, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  }});
  Options options;
  options.backoff_max = std::chrono::milliseconds(5'000);
  options.deadline = sf::Deadline::after(std::chrono::milliseconds(1'000), "the 1.0s --timeout");
  Client client(options);
  const auto start = Steady::now();
  const Response r = client.get(server.url());
  CHECK(r.status == 503);
  CHECK(r.attempts == 1);
  CHECK(Steady::now() - start < std::chrono::milliseconds(900));
}

TEST_CASE("Retry-After values: whole seconds only, huge ones saturate instead of overflowing") {
  CHECK(parse_retry_after("0") == std::chrono::milliseconds(0));
  CHECK(parse_retry_after(" 7 ") == std::chrono::milliseconds(7'000));
  CHECK(parse_retry_after("99999999999999999999999") == std::chrono::milliseconds(3'600'000));
  CHECK(parse_retry_after("86400") == std::chrono::milliseconds(3'600'000));
  CHECK_FALSE(parse_retry_after("1e300"));
  CHECK_FALSE(parse_retry_after("1.5"));
  CHECK_FALSE(parse_retry_after("-5"));
  CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
  CHECK_FALSE(parse_retry_after(""));
}

TEST_CASE("the deadline caps a request to a server that accepts and never answers, naming the phase") {
  std::atomic<bool> release{false};
  ScriptedServer server({[&](int) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }});
  Options options;
  options.total_timeout = std::chrono::milliseconds(30'000);
  options.max_attempts = 3;
  options.deadline = sf::Deadline::after(std::chrono::milliseconds(500), "the 0.5s --timeout");
  Client client(options);
  const auto start = Steady::now();
  try {
    client.get(server.url());
    FAIL("no error");
  } catch (const HttpError& e) {
    CHECK(e.failure() == Failure::kTimeout);
    CHECK(e.detail().phase == Phase::kWaiting);
    CHECK(e.detail().deadline_reached);
    CHECK_THAT(e.what(), Catch::Contains("sent the request, but no answer came within the 0.5s --timeout"));
  }
  const auto took = Steady::now() - start;
  release = true;
  CHECK(took >= std::chrono::milliseconds(450));
  CHECK(took < std::chrono::milliseconds(1'500));
}

TEST_CASE("an exception thrown by the body handler comes out of the request as itself") {
  ScriptedServer server({[](int fd) {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
  }});
  struct Custom {};
  Client client(Options{});
  Request request;
  request.url = server.url();
  CHECK_THROWS_AS(client.stream(request, [](std::string_view) { throw Custom{}; }), Custom);
}

TEST_CASE("URLs with credentials are redacted in every error") {
  Options options;
  options.max_attempts = 1;
  Client client(options);
  try {
    client.get("http://admin:hunter2@127.0.0.1:1/metrics");
    FAIL("no error");
  } catch (const HttpError& e) {
    CHECK_THAT(e.what(), Catch::Contains("http://***@127.0.0.1:1/metrics"));
    CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
  }
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

TEST_CASE("MultiFetcher: each transfer gets its own result, retries, caps and errors, within the concurrency") {
  std::atomic<int> flaky_calls{0};
  sf::testing::FakeApi server([&](const std::string& target) {
    sf::testing::Reply r;
    if (target.rfind("/flaky", 0) == 0 && flaky_calls++ == 0) {
      r.status = 503;
      r.headers = {"Retry-After: 0"};
    } else if (target.rfind("/big", 0) == 0) {
      r.chunks = {std::string(5000, 'x')};
    } else if (target.rfind("/missing", 0) == 0) {
      r.status = 404;
      r.chunks = {"no"};
    } else {
      r.chunks = {"body of " + target};
      r.pause_ms = 50;  // long enough for transfers to overlap
    }
    return r;
  });
  Options options;
  options.max_body_bytes = 1000;
  options.backoff_initial = std::chrono::milliseconds(10);
  MultiFetcher fetcher(options, 3);
  std::vector<Transfer> transfers(9);
  for (int i = 0; i < 6; ++i) transfers[i].request.url = server.server() + "/ok/" + std::to_string(i);
  transfers[6].request.url = server.server() + "/flaky";
  transfers[7].request.url = server.server() + "/big";
  transfers[8].request.url = "http://127.0.0.1:1/refused";
  std::string streamed;
  transfers[0].on_chunk = [&](std::string_view chunk) { streamed.append(chunk); };
  transfers[5].on_chunk = [](std::string_view) { throw std::runtime_error("parser gave up"); };
  std::vector<int> done(transfers.size(), 0);
  fetcher.run(transfers, [&](size_t i) { ++done[i]; });

  CHECK(done == std::vector<int>(transfers.size(), 1));  // every transfer finishes exactly once
  CHECK(server.max_in_flight() <= 3);
  CHECK(server.max_in_flight() >= 2);
  CHECK(streamed == "body of /ok/0");
  CHECK(transfers[0].response.body.empty());  // streamed, not buffered
  for (int i = 1; i < 5; ++i) {
    CHECK(transfers[i].ok);
    CHECK(transfers[i].response.status == 200);
    CHECK(transfers[i].response.body == "body of /ok/" + std::to_string(i));
  }
  CHECK_FALSE(transfers[5].ok);
  CHECK(transfers[5].handler_error != nullptr);
  CHECK_THAT(transfers[5].error, Catch::Contains("parser gave up"));
  CHECK(transfers[6].ok);
  CHECK(transfers[6].response.status == 200);
  CHECK(transfers[6].response.attempts == 2);
  CHECK_FALSE(transfers[7].ok);
  CHECK_THAT(transfers[7].error, Catch::Contains("1000-byte cap"));
  CHECK_FALSE(transfers[8].ok);
  CHECK_THAT(transfers[8].error, Catch::Contains("http://127.0.0.1:1/refused") && Catch::Contains("cannot connect"));
}

TEST_CASE("MultiFetcher: no retry starts after the deadline") {
  sf::testing::FakeApi server([](const std::string&) {
    sf::testing::Reply r;
    r.status = 503;
    r.headers = {"Retry-After: 2"};
    return r;
  });
  Options options;
  options.max_attempts = 5;
  options.backoff_max = std::chrono::milliseconds(5'000);
  options.deadline = sf::Deadline::after(std::chrono::milliseconds(800), "the 0.8s --timeout");
  MultiFetcher fetcher(options, 2);
  std::vector<Transfer> transfers(2);
  for (auto& t : transfers) t.request.url = server.server() + "/busy";
  const auto start = Steady::now();
  fetcher.run(transfers);
  CHECK(Steady::now() - start < std::chrono::milliseconds(700));
  for (const auto& t : transfers) {
    CHECK(t.ok);
    CHECK(t.response.status == 503);
    CHECK(t.response.attempts == 1);
  }
}
