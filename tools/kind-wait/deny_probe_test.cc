#include "kind-wait/deny_probe.h"

#include <catch2/catch.hpp>

#include "common/error.h"

using namespace sf::kw;

namespace {

std::string status_body(const std::string& reason, long code, const std::string& message) {
  return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"" + message +
         "\",\"reason\":\"" + reason + "\",\"code\":" + std::to_string(code) + "}";
}

}  // namespace

TEST_CASE("deny probe: the proxy's answers judged as kube-apiserver gives them") {
  const DenyTarget t = parse_deny_target("service/demo/demo-db:6379");
  CHECK(t.describe() == "service/demo/demo-db:6379");
  const auto judge = [&](long status, const std::string& body) { return judge_proxy_answer(t, status, body).verdict; };
  CHECK(judge(503, status_body("ServiceUnavailable", 503,
                               "error trying to reach service: dial tcp 10.244.1.5:6379: i/o timeout")) ==
        DenyVerdict::kDenied);
  CHECK(judge(503, status_body("ServiceUnavailable", 503, "error trying to reach service: EOF")) == DenyVerdict::kNotDenied);
  CHECK(judge(503, status_body("ServiceUnavailable", 503,
                               "error trying to reach service: dial tcp 10.244.1.5:6379: connect: connection refused")) ==
        DenyVerdict::kNotDenied);
  CHECK(judge(503, status_body("ServiceUnavailable", 503, "no endpoints available for service \\\"demo-db\\\"")) ==
        DenyVerdict::kRetry);
  CHECK(judge(404, status_body("NotFound", 404, "services \\\"demo-db\\\" not found")) == DenyVerdict::kRetry);
  CHECK(judge(403, status_body("Forbidden", 403, "forbidden")) == DenyVerdict::kNotDenied);
  CHECK(judge(200, "PONG") == DenyVerdict::kNotDenied);
  CHECK(judge(503, "upstream busy") == DenyVerdict::kNotDenied);  // the pod's own 503, not a Status
  CHECK(judge(500, status_body("InternalError", 500, "etcd")) == DenyVerdict::kRetry);
}

TEST_CASE("deny probe: silence counts only once the API server took the request") {
  const DenyTarget t = parse_deny_target("service/demo/demo-db:redis");
  CHECK(judge_no_answer(t, true, std::chrono::milliseconds(5000), "x").verdict == DenyVerdict::kDenied);
  CHECK(judge_no_answer(t, false, std::chrono::milliseconds(5000), "connect timed out").verdict == DenyVerdict::kRetry);
  CHECK_THROWS_AS(parse_deny_target("demo/demo-db:6379"), sf::UsageError);
  CHECK_THROWS_AS(parse_deny_target("service/demo/demo-db"), sf::UsageError);
  CHECK_THROWS_AS(parse_deny_target("service/demo/Demo:1"), sf::UsageError);
}
