#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "common/kubeconfig.h"
#include "common/testing_files.h"
#include "common/testing_kubeconfig.h"

namespace fs = std::filesystem;
using namespace sf::kube;
using sf::testing::env_options;
using sf::testing::kind_config;
using sf::testing::make_old;
using sf::testing::TempDir;

namespace {

// client-go's loader_test.go Example_mergingSomeWithConflict, written here as two files.
const std::string kFirst = R"(apiVersion: v1
kind: Config
clusters:
- name: cow-cluster
  cluster:
    server: http://cow.org:8080
contexts:
- name: federal-context
  context:
    cluster: cow-cluster
    namespace: hammer-ns
    user: red-user
current-context: ""
users:
- name: red-user
  user:
    token: red-token
)";
const std::string kSecond = R"(apiVersion: v1
kind: Config
clusters:
- name: cow-cluster
  cluster:
    server: http://a-different-cow.org:8080
    insecure-skip-tls-verify: true
    disable-compression: true
- name: donkey-cluster
  cluster:
    server: http://donkey.org:8080
    insecure-skip-tls-verify: true
    disable-compression: true
contexts: []
current-context: federal-context
users:
- name: red-user
  user:
    token: a-different-red-token
- name: yellow-user
  user:
    token: yellow-token
)";

}  // namespace

TEST_CASE("kubeconfig load: client-go's merge example, first file wins per entry", "[kubeconfig]") {
  TempDir dir;
  const std::string first = dir.write("1-first.yaml", kFirst);
  const std::string second = dir.write("2-second.yaml", kSecond);
  const Config merged = load_config(env_options(first + ":" + second + ":" + first));
  // Expected result of Example_mergingSomeWithConflict.
  CHECK(merged.current_context == "federal-context");
  CHECK(merged.current_context_source == second);
  REQUIRE(merged.clusters.size() == 2);
  const Cluster& cow = merged.clusters.at("cow-cluster");
  CHECK(cow.server == "http://cow.org:8080");
  CHECK_FALSE(cow.insecure_skip_tls_verify);  // not taken from the second file's cow-cluster
  CHECK_FALSE(cow.disable_compression);
  const Cluster& donkey = merged.clusters.at("donkey-cluster");
  CHECK(donkey.server == "http://donkey.org:8080");
  CHECK(donkey.insecure_skip_tls_verify);
  CHECK(donkey.disable_compression);
  REQUIRE(merged.contexts.size() == 1);
  CHECK(merged.contexts.at("federal-context").namespace_ == "hammer-ns");
  CHECK(merged.contexts.at("federal-context").user == "red-user");
  REQUIRE(merged.users.size() == 2);
  CHECK(merged.users.at("red-user").token == "red-token");
  CHECK(merged.users.at("yellow-user").token == "yellow-token");
  CHECK(merged.files == std::vector<std::string>{first, second});

  const RestConfig rest = resolve(merged, "");
  CHECK(rest.server == "http://cow.org:8080");
  CHECK(rest.namespace_ == "hammer-ns");
  CHECK(rest.bearer_token.empty());  // plain http: credentials are not sent
  CHECK(rest.credentials_withheld);
}

TEST_CASE("kubeconfig load: which files are read", "[kubeconfig]") {
  LoadOptions o = env_options("/a:/b::/a:/c", "/home/me");
  CHECK(kubeconfig_paths(o) == std::vector<std::string>{"/a", "/b", "/c"});
  o.kubeconfig_env = "";
  CHECK(kubeconfig_paths(o) == std::vector<std::string>{"/home/me/.kube/config"});
  // A KUBECONFIG that names no file means no file, not ~/.kube/config (client-go).
  o.kubeconfig_env = ":";
  CHECK(kubeconfig_paths(o).empty());
  o.kubeconfig_env = "::";
  CHECK(kubeconfig_paths(o).empty());
  o.explicit_path = "/x/y";
  CHECK(kubeconfig_paths(o) == std::vector<std::string>{"/x/y"});

  TempDir dir;
  const std::string real = dir.write("real", kind_config());
  // Missing files in KUBECONFIG are skipped.
  const Config c = load_config(env_options(dir.file("missing") + ":" + real));
  CHECK(c.contexts.count("kind-kind") == 1);
  // --kubeconfig must exist.
  LoadOptions explicit_missing = env_options("");
  explicit_missing.explicit_path = dir.file("missing");
  CHECK_THROWS_WITH(load_config(explicit_missing), Catch::Contains("--kubeconfig") && Catch::Contains("no such file"));
  // --kubeconfig reads exactly one file, ignoring KUBECONFIG.
  LoadOptions explicit_real = env_options(dir.file("missing"));
  explicit_real.explicit_path = real;
  CHECK(load_rest_config(explicit_real).context_name == "kind-kind");
}

