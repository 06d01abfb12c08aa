#include "vault-seed/lifecycle.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <thread>

#include "common/base64.h"
#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "vault-seed/pgp_keys.h"
#include "vault-seed/secret_gen.h"
#include "vault-seed/seed_policy.h"

namespace sf::vs {
namespace {

using std::chrono::milliseconds;

constexpr const char* kSeedPeriod = "768h";   // periodic: lives while runs renew it
// The Vault the platform pins (vault/values.yaml, chart hashicorp/vault 0.34.1) and the one the
// emulator models; other versions work as far as their API is the same, with a warning.
constexpr const char* kTestedVersion = "2.0.";

std::string string_member(const rapidjson::Value* object, const char* name) {
  const auto* v = member(object, name);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

bool bool_member(const rapidjson::Value* object, const char* name, bool fallback) {
  const auto* v = member(object, name);
  return v != nullptr && v->IsBool() ? v->GetBool() : fallback;
}

long long_member(const rapidjson::Value* object, const char* name) {
  const auto* v = member(object, name);
  return v != nullptr && v->IsInt64() ? static_cast<long>(v->GetInt64()) : 0;
}

std::string json_object(std::initializer_list<std::pair<const char*, std::string>> fields) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  for (const auto& [k, v] : fields) {
    w.Key(k);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

}  // namespace

std::optional<Health> parse_health(const Reply& reply) {
  if (reply.from_api_server || !reply.json.IsObject()) return std::nullopt;
  const rapidjson::Value& j = reply.json;
  if (member(&j, "initialized") == nullptr || member(&j, "sealed") == nullptr) return std::nullopt;
  Health h;
  h.status = reply.status;
  h.initialized = bool_member(&j, "initialized", false);
  h.sealed = bool_member(&j, "sealed", true);
  h.standby = bool_member(&j, "standby", false);
  h.version = string_member(&j, "version");
  h.cluster_id = string_member(&j, "cluster_id");
  h.cluster_name = string_member(&j, "cluster_name");
  return h;
}

std::string decode_generated_root(const std::string& encoded, const std::string& otp) {
  std::string padded = encoded;
  while (padded.size() % 4 != 0) padded += '=';
  std::string raw;
  if (!base64_decode(padded, raw) || raw.size() != otp.size())
    throw Error("the generated root token does not decode with this run's one-time password");
  std::string token(raw.size(), '\0');
  for (size_t i = 0; i < raw.size(); ++i) token[i] = static_cast<char>(raw[i] ^ otp[i]);
  wipe(raw);
  return token;
}

Lifecycle::Lifecycle(const Spec& spec, VaultClient& vault, Report& report, const SeedOptions& options)
    : spec_(spec), vault_(vault), report_(report), options_(options) {
  load_init_file();
}

Lifecycle::~Lifecycle() { wipe(generated_root_); }

void Lifecycle::note(const std::string& step, const std::string& path, Action action, const std::string& detail) {
  report_.add(Item{step, path, action, std::nullopt, detail});
}

void Lifecycle::load_init_file() { material_ = read_init_file(spec_.init.file); }

// ---------------------------------------------------------------- health

Health Lifecycle::wait_for_vault() {
  std::string last;
  milliseconds delay(250);
  while (true) {
    std::string reason;
    try {
      const Reply r = vault_.get("sys/health", CallOptions{false, false, "reading sys/health"});
      if (const auto h = parse_health(r)) {
        if (r.status == 530)
          throw Error(cat(vault_.describe(), " was removed from its Raft cluster (health 530): it cannot be seeded"));
        if (r.status == 472 || r.status == 473)
          throw Error(cat(vault_.describe(), " is a ", r.status == 472 ? "DR secondary" : "performance standby",
                          " (health ", r.status, "): point vault-seed at the active node"));
        if (r.status != 429 && r.status != 474) {
          if (!version_noted_ && !h->version.empty() && h->version.rfind(kTestedVersion, 0) != 0)
            log::warn(cat(vault_.describe(), " is Vault ", h->version, "; vault-seed was checked against Vault 2.0.x "
                          "(the platform pins hashicorp/vault:2.0.4)"));
          version_noted_ = true;
          return *h;
        }
        reason = cat("Vault answers as a standby (health ", r.status, "): waiting for it to become active");
      } else if (r.from_api_server) {
        reason = vault_.explain(r, "sys/health");
        if (r.status == 401 || r.status == 403) throw Error(reason, kExitUsage);  // waiting will not fix credentials
      } else {
        reason = cat(vault_.describe(), " answered sys/health with HTTP ", r.status, " and a body that is not "
                     "Vault's: is this Vault?");
        if (r.status < 500) throw Error(reason);
      }
    } catch (const http::HttpError& e) {
      if (http::is_tls_failure(e.failure())) throw Error(cat(vault_.describe(), ": ", e.what()), kExitUsage);
      if (e.failure() == http::Failure::kOther || e.failure() == http::Failure::kTooLarge)
        throw Error(cat(vault_.describe(), ": ", e.what()));
      reason = e.what();
    }
    if (reason != last) {
      log::info(cat("waiting for Vault: ", reason));
      last = reason;
    }
    try {
      vault_.pause(delay, "waiting for Vault to answer");
    } catch (const DeadlineError&) {
      throw DeadlineError(cat("Vault did not come up before the time given ran out (--timeout); last: ", last));
    }
    delay = std::min(milliseconds(2'000), delay * 2);
  }
}

void Lifecycle::record_cluster(const Health& health) {
  if (!material_ || health.sealed || health.cluster_id.empty()) return;
  if (!material_->cluster_id.empty() && material_->cluster_id != health.cluster_id)
    throw Error(cat("the init file ", spec_.init.file, " belongs to Vault cluster ", material_->cluster_id,
                    ", but ", vault_.describe(), " is cluster ", health.cluster_id,
                    ": wrong --init-file/--cluster, or Vault was rebuilt from another cluster's storage"));
  if (material_->cluster_id.empty() && !options_.plan) {
    InitFileLock lock(spec_.init.file);
    auto current = read_init_file(spec_.init.file);
    if (current && current->cluster_id.empty()) {
      current->cluster_id = health.cluster_id;
      current->cluster_name = health.cluster_name;
      update_init_file(spec_.init.file, *current);
    }
    if (current) material_ = current;
  }
}

// ---------------------------------------------------------------- init

bool Lifecycle::ensure_initialized(Health& health) {
  if (health.initialized) {
    // A run initialising Vault at this moment saves its init file a few milliseconds after its
    // sys/init: give it that long before calling the file missing.
    if (!material_ && options_.unseal_keys.empty() && health.sealed && !options_.plan)
      init_file_appears(milliseconds(3'000));
    if (!material_ && options_.unseal_keys.empty() && health.sealed)
      throw Error(cat(vault_.describe(), " is sealed and there is no init file at ", spec_.init.file,
                      ": give the right one (--init-file, --cluster or --state-dir), or unseal it by hand "
                      "(vault operator unseal, or --unseal-keys-stdin) and run again"));
    note("init", spec_.init.file, Action::kUnchanged, cat("Vault ", health.version, " is initialised"));
    return true;
  }
  if (options_.unseal_only)
    throw Error(cat(vault_.describe(), " is not initialised: run vault-seed without --unseal-only to initialise it"));
  if (material_) {
    const std::string old = cat("the init file ", spec_.init.file, " is from an earlier Vault (cluster ",
                                material_->cluster_id.empty() ? std::string("unknown") : material_->cluster_id,
                                material_->created.empty() ? std::string() : ", initialised " + material_->created,
                                ")");
    if (options_.plan) {
      note("init", spec_.init.file, Action::kCreate,
           cat("Vault is not initialised; ", old, " would be moved aside"));
      return false;
    }
    InitFileLock lock(spec_.init.file);
    if (read_init_file(spec_.init.file)) {
      const std::string moved = move_init_file_aside(spec_.init.file);
      log::warn(cat("Vault is not initialised (a new cluster?); ", old, ": moved aside to ", moved,
                    " (kept, never reused)"));
    }
    material_.reset();
  }
  if (options_.plan) {
    note("init", spec_.init.file, Action::kCreate,
         cat(spec_.init.shares, " shares, threshold ", spec_.init.threshold, ", init file ", spec_.init.file));
    return false;
  }
  initialize();
  health = wait_for_vault();
  return true;
}

void Lifecycle::initialize() {
  check_writable(spec_.init.file);
  std::vector<std::string> pgp;
  for (const auto& f : spec_.init.pgp_key_files) pgp.push_back(pgp_key_for_vault(f));
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  w.Key("secret_shares");
  w.Int(spec_.init.shares);
  w.Key("secret_threshold");
  w.Int(spec_.init.threshold);
  if (!pgp.empty()) {
    w.Key("pgp_keys");
    w.StartArray();
    for (const auto& k : pgp) w.String(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
    w.EndArray();
  }
  w.EndObject();
  // Never retried: a repeated init after a lost answer would find Vault initialised and the
  // shares gone.
  Reply r = vault_.call("PUT", "sys/init", std::string(b.GetString(), b.GetSize()),
                        CallOptions{false, false, "initialising Vault (sys/init)"});
  if (r.status == 400 && r.has_error(texts::kAlreadyInitialized)) {
    wait_for_init_file_from_another_run();
    return;
  }
  if (!r.ok())
    throw VaultError(cat(vault_.explain(r, "initialising Vault"), "; spec ", spec_.at(spec_.init.where)),
                     r.status, r.status == 400 ? kExitUsage : kExitFailed);
  InitMaterial m;
  const auto list = [&](const char* name) {
    std::vector<std::string> out;
    if (const auto* v = member(&r.json, name); v != nullptr && v->IsArray())
      for (const auto& e : v->GetArray())
        if (e.IsString()) out.emplace_back(e.GetString(), e.GetStringLength());
    return out;
  };
  m.keys_b64 = list("keys_base64");
  m.keys_hex = list("keys");
  m.shares = spec_.init.shares;
  m.threshold = spec_.init.threshold;
  m.root_token = string_member(&r.json, "root_token");
  m.created = format_rfc3339(Clock::now());
  m.vault = vault_.describe();
  m.pgp_encrypted = !pgp.empty();
  if (m.keys_b64.size() != static_cast<size_t>(spec_.init.shares) || m.root_token.empty())
    throw Error(cat(vault_.describe(), " answered sys/init without the ", spec_.init.shares,
                    " shares and the root token: Vault is initialised but nothing usable came back"));
  try {
    create_init_file(spec_.init.file, m);
  } catch (const Error& e) {
    // The shares exist only in this process now. One more try under another name, then say so.
    const std::string rescue = cat(spec_.init.file, ".rescue-", ::getpid());
    try {
      create_init_file(rescue, m);
      throw Error(cat("Vault was initialised but the init file could not be written (", e.what(),
                      "); the material was saved to ", rescue, " instead: rename it to ", spec_.init.file));
    } catch (const Error& again) {
      if (std::string(again.what()).find(rescue) != std::string::npos) throw;
      throw Error(cat("Vault was initialised but its unseal shares and root token could not be saved (", e.what(),
                      "; ", again.what(), "). They are lost when this process ends: Vault's storage must be "
                      "wiped and initialised again"));
    }
  }
  material_ = m;
  initialized_now_ = true;
  note("init", spec_.init.file, Action::kCreate,
       cat(m.shares, " shares, threshold ", m.threshold, m.pgp_encrypted ? ", shares encrypted to the PGP keys" : "",
           "; init file written 0600"));
}

void Lifecycle::wait_for_init_file_from_another_run() {
  log::info(cat(vault_.describe(), " was initialised by another run at the same moment: waiting for its init file ",
                spec_.init.file));
  if (init_file_appears(milliseconds(20'000))) return;
  throw Error(cat(vault_.describe(), " was initialised by someone else while this run tried to (\"",
                  texts::kAlreadyInitialized, "\"), and no init file appeared at ", spec_.init.file,
                  ": whoever initialised it holds the unseal keys"));
}

bool Lifecycle::init_file_appears(milliseconds within) {
  const auto give_up = Steady::now() + std::min(vault_.remaining(), within);
  while (true) {
    load_init_file();
    if (material_) return true;
    if (Steady::now() >= give_up) return false;
    std::this_thread::sleep_for(milliseconds(50));
  }
}

// ---------------------------------------------------------------- unseal

std::vector<std::string> Lifecycle::unseal_keys() const {
  if (!options_.unseal_keys.empty()) return options_.unseal_keys;
  if (!material_) return {};
  if (material_->pgp_encrypted)
    throw Error(cat("the init file's shares are encrypted to the spec's PGP keys: their holders decrypt them "
                    "(base64 -d | gpg --decrypt) and give them with --unseal-keys-stdin, one per line, or unseal "
                    "with `vault operator unseal`"));
  return !material_->keys_hex.empty() ? material_->keys_hex : material_->keys_b64;
}

bool Lifecycle::ensure_unsealed(Health& health) {
  if (!health.sealed) {
    note("unseal", "sys/seal", Action::kUnchanged, "unsealed");
    record_cluster(health);
    return true;
  }
  if (options_.plan) {
    note("unseal", "sys/seal", Action::kUpdate,
         "sealed: the run would unseal it from the init file; nothing else can be read while it is sealed");
    return false;
  }
  const auto keys = unseal_keys();
  if (keys.empty())
    throw Error(cat(vault_.describe(), " is sealed and vault-seed has no unseal keys (no init file at ",
                    spec_.init.file, ")"));
  unseal(keys);
  health = wait_for_vault();
  if (health.sealed) throw Error(cat(vault_.describe(), " is still sealed after the threshold of shares was given"));
  record_cluster(health);
  return true;
}

void Lifecycle::unseal(const std::vector<std::string>& keys) {
  const Reply status = vault_.get("sys/seal-status", CallOptions{true, false, "reading sys/seal-status"});
  const long progress_before = long_member(&status.json, "progress");
  bool reset_done = false;
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string body = json_object({{"key", keys[i]}});
    Reply r;
    // A share sent twice is not counted twice, so a transport failure is simply sent again.
    for (int attempt = 0;; ++attempt) {
      try {
        r = vault_.call("PUT", "sys/unseal", body, CallOptions{false, false, "unsealing Vault (sys/unseal)"});
        break;
      } catch (const http::HttpError& e) {
        if (attempt >= 3 || !e.retryable()) {
          wipe(body);
          throw;
        }
        vault_.pause(milliseconds(500), "unsealing Vault");
      }
    }
    wipe(body);
    if ((r.status == 400 || r.status == 500) && r.has_error(texts::kWrongKeys)) {
      if (progress_before > 0 && !reset_done) {
        // Someone else's half-finished unseal took part; start over with only ours.
        log::warn("an unseal in progress (someone else's shares) did not combine with the init file's: reset it");
        vault_.call("PUT", "sys/unseal", R"({"reset":true})", CallOptions{false, false, "resetting the unseal progress"});
        reset_done = true;
        i = static_cast<size_t>(-1);  // the loop's ++i starts again at the first share
        continue;
      }
      throw Error(cat("the unseal keys from ", options_.unseal_keys.empty() ? spec_.init.file : "stdin",
                      " do not unseal ", vault_.describe(), " (Vault: ", r.error_text(),
                      "): they belong to another Vault (an init file from an earlier cluster?) or were changed. "
                      "Vault reset its unseal progress; nothing else happened"));
    }
    if (!r.ok()) throw VaultError(vault_.explain(r, "unsealing Vault"), r.status);
    if (!bool_member(&r.json, "sealed", true)) {
      note("unseal", "sys/seal", Action::kUpdate, cat("unsealed with ", i + 1, " shares"));
      return;
    }
  }
  throw Error(cat("the ", keys.size(), " unseal keys given did not reach Vault's threshold (", spec_.init.threshold,
                  " in the spec): repeated shares count once"));
}

// ---------------------------------------------------------------- tokens

bool Lifecycle::try_token(const std::string& token, const std::string& source, bool explicit_choice) {
  if (token.empty()) return false;
  vault_.set_token(token);
  const Reply r = vault_.get("auth/token/lookup-self", CallOptions{true, true, "looking up the token", false});
  if (r.status == 403) {
    if (explicit_choice)
      throw Error(cat(source, " is not a valid token for ", vault_.describe(), " (", r.error_text(),
                      "): expired, revoked, or for another Vault"));
    log::warn(cat(source, " is not valid for ", vault_.describe(), " (", r.error_text(), "); trying the next token"));
    vault_.set_token("");
    return false;
  }
  if (!r.ok()) throw VaultError(vault_.explain(r, "looking up the token"), r.status);
  const auto* data = r.data();
  token_is_root_ = false;
  if (const auto* policies = member(data, "policies"); policies != nullptr && policies->IsArray())
    for (const auto& p : policies->GetArray())
      if (p.IsString() && std::string(p.GetString()) == "root") token_is_root_ = true;
  token_ttl_ = long_member(data, "ttl");
  token_period_ = long_member(data, "period");
  token_source_ = source;
  vault_.set_token_refresher({});
  if (material_ && (token == material_->root_token || token == material_->seed_token)) {
    // A concurrent run may revoke the init file's root token once it has saved a seed token.
    vault_.set_token_refresher([this] { return token_from_init_file(); });
  }
  return true;
}

std::string Lifecycle::token_from_init_file() {
  InitFileLock lock(spec_.init.file);
  auto current = read_init_file(spec_.init.file);
  if (!current || current->seed_token.empty()) return "";
  material_ = current;
  token_source_ = "the seed token in the init file";
  token_is_root_ = false;
  token_is_seed_ = true;
  return current->seed_token;
}

void Lifecycle::choose_token(bool spec_run) {
  token_is_seed_ = false;
  // Read again: a concurrent run may have saved a seed token (and revoked the root token) since.
  if (material_ && !initialized_now_)
    if (auto current = read_init_file(spec_.init.file)) material_ = current;
  // A Vault initialised by this run knows no token but the root token it just returned.
  if (material_ && initialized_now_ && try_token(material_->root_token, "the root token of this run's init", false))
    return;
  if (options_.env_token && try_token(*options_.env_token, "VAULT_TOKEN", true)) return;
  if (options_.file_token && try_token(*options_.file_token, "the token in ~/.vault-token", false)) return;
  if (material_ && try_token(material_->seed_token, "the seed token in the init file", false)) {
    token_is_seed_ = true;
    renew_if_needed();
    if (spec_run && !seed_policy_current()) {
      if (options_.plan) {
        seed_policy_stale_ = true;
        note("token", "root (generated)", Action::kCreate,
             "the spec changed since vault-seed's policy was written: the run would generate a root token from the "
             "unseal keys, update the policy and revoke the root token");
        return;
      }
      const std::string seed = material_->seed_token;
      generated_root_ = generate_root(seed, [&] {
        vault_.set_token(seed);
        return !seed_policy_current();
      });
      if (generated_root_.empty()) {
        vault_.set_token(seed);  // another run brought vault-seed's policy up to date meanwhile
        return;
      }
      vault_.set_token(generated_root_);
      token_source_ = "a root token generated from the unseal keys for this run";
      token_is_root_ = true;
    }
    return;
  }
  if (material_ && !material_->seed_token.empty()) invalid_seed_token_ = material_->seed_token;
  if (material_ && try_token(material_->root_token, "the root token in the init file", false)) return;
  if (material_ && !material_->pgp_encrypted && !options_.plan) {
    // Vault 2.0 authenticates sys/generate-root: this works without a token only where the
    // server allows it (enable_unauthenticated_access = ["generate-root"]).
    try {
      generated_root_ = generate_root("", [] { return true; });
      vault_.set_token(generated_root_);
      token_source_ = "a root token generated from the unseal keys for this run";
      token_is_root_ = true;
      return;
    } catch (const VaultError& e) {
      if (e.status() != 403) throw;
    }
  }
  throw Error(cat(vault_.describe(), " is initialised but vault-seed has no valid token: VAULT_TOKEN is ",
                  options_.env_token ? "invalid" : "unset", ", ~/.vault-token ", options_.file_token ? "is invalid" : "is absent",
                  material_ ? ", and the init file's tokens are expired or revoked" : cat(", and there is no init file at ", spec_.init.file),
                  ". Vault 2.0 needs a valid token even to generate a root token from the unseal keys: log in "
                  "(vault login, or VAULT_TOKEN) with a token that may do what the spec manages, and run again"));
}

void Lifecycle::renew_if_needed() {
  // A periodic token lives while it is renewed; renewing only past half its period keeps a
  // second run free of writes.
  if (token_period_ <= 0 || token_ttl_ * 2 > token_period_ || options_.plan) return;
  const Reply r = vault_.call("PUT", "auth/token/renew-self", "{}", CallOptions{true, true, "renewing the seed token", false});
  if (!r.ok()) log::warn(vault_.explain(r, "renewing the seed token"));
  else note("token", "vault-seed", Action::kUpdate, "seed token renewed");
}

bool Lifecycle::seed_policy_current() {
  const Reply r = vault_.get(cat("sys/policies/acl/", kSeedPolicyName), CallOptions{true, true, "reading policy vault-seed"});
  if (!r.ok()) return false;
  return string_member(r.data(), "policy") == seed_policy(spec_);
}

std::string Lifecycle::generate_root(const std::string& auth_token, const std::function<bool()>& still_needed) {
  const auto keys = unseal_keys();
  if (keys.empty()) throw Error("a root token is needed and vault-seed has no unseal keys to generate one");
  const std::string saved = vault_.token();
  const CallOptions once{false, !auth_token.empty(), "generating a root token (sys/generate-root)"};
  const auto fail = [&](const Reply& r) {
    vault_.set_token(saved);
    return VaultError(vault_.explain(r, "generating a root token"), r.status);
  };
  // Vault runs one root generation at a time: wait (boundedly) for one in progress, which is
  // another vault-seed run most of the time.
  const auto give_up = Steady::now() + std::min(vault_.remaining(), milliseconds(30'000));
  Reply start;
  bool told = false;
  while (true) {
    vault_.set_token(auth_token);
    Reply status = vault_.get("sys/generate-root/attempt", CallOptions{true, !auth_token.empty(), once.what});
    if (!status.ok()) throw fail(status);
    if (!bool_member(&status.json, "started", false)) {
      start = vault_.call("PUT", "sys/generate-root/attempt", "{}", once);
      if (start.ok()) break;
      if (!(start.status == 400 && start.has_error("already in progress"))) throw fail(start);
    }
    if (Steady::now() > give_up) {
      vault_.set_token(saved);
      throw Error(cat("a root token generation has been in progress on ", vault_.describe(),
                      " for 30 s (someone else's, or a run that was killed): check with `vault operator "
                      "generate-root -status`, cancel it with `vault operator generate-root -cancel` if nobody needs "
                      "it, and run again"));
    }
    if (!told) log::info("another root token generation is in progress (a concurrent vault-seed run?): waiting for it");
    told = true;
    vault_.pause(milliseconds(250), "waiting for another root token generation to end");
    if (!still_needed()) {
      vault_.set_token(saved);
      return "";
    }
  }
  const std::string nonce = string_member(&start.json, "nonce");
  std::string otp = string_member(&start.json, "otp");
  std::string encoded;
  try {
    for (const auto& key : keys) {
      std::string body = json_object({{"key", key}, {"nonce", nonce}});
      Reply r = vault_.call("PUT", "sys/generate-root/update", body, once);
      wipe(body);
      if (!r.ok()) throw fail(r);
      if (bool_member(&r.json, "complete", false)) {
        encoded = string_member(&r.json, "encoded_token");
        if (encoded.empty()) encoded = string_member(&r.json, "encoded_root_token");
        break;
      }
    }
    if (encoded.empty()) throw Error("the unseal keys did not complete the root token generation");
  } catch (...) {
    try {
      vault_.call("DELETE", "sys/generate-root/attempt", "", once);  // do not leave a half attempt behind
    } catch (const std::exception& e) {
      log::warn(cat("could not cancel the root token generation: ", e.what()));
    }
    wipe(otp);
    vault_.set_token(saved);
    throw;
  }
  std::string token = decode_generated_root(encoded, otp);
  wipe(otp);
  wipe(encoded);
  // Exchange it for an orphan root-policy token that expires with the run (plus a minute): a
  // run killed midway, or out of time before its last request, leaves no root token behind.
  vault_.set_token(token);
  const long ttl = static_cast<long>(vault_.remaining().count() / 1000) + 60;
  std::string body = cat(R"({"policies":["root"],"no_parent":true,"renewable":false,"display_name":"vault-seed-run","ttl":")",
                         ttl, R"(s"})");
  const Reply r = vault_.call("POST", "auth/token/create", body, CallOptions{false, true, "making the run's root token", false});
  std::string short_lived = string_member(member(&r.json, "auth"), "client_token");
  if (r.ok() && !short_lived.empty()) {
    vault_.call("PUT", "auth/token/revoke-self", "{}", CallOptions{false, true, "revoking the generated root token", false});
    wipe(token);
    token = std::move(short_lived);
  } else {
    log::warn(cat("could not exchange the generated root token for one that expires (", vault_.explain(r, "auth/token/create"),
                  "); it is revoked at the end of the run"));
  }
  vault_.set_token(saved);
  note("token", "root (generated)", Action::kCreate,
       cat("from the unseal keys, for this run only (expires in ", ttl, " s); revoked at its end"));
  return token;
}

// ---------------------------------------------------------------- the end of a run

void Lifecycle::create_seed_token() {
  std::string body = R"({"policies":["vault-seed"],"no_parent":true,"renewable":true,"display_name":"vault-seed","period":")" +
                     std::string(kSeedPeriod) + R"("})";
  Reply r = vault_.call("POST", "auth/token/create", body, CallOptions{false, true, "creating vault-seed's token", false});
  if (!r.ok()) throw VaultError(vault_.explain(r, "creating vault-seed's token"), r.status);
  const auto* auth = member(&r.json, "auth");
  std::string token = string_member(auth, "client_token");
  const std::string accessor = string_member(auth, "accessor");
  if (token.empty()) throw Error("Vault created vault-seed's token but sent no client_token");
  InitFileLock lock(spec_.init.file);
  auto current = read_init_file(spec_.init.file);
  if (!current) throw Error(cat("the init file ", spec_.init.file, " disappeared during the run"));
  if (!current->seed_token.empty() && current->seed_token != invalid_seed_token_) {
    // Another run at the same moment saved one first: keep theirs, drop ours.
    const std::string saved = vault_.token();
    vault_.set_token(token);
    vault_.call("PUT", "auth/token/revoke-self", "{}", CallOptions{false, true, "revoking a duplicate seed token", false});
    vault_.set_token(saved);
    wipe(token);
    material_ = current;
    return;
  }
  current->seed_token = token;
  current->seed_token_accessor = accessor;
  update_init_file(spec_.init.file, *current);
  material_ = current;
  wipe(token);
  note("token", "vault-seed", Action::kCreate,
       cat("scoped token (policy ", kSeedPolicyName, ", periodic ", kSeedPeriod, ") saved in the init file"));
}

void Lifecycle::revoke_root_from_file() {
  const std::string root = material_->root_token;
  const std::string saved = vault_.token();
  vault_.set_token(root);
  const Reply r = vault_.call("PUT", "auth/token/revoke-self", "{}", CallOptions{false, true, "revoking the root token", false});
  vault_.set_token(saved == root ? std::string() : saved);
  if (!r.ok() && !(r.status == 403 && r.has_error(texts::kInvalidToken)))
    throw VaultError(vault_.explain(r, "revoking the root token"), r.status);
  InitFileLock lock(spec_.init.file);
  auto current = read_init_file(spec_.init.file);
  if (current && !current->root_token.empty()) {
    current->root_token.clear();
    current->root_token_revoked = true;
    update_init_file(spec_.init.file, *current);
  }
  material_ = current;
  note("token", "root", Action::kRevoke,
       r.ok() ? "root token revoked and removed from the init file (--keep-root-token keeps it)"
              : "the init file's root token was already invalid: removed from the file");
}

void Lifecycle::finish(bool seed_policy_written) {
  if (options_.plan || !material_) return;
  if (auto current = read_init_file(spec_.init.file)) material_ = current;  // a concurrent run may have updated it
  if (token_is_root_ && !initialized_now_ && invalid_seed_token_.empty() && !material_->seed_token.empty()) {
    // A run with a root token of its own (VAULT_TOKEN) never tried the saved seed token: check
    // it now, so that an expired or revoked one is replaced.
    const std::string saved = vault_.token();
    vault_.set_token(material_->seed_token);
    const Reply r = vault_.get("auth/token/lookup-self", CallOptions{true, true, "checking the seed token", false});
    vault_.set_token(saved);
    if (r.status == 403) invalid_seed_token_ = material_->seed_token;
  }
  const bool seed_missing = material_->seed_token.empty() || material_->seed_token == invalid_seed_token_;
  if (seed_missing && token_is_root_) {
    if (!seed_policy_written) {
      log::warn("vault-seed's own policy could not be written: no seed token made, the root token kept for the next run");
      return;
    }
    create_seed_token();
  }
  if (!material_->root_token.empty() && !options_.keep_root_token && !material_->seed_token.empty() &&
      material_->seed_token != invalid_seed_token_)
    revoke_root_from_file();
  revoke_generated_root();
}

void Lifecycle::revoke_generated_root() {
  if (generated_root_.empty()) return;
  vault_.set_token(generated_root_);
  const Reply r = vault_.call("PUT", "auth/token/revoke-self", "{}", CallOptions{false, true, "revoking the generated root token", false});
  vault_.set_token("");
  wipe(generated_root_);
  if (!r.ok()) {
    log::error(cat(vault_.explain(r, "revoking the generated root token"),
                   ": revoke it by hand (vault token revoke -self with it is no longer possible here; use "
                   "`vault token revoke -accessor` from `vault list auth/token/accessors`)"));
    return;
  }
  note("token", "root (generated)", Action::kRevoke, "the run's root token revoked");
}

}  // namespace sf::vs
