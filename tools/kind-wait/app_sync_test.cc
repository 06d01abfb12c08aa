#include "kind-wait/app_sync.h"

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/http_client.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "kind-wait/test_support.h"

using namespace sf;
using namespace sf::kw;
using std::chrono::milliseconds;

namespace {

rapidjson::Document doc(const std::string& text) { return sf::kw::testing::json(text); }

std::string to_json(const rapidjson::Value& v) {
  std::string out;
  sf::json::append_value(out, v);
  return out;
}

// The root Application as Terraform installs it (one source, automated with prune, retries).
const char* kRoot = R"({"apiVersion":"argoproj.io/v1alpha1","kind":"Application",
  "metadata":{"name":"root","namespace":"argocd","resourceVersion":"100"},
  "spec":{"project":"default",
    "source":{"repoURL":"git://git-server.git-server.svc.cluster.local/sovereign-finops.git","targetRevision":"HEAD","path":"argocd/root"},
    "destination":{"server":"https://kubernetes.default.svc","namespace":"argocd"},
    "syncPolicy":{"automated":{"prune":true,"selfHeal":true},"syncOptions":["ApplyOutOfSyncOnly=true"],
                  "retry":{"limit":-1,"backoff":{"duration":"10s","factor":2,"maxDuration":"3m"}}}},
  "status":{"sync":{"status":"OutOfSync"},"health":{"status":"Progressing"}}})";

// An in-memory API server for one Application: resourceVersion checks on PUT (409 when stale),
// merge patches of annotations, and hooks that play the controller between requests.
class FakeAppApi : public ApplicationApi {
 public:
  explicit FakeAppApi(const std::string& app) { stored.Parse(app.c_str()); }
  std::string where() const override { return "application argocd/root"; }

  rapidjson::Document get() override {
    ++gets;
    if (before_get) before_get(*this);
    rapidjson::Document copy;
    copy.CopyFrom(stored, copy.GetAllocator());
    return copy;
  }
  WriteResult put(const std::string& body) override {
    puts.push_back(body);
    if (before_put) before_put(*this);
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    REQUIRE_FALSE(doc.HasParseError());
    WriteResult r;
    if (std::string(doc["metadata"]["resourceVersion"].GetString()) != rv()) {
      r.status = 409;
      return r;
    }
    replace(doc);
    r.status = 200;
    r.object.CopyFrom(stored, r.object.GetAllocator());
    if (lose_next_answer) {
      lose_next_answer = false;
      throw http::HttpError("PUT: connection reset after the request was sent", 0, true, http::Failure::kBroken);
    }
    return r;
  }
  WriteResult merge_patch(const std::string& body) override {
    patches.push_back(body);
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    auto& a = stored.GetAllocator();
    if (!stored["metadata"].HasMember("annotations")) stored["metadata"].AddMember("annotations", rapidjson::Value(rapidjson::kObjectType), a);
    const rapidjson::Value& annotations = doc["metadata"]["annotations"];
    for (const auto& m : annotations.GetObject()) {
      stored["metadata"]["annotations"].RemoveMember(m.name.GetString());
      stored["metadata"]["annotations"].AddMember(rapidjson::Value(m.name, a), rapidjson::Value(m.value, a), a);
    }
    bump();
    WriteResult r;
    r.status = 200;
    return r;
  }

  // What the controller does: a change of the stored object.
  void replace(const rapidjson::Document& doc) {
    stored.CopyFrom(doc, stored.GetAllocator());
    bump();
  }
  void bump() {
    const std::string next = std::to_string(std::stoi(rv()) + 1);
    stored["metadata"]["resourceVersion"].SetString(next.c_str(), stored.GetAllocator());
  }
  std::string rv() const { return stored["metadata"]["resourceVersion"].GetString(); }
  void set_status(const std::string& member, const std::string& value_json) {
    rapidjson::Document v;
    v.Parse(value_json.c_str());
    auto& a = stored.GetAllocator();
    stored["status"].RemoveMember(member.c_str());
    rapidjson::Value copy;
    copy.CopyFrom(v, a);
    stored["status"].AddMember(rapidjson::Value(member.c_str(), a), copy, a);
    bump();
  }
  void set_operation(const std::string& op_json) {
    rapidjson::Document v;
    v.Parse(op_json.c_str());
    auto& a = stored.GetAllocator();
    stored.RemoveMember("operation");
    if (!v.IsNull()) {
      rapidjson::Value copy;
      copy.CopyFrom(v, a);
      stored.AddMember("operation", copy, a);
    }
    bump();
  }

