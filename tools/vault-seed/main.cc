// vault-seed: bring a Vault from "just started" to the state vault/seed.yaml declares, and
// keep it there: initialise, unseal, mounts, policies, Kubernetes auth and roles, generated
// secrets (created once, never printed). Also `snapshot FILE` and `check-manifests FILE...`.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <set>

#include "common/cli.h"
#include "common/error.h"
#include "common/file_read.h"
#include "common/kubeconfig.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"
#include "vault-seed/lifecycle.h"
#include "vault-seed/manifests.h"
#include "vault-seed/report.h"
#include "vault-seed/secret_gen.h"
#include "vault-seed/secret_read.h"
#include "vault-seed/seeder.h"
#include "vault-seed/spec.h"
#include "vault-seed/vault_client.h"
#include "vault-seed/vault_env.h"

namespace {

using namespace sf;
using namespace sf::vs;

cli::ToolInfo tool_info() {
  return {
      "vault-seed",
      "vault-seed [options]                       seed Vault from the spec\n"
      "       vault-seed [options] snapshot FILE         save a Raft snapshot (0600)\n"
      "       vault-seed [options] check-manifests FILE... check ExternalSecrets against the spec\n"
      "       vault-seed [options] get MOUNT/PATH [KEY]  print one of the spec's secrets (asked for by name)\n"
      "       vault-seed [options] token                 print the token vault-seed uses",
      "Brings Vault to the state the spec declares, and can run again at any time without harm:\n"
      "health -> init (once; shares saved to the init file, 0600) -> unseal from the init file ->\n"
      "audit -> KV v2 mounts (cas_required) -> policies -> Kubernetes auth -> roles -> secrets.\n"
      "Each step reads what Vault holds and writes only what differs. Secrets are generated here\n"
      "(or read from a file or a variable) and written with cas=0: an existing secret is never\n"
      "overwritten, and no value or token is ever printed.",
      "Vault is reached at VAULT_ADDR (default https://127.0.0.1:8200; VAULT_CACERT, VAULT_CAPATH,\n"
      "VAULT_CLIENT_CERT/KEY, VAULT_TLS_SERVER_NAME, VAULT_SKIP_VERIFY, VAULT_NAMESPACE,\n"
      "VAULT_CLIENT_TIMEOUT, VAULT_MAX_RETRIES as for the vault CLI), or with --via-kube-service\n"
      "through the Kubernetes API server's service proxy with the kubeconfig's credentials.\n"
      "Token: VAULT_TOKEN, else ~/.vault-token, else the init file (vault-seed's scoped token);\n"
      "never on the command line. The init file defaults to\n"
      "${XDG_STATE_HOME:-~/.local/state}/sovereign-finops/<cluster>/vault-init.json.\n"
      "\n"
      "Output: one item per managed thing (step, path, action, version, detail), a table on a\n"
      "terminal, else JSON lines {\"kind\":\"vault_seed\",...}. --plan only reads and prints what would\n"
      "change (create / update / unchanged); with --detailed-exitcode it exits 2 when something\n"
      "would change. docs/vault-seed.md has the spec reference and the security model.\n"
      "\n"
      "get and token are the only commands that write a secret, and only the one named: to stdout,\n"
      "or with --out FILE to a file created 0600 and replaced only when complete. --format value\n"
      "(KEY's value; the default with KEY), json (the default without KEY) or curl-config (a curl -K\n"
      "file: user = \"USERNAME:PASSWORD\" for get, header = \"X-Vault-Token: ...\" for token), so\n"
      "that curl gets a credential without it passing through argv.\n",
      "  vault-seed --via-kube-service vault/vault:8200 --plan\n"
      "  vault-seed --via-kube-service vault/vault:8200\n"
      "  VAULT_ADDR=http://127.0.0.1:8200 vault-seed --unseal-only\n"
      "  vault-seed --rotate secret/apps/demo/db\n"
      "  vault-seed --via-kube-service vault/vault:8200 snapshot ~/backup/vault.snap\n"
      "  vault-seed --via-kube-service vault/vault:8200 get secret/platform/opencost/basic-auth password\n"
      "  vault-seed --via-kube-service vault/vault:8200 get secret/platform/opencost/basic-auth --format curl-config --out auth.curl\n"
      "  helm template root argocd/root | vault-seed check-manifests -\n"};
}

std::string default_state_dir(const std::string& cluster) {
  const char* xdg = std::getenv("XDG_STATE_HOME");
  const char* home = std::getenv("HOME");
  std::string base;
  if (xdg != nullptr && *xdg == '/') base = xdg;
  else if (home != nullptr && *home != '\0') base = std::string(home) + "/.local/state";
  else return "";
  return cat(base, "/sovereign-finops/", cluster);
}

// --unseal-keys-stdin: one share per line (hex or base64), as decrypted by their holders.
std::vector<std::string> read_stdin_keys() {
  std::vector<std::string> keys;
  std::string all;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) {
    all.append(buffer, n);
    if (all.size() > 64 * 1024) throw UsageError("--unseal-keys-stdin: more than 64 KiB on stdin");
  }
  for (const auto& line : split(all, '\n')) {
    std::string k(trim(line));
    if (!k.empty()) keys.push_back(k);
  }
  wipe(all);
  if (keys.empty()) throw UsageError("--unseal-keys-stdin: no keys on stdin (one share per line)");
  return keys;
}