TEST_CASE("kubeconfig load: KUBECONFIG=\":\" reads no file, even with ~/.kube/config present", "[kubeconfig]") {
  TempDir dir;
  dir.write("home/.kube/config", kind_config("other-cluster"));
  LoadOptions o = env_options(":", dir.file("home"));
  try {
    load_rest_config(o);
    FAIL("a kubeconfig was used");
  } catch (const KubeconfigError& e) {
    CHECK_THAT(e.what(), Catch::Contains("KUBECONFIG=\":\" names no file") &&
                             Catch::Contains("~/.kube/config neither"));
  }
  o.kubeconfig_env = "";  // unset or empty: the home file
  CHECK(load_rest_config(o).context_name == "kind-other-cluster");
}

TEST_CASE("kubeconfig load: directories, FIFOs and oversized files are refused at once", "[kubeconfig]") {
  TempDir dir;
  std::filesystem::create_directories(dir.path / "adir");
  CHECK_THROWS_WITH(load_config(env_options(dir.file("adir"))),
                    Catch::Contains("kubeconfig " + dir.file("adir") + ": is a directory"));
  const std::string big = dir.write("big", kind_config() + "# " + std::string(kMaxKubeconfigBytes, 'x') + "\n");
  const auto start = std::chrono::steady_clock::now();
  LoadOptions o = env_options("");
  o.explicit_path = big;
  CHECK_THROWS_WITH(load_config(o), Catch::Contains("--kubeconfig " + big) && Catch::Contains("more than the 4 MiB"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));  // refused by size, never parsed
}

TEST_CASE("kubeconfig load: a file being written is waited for, a bad old file fails at once", "[kubeconfig]") {
  TempDir dir;
  const std::string path = dir.file("config");
  LoadOptions o = env_options(path);
  o.settle = std::chrono::seconds(5);

  SECTION("kind's lock file") {
    dir.write("config.lock", "");
    dir.write("config", kind_config().substr(0, 120));  // half written
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      dir.write("config", kind_config());
      fs::remove(path + ".lock");
    });
    const auto start = std::chrono::steady_clock::now();
    const RestConfig rest = load_rest_config(o);
    writer.join();
    CHECK(rest.context_name == "kind-kind");
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(250));
  }
  SECTION("half-written file without a lock, then complete") {
    dir.write("config", kind_config().substr(0, 200));
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      dir.write("config", kind_config());
    });
    const RestConfig rest = load_rest_config(o);
    writer.join();
    CHECK(rest.context_name == "kind-kind");
  }
  SECTION("a context whose user is not written yet waits while the file is fresh") {
    const std::string without_user = kind_config().substr(0, kind_config().find("users:"));
    dir.write("config", without_user);
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      dir.write("config", kind_config());
    });
    const RestConfig rest = load_rest_config(o);
    writer.join();
    CHECK_FALSE(rest.user_missing);
    CHECK_FALSE(rest.tls.client_cert_pem.empty());
  }
  SECTION("an old broken file is reported right away") {
    dir.write("config", "clusters: [\n");
    make_old(path);
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(load_rest_config(o), Catch::Contains("not valid YAML"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1000));
  }
  SECTION("a stale lock is reported after the settle time") {
    dir.write("config", kind_config());
    dir.write("config.lock", "");
    o.settle = std::chrono::milliseconds(300);
    CHECK_THROWS_WITH(load_rest_config(o), Catch::Contains("still locked by " + path + ".lock"));
  }
  SECTION("no kubeconfig at all") {
    CHECK_THROWS_WITH(load_rest_config(o), Catch::Contains("no kubeconfig found"));
  }
}

TEST_CASE("kubeconfig load: in-cluster service account fallback", "[kubeconfig]") {
  TempDir dir;
  dir.write("sa/token", "sa-token\n");
  dir.write("sa/ca.crt", sf::testing::test_ca().certificate);
  dir.write("sa/namespace", "cost\n");
  ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  LoadOptions o = env_options(dir.file("none"));
  o.allow_in_cluster = true;
  o.in_cluster_root = dir.file("sa");
  const RestConfig rest = load_rest_config(o);
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
  CHECK(rest.server == "https://10.96.0.1:443");
  CHECK(rest.bearer_token == "sa-token");
  CHECK(rest.namespace_ == "cost");
  CHECK(rest.tls.ca_file == dir.file("sa/ca.crt"));
}