  rapidjson::Document stored;
  int gets = 0;
  std::vector<std::string> puts;
  std::vector<std::string> patches;
  bool lose_next_answer = false;
  std::function<void(FakeAppApi&)> before_get;
  std::function<void(FakeAppApi&)> before_put;
};

SyncOptions options(bool retry_now = false) {
  SyncOptions o;
  o.retry_now = retry_now;
  o.deadline = Deadline::after(milliseconds(5'000), "the 5.0s --timeout");
  o.marker = "kind-wait --sync 2026-11-26T07:00:00.123Z a1b2c3d4";
  o.sleep = [](milliseconds) {};
  return o;
}

const char* kAutoSyncOp = R"({"sync":{"revision":"4f2a9c1d"},"initiatedBy":{"automated":true},"retry":{"limit":-1}})";

}  // namespace

TEST_CASE("sync operation: what argocd app sync writes for the app's spec", "[sync]") {
  const auto app = doc(kRoot);
  const rapidjson::Document op = sync_operation(app, "m-1");
  CHECK(to_json(op) ==
        R"({"sync":{"revision":"HEAD","source":{"repoURL":"git://git-server.git-server.svc.cluster.local/sovereign-finops.git","targetRevision":"HEAD","path":"argocd/root"},)"
        R"("prune":true,"syncOptions":["ApplyOutOfSyncOnly=true"]},"initiatedBy":{"username":"kind-wait"},)"
        R"("info":[{"name":"requested by","value":"m-1"}],"retry":{"limit":-1,"backoff":{"duration":"10s","factor":2,"maxDuration":"3m"}}})");
  CHECK(is_our_operation(&op, "m-1"));
  CHECK_FALSE(is_our_operation(&op, "m-2"));

  // Several sources: each at its targetRevision (HEAD when empty); prune off without automation.
  const auto multi = doc(R"({"metadata":{"name":"vault"},"spec":{"sources":[
      {"repoURL":"https://helm.releases.hashicorp.com","chart":"vault","targetRevision":"0.34.1"},
      {"repoURL":"git://git-server/x.git","ref":"values"}]}})");
  const rapidjson::Document m = sync_operation(multi, "m");
  CHECK(to_json(m["sync"]["revisions"]) == R"(["0.34.1","HEAD"])");
  CHECK(m["sync"]["sources"].Size() == 2);
  CHECK(m["sync"]["prune"].GetBool() == false);
  CHECK_FALSE(m.HasMember("retry"));
  CHECK_THROWS_WITH(sync_operation(doc(R"({"spec":{}})"), "m"), Catch::Contains("neither spec.source nor spec.sources"));
}

TEST_CASE("sync: refresh annotation, then the operation with the resourceVersion, operationState dropped", "[sync]") {
  FakeAppApi api(kRoot);
  api.set_status("operationState", R"({"phase":"Succeeded","finishedAt":"2026-11-26T06:00:00Z"})");
  const SyncResult r = request_sync(api, options());
  CHECK(r.revision == "HEAD");
  REQUIRE(api.patches.size() == 1);
  CHECK(api.patches[0] == R"({"metadata":{"annotations":{"argocd.argoproj.io/refresh":"normal"}}})");
  REQUIRE(api.puts.size() == 1);
  const auto put = doc(api.puts[0]);
  CHECK(std::string(put["metadata"]["resourceVersion"].GetString()) == "102");  // after the refresh patch
  CHECK(is_our_operation(&put["operation"], options().marker));
  CHECK_FALSE(put["status"].HasMember("operationState"));
  CHECK(put["metadata"]["annotations"].HasMember("argocd.argoproj.io/refresh"));
}

TEST_CASE("sync: a 409 Conflict is read again and retried, as SetAppOperation does", "[sync]") {
  FakeAppApi api(kRoot);
  int conflicts_left = 2;
  // The controller writes status between our read and our write, twice.
  api.before_put = [&](FakeAppApi& a) {
    if (conflicts_left-- > 0) a.set_status("reconciledAt", R"("2026-11-26T07:00:01Z")");
  };
  const SyncResult r = request_sync(api, options());
  CHECK(r.conflicts == 2);
  CHECK(api.puts.size() == 3);
  CHECK(is_our_operation(&api.stored["operation"], options().marker));
  // The write kept what the controller wrote in between (it was read again).
  CHECK(api.stored["status"].HasMember("reconciledAt"));
}