std::set<std::string> rotate_paths(const Spec& spec, const std::vector<std::string>& given) {
  std::set<std::string> out;
  for (const auto& g : given) {
    const SecretSpec* found = spec.find_secret(g);
    if (found == nullptr)
      throw UsageError(cat("--rotate ", printable(g, 100), ": not a secret of ", spec.source,
                           " (write it as MOUNT/PATH, e.g. secret/apps/demo/db)"));
    out.insert(found->full_path());
  }
  return out;
}

int run(int argc, char** argv) {
  cli::App app(tool_info());
  std::string spec_path = "vault/seed.yaml";
  std::string cluster = "sovereign-finops";
  std::string state_dir, init_file, via, kubeconfig, context, output, timeout_text = "5m", read_format, out_file;
  std::vector<std::string> rotate, command;
  app.options().add_options()
    ("spec", cli::po::value(&spec_path)->default_value("vault/seed.yaml"), "the spec file")
    ("cluster", cli::po::value(&cluster)->default_value("sovereign-finops"), "cluster name: names the state folder")
    ("state-dir", cli::po::value(&state_dir), "the state folder (default ${XDG_STATE_HOME:-~/.local/state}/sovereign-finops/CLUSTER)")
    ("init-file", cli::po::value(&init_file), "the init file (default: the spec's init.file, in the state folder)")
    ("plan", "read only: print what would change")
    ("detailed-exitcode", "with --plan: exit 2 when something would change, 0 when nothing would")
    ("rotate", cli::po::value(&rotate), "write new values for this secret (MOUNT/PATH; repeatable)")
    ("unseal-only", "unseal from the init file and change nothing else")
    ("unseal-keys-stdin", "read unseal shares from stdin, one per line (PGP-encrypted inits)")
    ("keep-root-token", "keep the root token in the init file (default: revoked after the first run)")
    ("exact", "check-manifests: also fail when the spec holds a secret or key no ExternalSecret reads")
    ("via-kube-service", cli::po::value(&via), "reach Vault through the API server's service proxy: NS/NAME:PORT")
    ("kubeconfig", cli::po::value(&kubeconfig), "kubeconfig file, with --via-kube-service (default: KUBECONFIG rules)")
    ("context", cli::po::value(&context), "kubeconfig context, with --via-kube-service")
    ("timeout", cli::po::value(&timeout_text)->default_value("5m"), "give up after this long, waits included (90s, 5m)")
    ("output,o", cli::po::value(&output), "table or jsonl (default: table on a terminal, else jsonl)")
    ("format", cli::po::value(&read_format), "get, token: value, json or curl-config")
    ("out", cli::po::value(&out_file), "get, token: write to this file (0600, replaced only when complete), not stdout")
    ("command", cli::po::value(&command), "snapshot FILE | check-manifests FILE... | get MOUNT/PATH [KEY] | token");
  app.positional().add("command", -1);
  cli::po::variables_map vm;
  app.choices("output", {"table", "jsonl"});
  app.choices("format", {"value", "json", "curl-config"});
  if (!app.parse(argc, argv, vm)) return kExitOk;

  const auto timeout = cli::parse_duration(timeout_text, "--timeout");
  const auto deadline = Steady::now() + timeout;
  Format format = default_format();
  if (output == "table") format = Format::kTable;
  else if (output == "jsonl") format = Format::kJsonl;
  else if (!output.empty()) throw UsageError(cat("--output '", printable(output, 40), "': use table or jsonl"));

  const std::string sub = command.empty() ? "" : command.front();
  if (!sub.empty() && sub != "snapshot" && sub != "check-manifests" && sub != "get" && sub != "token")
    throw UsageError(cat("unknown command '", printable(sub, 40), "': vault-seed takes snapshot FILE, "
                         "check-manifests FILE..., get MOUNT/PATH [KEY], token, or no command to seed"));
  const bool reading = sub == "get" || sub == "token";
  if (sub == "get" && (command.size() < 2 || command.size() > 3))
    throw UsageError("get takes a secret and at most one key: vault-seed get MOUNT/PATH [KEY]");
  if (sub == "token" && command.size() != 1) throw UsageError("token takes no argument: vault-seed token");
  if (!reading && (!read_format.empty() || !out_file.empty()))
    throw UsageError("--format and --out go with get and token");
  if (sub == "snapshot" && command.size() != 2) throw UsageError("snapshot takes one FILE: vault-seed snapshot FILE");
  if (sub == "check-manifests" && command.size() < 2)
    throw UsageError("check-manifests takes the rendered manifests: FILE... or - for stdin");
  const bool plan = vm.count("plan") > 0;
  if (vm.count("detailed-exitcode") && !plan) throw UsageError("--detailed-exitcode goes with --plan");
  if (vm.count("exact") && sub != "check-manifests") throw UsageError("--exact goes with check-manifests");
  if (!sub.empty() && (plan || !rotate.empty() || vm.count("unseal-only")))
    throw UsageError(cat(sub, " does not take --plan, --rotate or --unseal-only"));
  if (vm.count("unseal-only") && (plan || !rotate.empty()))
    throw UsageError("--unseal-only changes nothing but the seal: it does not take --plan or --rotate");

  LoadContext load;
  load.cluster = cluster;
  load.state_dir = state_dir.empty() ? default_state_dir(cluster) : state_dir;
  load.init_file = init_file;
  const Spec spec = load_spec(spec_path, load);

  if (sub == "check-manifests") {
    std::vector<ManifestInput> inputs;
    for (size_t i = 1; i < command.size(); ++i) {
      if (command[i] == "-") {
        std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
        inputs.push_back({"stdin", std::move(text)});
      } else {
        inputs.push_back({command[i], read_small_file(command[i], 64u << 20, "manifests")});
      }
    }
    Report report(format, false);
    const int code = check_manifests(spec, inputs, report, vm.count("exact") > 0);
    report.finish();
    if (code != kExitOk)
      log::error(cat(report.errors(), report.errors() == 1 ? " problem" : " problems", ": the manifests and ", spec.source,
                     " do not agree (see the error items)"));
    return code;
  }

  if (sub == "get" && spec.find_secret(command[1]) == nullptr)
    throw UsageError(cat("get ", printable(command[1], 100), ": not a secret of ", spec.source,
                         " (write it as MOUNT/PATH, e.g. secret/apps/demo/db)"));

  SeedOptions options;
  options.plan = plan;
  options.unseal_only = vm.count("unseal-only") > 0;
  options.keep_root_token = vm.count("keep-root-token") > 0;
  options.rotate = rotate_paths(spec, rotate);
  options.getenv = [](const char* name) { return std::getenv(name); };
  const VaultEnv env = read_vault_env(options.getenv);
  options.env_token = env.token;
  if (const char* home = std::getenv("HOME")) options.file_token = read_vault_token_file(home);
  if (vm.count("unseal-keys-stdin")) options.unseal_keys = read_stdin_keys();

  std::unique_ptr<Transport> transport;
  if (!via.empty()) {
    const KubeService service = parse_kube_service(via);
    kube::LoadOptions kube_load;
    kube_load.explicit_path = kubeconfig;
    kube_load.context = context;
    kube_load.settle = std::min(timeout, std::chrono::milliseconds(10'000));
    transport = kube_service_transport(kube::load_rest_config(kube_load), service);
  } else {
    if (!kubeconfig.empty() || !context.empty()) throw UsageError("--kubeconfig and --context go with --via-kube-service");
    transport = direct_transport(env);
  }
  VaultClient vault(std::move(transport), env, deadline);
  log::debug(cat("spec ", spec.source, ", init file ", spec.init.file, ", ", vault.describe()));

  Report report(format, plan);
  int code = kExitOk;
  try {
    if (reading) {
      const std::string key = command.size() == 3 ? command[2] : "";
      const ReadFormat format = parse_read_format(read_format.empty() ? (key.empty() && sub == "get" ? "json" : "value")
                                                                      : read_format);
      const std::optional<std::string> out = out_file.empty() ? std::nullopt : std::optional<std::string>(out_file);
      return sub == "get" ? run_get(spec, vault, options, *spec.find_secret(command[1]), key, format, out)
                          : run_token(spec, vault, options, format, out);
    }
    code = sub == "snapshot" ? run_snapshot(spec, vault, report, options, command[1])
                             : run_seed(spec, vault, report, options);
  } catch (...) {
    try {
      report.finish();  // what was done is reported before the error
    } catch (const std::exception&) {
    }
    throw;
  }
  report.finish();
  for (auto& k : options.unseal_keys) wipe(k);
  if (report.errors() > 0)
    log::error(cat(report.errors(), " item", report.errors() == 1 ? "" : "s", " failed (the error items say why); ",
                   report.items().size() - report.errors(), " done"));
  if (plan && vm.count("detailed-exitcode") && code == kExitOk && report.changes() > 0) return 2;
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  return sf::cli::run_tool("vault-seed", [&] { return run(argc, argv); });
}