TEST_CASE("sync: refused while another operation is in progress, with Argo CD's words", "[sync]") {
  FakeAppApi api(kRoot);
  api.set_operation(kAutoSyncOp);
  api.set_status("operationState", R"({"phase":"Running","startedAt":"2026-11-26T06:59:00Z","message":"one or more tasks are running"})");
  CHECK_THROWS_WITH(request_sync(api, options()),
                    Catch::Contains("application argocd/root: another operation is already in progress") &&
                        Catch::Contains("phase Running, started 2026-11-26T06:59:00Z") &&
                        Catch::Contains("--retry-now"));
  CHECK(api.puts.empty());
}

TEST_CASE("sync: an Update whose answer was lost is recognised as ours, not refused", "[sync]") {
  FakeAppApi api(kRoot);
  api.lose_next_answer = true;
  const SyncResult r = request_sync(api, options());
  CHECK(r.revision == "HEAD");
  CHECK(api.puts.size() == 1);  // never written twice
  CHECK(is_our_operation(&api.stored["operation"], options().marker));
}

TEST_CASE("sync --retry-now: a failed attempt waiting for its retry is terminated, then replaced", "[sync]") {
  FakeAppApi api(kRoot);
  api.set_operation(kAutoSyncOp);
  api.set_status("operationState", R"({"phase":"Running","startedAt":"2026-11-26T06:50:00Z","finishedAt":"2026-11-26T06:51:00Z",
      "retryCount":4,"message":"one or more synchronization tasks completed unsuccessfully. Retrying attempt #4 at 7:02AM."})");
  // The controller ends a Terminating operation as Failed "Operation terminated" and clears it.
  api.before_get = [](FakeAppApi& a) {
    if (a.stored["status"]["operationState"]["phase"] == "Terminating") {
      a.set_status("operationState", R"({"phase":"Failed","message":"Operation terminated","finishedAt":"2026-11-26T07:00:01Z"})");
      a.set_operation("null");
    }
  };
  const SyncResult r = request_sync(api, options(true));
  CHECK(r.replaced_retry);
  REQUIRE(api.puts.size() == 2);
  const auto terminate = doc(api.puts[0]);
  CHECK(std::string(terminate["status"]["operationState"]["phase"].GetString()) == "Terminating");
  CHECK_FALSE(is_our_operation(&terminate["operation"], options().marker));  // theirs, left as is
  CHECK(is_our_operation(&api.stored["operation"], options().marker));
}

TEST_CASE("sync --retry-now: an attempt that is running is waited for, never interrupted", "[sync]") {
  FakeAppApi api(kRoot);
  api.set_operation(kAutoSyncOp);
  api.set_status("operationState", R"({"phase":"Running","startedAt":"2026-11-26T06:59:00Z"})");
  int reads = 0;
  api.before_get = [&](FakeAppApi& a) {
    if (++reads == 3) {  // the attempt succeeds meanwhile
      a.set_status("operationState", R"({"phase":"Succeeded","finishedAt":"2026-11-26T07:00:01Z"})");
      a.set_operation("null");
    }
  };
  const SyncResult r = request_sync(api, options(true));
  CHECK_FALSE(r.replaced_retry);
  REQUIRE(api.puts.size() == 1);  // only our operation: nothing was terminated
  CHECK(is_our_operation(&doc(api.puts[0])["operation"], options().marker));
}

TEST_CASE("sync: the deadline ends a wait for an operation that never ends", "[sync]") {
  FakeAppApi api(kRoot);
  api.set_operation(kAutoSyncOp);
  api.set_status("operationState", R"({"phase":"Running","startedAt":"2026-11-26T06:59:00Z"})");
  SyncOptions o = options(true);
  o.deadline = Deadline::after(milliseconds(30), "the 30ms --timeout");
  o.sleep = [](milliseconds) { std::this_thread::sleep_for(milliseconds(5)); };
  CHECK_THROWS_WITH(request_sync(api, o), Catch::Contains("did not finish within the 30ms --timeout"));
}

TEST_CASE("sync --no-wait: started once operationState carries our operation", "[sync]") {
  FakeAppApi api(kRoot);
  SyncOptions o = options();
  request_sync(api, o);
  int reads = 0;
  api.before_get = [&](FakeAppApi& a) {
    if (++reads == 2) {
      rapidjson::Document op;
      op.CopyFrom(a.stored["operation"], op.GetAllocator());
      a.set_status("operationState", cat(R"({"phase":"Running","startedAt":"2026-11-26T07:00:02Z","operation":)",
                                         to_json(op), "}"));
    }
  };
  wait_until_started(api, o);
  CHECK(reads == 2);

  // Replaced by someone else before the controller took it up: said so.
  FakeAppApi other(kRoot);
  request_sync(other, o);
  other.set_operation(kAutoSyncOp);
  CHECK_THROWS_WITH(wait_until_started(other, o), Catch::Contains("another operation replaced ours"));
}
