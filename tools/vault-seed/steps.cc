#include "vault-seed/steps.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <optional>

#include "common/log.h"
#include "common/redact.h"
#include "common/strings.h"
#include "vault-seed/key_source.h"
#include "vault-seed/secret_gen.h"
#include "vault-seed/seed_policy.h"
#include "vault-seed/vault_objects.h"
#include "vault-seed/vault_path.h"

namespace sf::vs {
namespace {

// An item cannot be done; carries the text of its error item.
class ItemError : public Error {
 public:
  using Error::Error;
};

// A plan cannot read an item: the seed token's policy predates the spec (the run itself
// generates a root token first).
class UnreadableInPlan : public Error {
 public:
  using Error::Error;
};

const rapidjson::Value& data_or_empty(const Reply& r) {
  static const rapidjson::Value empty(rapidjson::kObjectType);
  return r.data() != nullptr ? *r.data() : empty;
}

std::optional<long> version_of(const rapidjson::Value* object) {
  const auto* v = member(object, "version");
  if (v != nullptr && v->IsInt64()) return static_cast<long>(v->GetInt64());
  return std::nullopt;
}

class Steps {
 public:
  explicit Steps(StepContext& c) : c_(c) {}

  // ---- shared helpers

  void item(const std::string& step, const std::string& path, Action action, const std::string& detail,
            std::optional<long> version = std::nullopt) {
    c_.report.add(Item{step, path, action, version, detail});
  }

  void error(const std::string& step, const std::string& path, const Where& where, const std::string& message) {
    item(step, path, Action::kError, cat(c_.spec.at(where), ": ", message));
  }

  // A reply that is not a success becomes an ItemError with Vault's words and what to do.
  void require_ok(const Reply& r, const std::string& what) {
    if (r.ok()) return;
    std::string message = c_.vault.explain(r, what);
    if (r.status == 403 && !r.from_api_server)
      message += cat(". The token in use (", c_.token_source, ") may not do this",
                     c_.token_source.find("seed token") != std::string::npos
                         ? ": its policy covers what the spec managed when vault-seed last wrote it; a run "
                           "without --plan updates it from the unseal keys"
                         : "");
    throw ItemError(message);
  }

  // vault-seed treats every warning in an answer as an error of the spec item.
  void require_no_warnings(const Reply& r, const std::string& what) {
    if (r.warnings.empty()) return;
    std::string text;
    for (const auto& w : r.warnings) text += cat(text.empty() ? "" : " | ", w);
    throw ItemError(cat("Vault answered ", what, " with a warning (vault-seed treats warnings as errors): ",
                        printable(text, 400)));
  }

  Reply read(const std::string& path, const std::string& what) {
    Reply r = c_.vault.get(path, CallOptions{true, true, what});
    if (c_.plan && c_.seed_policy_stale && r.status == 403 && !r.from_api_server) throw UnreadableInPlan(what);
    if (r.status != 404) require_ok(r, what);
    require_no_warnings(r, what);
    return r;
  }

  Reply write(const std::string& method, const std::string& path, std::string body, const std::string& what) {
    Reply r = c_.vault.call(method, path, body, CallOptions{true, true, what});
    wipe(body);
    require_ok(r, what);
    require_no_warnings(r, what);
    return r;
  }

  // Runs one item; an ItemError (or a source problem) becomes its error line.
  template <typename F>
  bool attempt(const std::string& step, const std::string& path, const Where& where, F&& body) {
    try {
      body();
      return true;
    } catch (const UnreadableInPlan&) {
      item(step, path, Action::kCreate,
           "new in the spec, it seems: the seed token may read it only once the run has updated vault-seed's "
           "policy (the run creates it, or updates it if it differs)");
    } catch (const ItemError& e) {
      error(step, path, where, e.what());
    } catch (const SourceError& e) {
      error(step, path, where, e.what());
    } catch (const VaultError& e) {
      error(step, path, where, e.what());
    }
    return false;
  }

  // An engine-like thing (audit device, secrets engine, auth method) found under `key` in a
  // listing: unchanged when `problem` finds nothing wrong with it, enabled when absent.
  // Returns whether it was (or, in a plan, would be) enabled.
  template <typename Problem>
  bool ensure(const std::string& step, const std::string& shown, const std::string& listing_path,
              const rapidjson::Value* listing, const std::string& key, Problem&& problem, const std::string& method,
              const std::string& path, const std::string& body, const std::string& detail) {
    if (const auto* existing = member(listing, key.c_str()); existing != nullptr) {
      const std::string p = problem(*existing);
      if (!p.empty()) throw ItemError(p);
      item(step, shown, Action::kUnchanged, detail);
      return false;
    }
    if (!c_.plan) {
      const std::string what = "enabling " + shown;
      Reply r = c_.vault.call(method, path, body, CallOptions{true, true, what});
      if (r.status == 400 && (r.has_error(texts::kPathInUse) || r.has_error("path already in use"))) {
        // Enabled by someone else (a concurrent run) between the listing and this write.
        const Reply again = read(listing_path, "listing " + listing_path + " again");
        if (const auto* existing = member(again.data(), key.c_str()); existing != nullptr) {
          const std::string p = problem(*existing);
          if (!p.empty()) throw ItemError(p);
          item(step, shown, Action::kUnchanged, detail + " (enabled by someone else meanwhile)");
          return false;
        }
      }
      require_ok(r, what);
      require_no_warnings(r, what);
    }
    item(step, shown, Action::kCreate, detail);
    return true;
  }

  // ---- audit devices

  void audit() {
    if (c_.spec.audit.empty()) return;
    std::optional<Reply> list;
    const Where& first = c_.spec.audit.front().where;
    if (!attempt("audit", "sys/audit", first, [&] { list = read("sys/audit", "listing audit devices"); })) return;
    for (const auto& device : c_.spec.audit) {
      const std::string shown = device.path + "/";
      attempt("audit", shown, device.where, [&] {
        ensure("audit", shown, "sys/audit", list->data(), shown, [&](const rapidjson::Value& e) { return audit_problem(device, e); },
               "PUT", join_path("sys/audit", device.path), audit_body(device), device.type);
      });
    }
  }

  // ---- secrets engines

  void mounts() {
    if (c_.spec.mounts.empty()) return;
    std::optional<Reply> list;
    if (!attempt("mount", "sys/mounts", c_.spec.mounts.front().where,
                 [&] { list = read("sys/mounts", "listing secrets engines"); })) {
      for (const auto& m : c_.spec.mounts) c_.unusable_mounts.insert(m.path);
      return;
    }
    for (const auto& mount : c_.spec.mounts) {
      const std::string shown = mount.path + "/";
      const bool ok = attempt("mount", shown, mount.where, [&] {
        if (ensure("mount", shown, "sys/mounts", list->data(), shown, [&](const rapidjson::Value& e) { return mount_problem(mount, e); },
                   "POST", join_path("sys/mounts", mount.path), mount_body(mount), "kv version 2"))
          c_.new_mounts.insert(mount.path);
      });
      if (!ok) {
        c_.unusable_mounts.insert(mount.path);
        continue;
      }
      const std::string config = join_path(mount.path, "config");
      attempt("mount", config, mount.where, [&] {
        std::vector<std::string> changes;
        if (c_.plan && c_.new_mounts.count(mount.path)) {
          changes = {cat("cas_required -> ", mount.cas_required ? "true" : "false")};
        } else {
          const Reply r = read(config, "reading " + config);
          changes = kv_config_changes(mount, data_or_empty(r));
        }
        if (changes.empty()) {
          item("mount", config, Action::kUnchanged, cat("cas_required=", mount.cas_required ? "true" : "false"));
          return;
        }
        if (!c_.plan) write("POST", config, kv_config_body(mount), "configuring " + config);
        std::string detail;
        for (const auto& ch : changes) detail += cat(detail.empty() ? "" : ", ", ch);
        item("mount", config, c_.new_mounts.count(mount.path) ? Action::kCreate : Action::kUpdate, detail);
      });
    }
  }

  // ---- policies

  void policy(const std::string& name, const std::string& text, const Where& where, bool own) {
    const std::string path = join_path("sys/policies/acl", name);
    const std::string shown = "policy " + name;
    attempt("policy", shown, where, [&] {
      const Reply r = read(path, "reading policy " + name);
      Action action = Action::kCreate;
      if (r.status == 200) {
        const auto* stored = member(r.data(), "policy");
        if (stored != nullptr && stored->IsString() && std::string(stored->GetString(), stored->GetStringLength()) == text) {
          if (own) c_.seed_policy_written = true;
          item("policy", shown, Action::kUnchanged, own ? "vault-seed's own token policy" : "");
          return;
        }
        action = Action::kUpdate;
      }
      if (!c_.plan) {
        rapidjson::StringBuffer b;
        rapidjson::Writer<rapidjson::StringBuffer> w(b);
        w.StartObject();
        w.Key("policy");
        w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
        w.EndObject();
        write("PUT", path, std::string(b.GetString(), b.GetSize()), "writing policy " + name);
        if (own) c_.seed_policy_written = true;
      }
      item("policy", shown, action, own ? "vault-seed's own token policy, made from the spec" : "");
    });
  }

  void policies() {
    for (const auto& p : c_.spec.policies) policy(p.name, p.text, p.where, false);
    policy(kSeedPolicyName, c_.seed_policy_text, c_.spec.init.where, true);
  }

  // ---- auth methods and roles

  KubernetesConfigValues config_values(const KubernetesConfigSpec& config) {
    KubernetesConfigValues v;
    if (config.kubernetes_ca_cert) v.ca_cert = read_source(*config.kubernetes_ca_cert, c_.getenv).get();
    if (config.token_reviewer_jwt) v.reviewer_jwt = read_source(*config.token_reviewer_jwt, c_.getenv).get();
    return v;
  }

  void auth() {
    if (c_.spec.auth.empty()) return;
    std::optional<Reply> list;
    if (!attempt("auth", "sys/auth", c_.spec.auth.front().where, [&] { list = read("sys/auth", "listing auth methods"); }))
      return;
    for (const auto& a : c_.spec.auth) {
      const std::string shown = cat("auth/", a.path, "/");
      bool created = false;
      const bool ok = attempt("auth", shown, a.where, [&] {
        created = ensure("auth", shown, "sys/auth", list->data(), a.path + "/",
                         [&](const rapidjson::Value& e) { return auth_problem(a, e); }, "POST",
                         join_path("sys/auth", a.path), auth_body(a), a.type);
      });
      if (!ok) {
        for (const auto& role : a.roles)
          error("role", cat("auth/", a.path, "/role/", role.name), role.where, cat("skipped: ", shown, " is not usable"));
        continue;
      }
      const std::string config = join_path("auth", a.path, "config");
      attempt("auth", config, a.config.where, [&] {
        KubernetesConfigValues values = config_values(a.config);
        std::vector<std::string> changes;
        Action action = Action::kUpdate;
        if (c_.plan && created) {
          action = Action::kCreate;
          changes = {"kubernetes_host " + a.config.kubernetes_host};
        } else {
          const Reply r = read(config, "reading " + config);
          if (r.status == 404) {
            action = Action::kCreate;
            changes = {"kubernetes_host " + a.config.kubernetes_host};
          } else {
            changes = k8s_config_changes(a.config, values, data_or_empty(r));
          }
        }
        if (changes.empty()) {
          wipe(values.reviewer_jwt);
          item("auth", config, Action::kUnchanged, "kubernetes_host " + a.config.kubernetes_host);
          return;
        }
        if (!c_.plan) write("POST", config, k8s_config_body(a.config, values), "configuring " + config);
        wipe(values.reviewer_jwt);
        std::string detail;
        for (const auto& ch : changes) detail += cat(detail.empty() ? "" : ", ", ch);
        item("auth", config, action, detail);
      });
      for (const auto& role : a.roles) {
        const std::string path = join_path("auth", a.path, "role/" + role.name);
        attempt("role", path, role.where, [&] {
          std::vector<std::string> changes;
          Action action = Action::kUpdate;
          if (c_.plan && created) {
            action = Action::kCreate;
          } else {
            const Reply r = read(path, "reading role " + role.name);
            if (r.status == 404) action = Action::kCreate;
            else changes = role_changes(role, data_or_empty(r));
          }
          const std::string summary = cat("service account ", join_names(role.bound_service_account_namespaces), "/",
                                          join_names(role.bound_service_account_names), ", audience ", role.audience,
                                          ", policies ", join_names(role.token_policies));
          if (action == Action::kUpdate && changes.empty()) {
            item("role", path, Action::kUnchanged, summary);
            return;
          }
          if (!c_.plan) write("POST", path, role_body(role), "writing role " + role.name);
          std::string detail = summary;
          if (!changes.empty()) {
            detail.clear();
            for (const auto& ch : changes) detail += cat(detail.empty() ? "" : ", ", ch);
          }
          item("role", path, action, detail);
        });
      }
    }
  }

  // ---- secrets

  std::vector<std::string> key_names(const SecretSpec& s) {
    std::vector<std::string> names;
    for (const auto& [k, source] : s.keys) names.push_back(k);
    return names;
  }

  // Values for `keys` (generated, or read from their files and variables).
  std::map<std::string, std::string> fresh_values(const SecretSpec& s, const std::vector<std::string>& keys) {
    std::map<std::string, std::string> values;
    for (const auto& [name, source] : s.keys) {
      if (std::find(keys.begin(), keys.end(), name) == keys.end()) continue;
      try {
        values[name] = read_source(source, c_.getenv).get();
      } catch (const SourceError& e) {
        for (auto& [k, v] : values) wipe(v);
        throw SourceError(cat("key ", name, ": ", e.what(), "; nothing was written for this secret"));
      }
    }
    return values;
  }

  static std::map<std::string, std::string> existing_values(const rapidjson::Value* data) {
    std::map<std::string, std::string> out;
    if (data == nullptr || !data->IsObject()) return out;
    for (const auto& m : data->GetObject())
      if (m.value.IsString()) out[m.name.GetString()] = std::string(m.value.GetString(), m.value.GetStringLength());
    return out;
  }

  static void wipe_all(std::map<std::string, std::string>& values) {
    for (auto& [k, v] : values) wipe(v);
    values.clear();
  }

  // Writes `values` with check-and-set `cas`; returns Vault's answer (CAS mismatch included).
  Reply put_secret(const std::string& data_path, long cas, std::map<std::string, std::string>& values,
                   const std::string& what) {
    std::string body = kv_write_body(cas, values);
    Reply r = c_.vault.call("POST", data_path, body, CallOptions{true, true, what});
    wipe(body);
    return r;
  }

  void secret(const SecretSpec& s) {
    const std::string full = s.full_path();
    const std::string data_path = join_path(s.mount, "data", s.path);
    const std::vector<std::string> names = key_names(s);
    attempt("secret", full, s.where, [&] {
      if (c_.unusable_mounts.count(s.mount)) throw ItemError(cat("skipped: mount ", s.mount, "/ is not usable"));
      const bool rotating = c_.rotate.count(full) > 0;
      if (c_.plan && c_.new_mounts.count(s.mount)) {
        plan_create(s, names);
        return;
      }
      const Reply r = read(data_path, "reading " + full);
      const auto* data = r.data();
      const auto* metadata = member(data, "metadata");
      if (r.status == 404 && metadata == nullptr) {
        create(s, data_path, names);
        return;
      }
      const long version = version_of(metadata).value_or(0);
      if (r.status == 404) {
        // Its current version is deleted or destroyed: cas=0 keeps failing while the metadata exists.
        const auto* destroyed = member(metadata, "destroyed");
        const bool gone = destroyed != nullptr && destroyed->IsBool() && destroyed->GetBool();
        if (rotating) {
          update(s, data_path, version, {}, names, cat("rotated (version ", version, " was ", gone ? "destroyed" : "deleted", ")"));
          return;
        }
        throw ItemError(cat("its current version ", version, " is ", gone ? "destroyed" : "deleted (soft delete)",
                            ", so it cannot be created again while its metadata exists. Either restore it: `vault kv "
                            "undelete -mount=", s.mount, " -versions=", version, " ", s.path,
                            "` (not possible once destroyed), or remove it for good: `vault kv metadata delete -mount=",
                            s.mount, " ", s.path, "`, or write new values: vault-seed --rotate ", full));
      }
      auto existing = existing_values(member(data, "data"));
      if (rotating) {
        update(s, data_path, version, std::move(existing), names, "rotated: new values for " + join_names(names));
        return;
      }
      std::vector<std::string> missing;
      for (const auto& n : names)
        if (existing.find(n) == existing.end()) missing.push_back(n);
      if (!missing.empty()) {
        update(s, data_path, version, std::move(existing), missing,
               cat("adds ", join_names(missing), " (the values it holds stay)"));
        return;
      }
      const std::string drift = drift_note(s, existing);
      wipe_all(existing);
      item("secret", full, Action::kUnchanged, drift.empty() ? "keys " + join_names(names) : drift, version);
    });
  }

  void plan_create(const SecretSpec& s, const std::vector<std::string>& names) {
    std::string problems;
    for (const auto& [name, source] : s.keys) {
      const std::string p = source_problem(source, c_.getenv);
      if (!p.empty()) problems += cat(problems.empty() ? "" : "; ", "key ", name, ": ", p);
    }
    if (!problems.empty()) throw ItemError(cat("would fail: ", problems));
    item("secret", s.full_path(), Action::kCreate, "keys " + join_names(names));
  }

  // The keys whose files or variables now hold something else than Vault (never written
  // without --rotate: an existing secret is not overwritten).
  std::string drift_note(const SecretSpec& s, const std::map<std::string, std::string>& existing) {
    std::vector<std::string> differing;
    for (const auto& [name, source] : s.keys) {
      if (source.type == SourceType::kGenerate || !source_problem(source, c_.getenv).empty()) continue;
      try {
        const SecretValue now = read_source(source, c_.getenv);
        const auto it = existing.find(name);
        if (it != existing.end() && it->second != now.get()) differing.push_back(name);
      } catch (const SourceError&) {
      }
    }
    if (differing.empty()) return "";
    return cat("keys ", join_names(differing), " differ from their ", differing.size() == 1 ? "source" : "sources",
               "; kept (an existing secret is never overwritten): vault-seed --rotate ", s.full_path(), " writes them");
  }

  void create(const SecretSpec& s, const std::string& data_path, const std::vector<std::string>& names) {
    const std::string full = s.full_path();
    if (c_.plan) {
      plan_create(s, names);
      return;
    }
    auto values = fresh_values(s, names);
    Reply r = put_secret(data_path, 0, values, "creating " + full);
    if (r.status == 400 && r.has_error(texts::kCasMismatch)) {
      // Someone wrote it between our read and our write: theirs stays (never retried into an
      // overwrite). If it holds exactly our values, our own first attempt got through.
      const Reply again = read(data_path, "reading " + full + " again");
      auto theirs = existing_values(member(again.data(), "data"));
      const auto v = version_of(member(again.data(), "metadata"));
      const bool ours = theirs == values;
      wipe_all(values);
      std::vector<std::string> missing;
      for (const auto& n : names)
        if (theirs.find(n) == theirs.end()) missing.push_back(n);
      wipe_all(theirs);
      if (ours) {
        item("secret", full, Action::kCreate, "keys " + join_names(names), v);
        return;
      }
      if (!missing.empty())
        throw ItemError(cat("created by someone else while this run was writing, without ", join_names(missing),
                            "; kept as it is: run vault-seed again to add them"));
      item("secret", full, Action::kUnchanged, "created by someone else while this run was writing; kept theirs", v);
      return;
    }
    wipe_all(values);
    require_ok(r, "creating " + full);
    require_no_warnings(r, "creating " + full);
    item("secret", full, Action::kCreate, "keys " + join_names(names), version_of(r.data()));
  }

  // A new version with cas = `version`: `keep` values plus fresh ones for `fresh_keys`.
  void update(const SecretSpec& s, const std::string& data_path, long version, std::map<std::string, std::string> keep,
              const std::vector<std::string>& fresh_keys, const std::string& detail) {
    const std::string full = s.full_path();
    if (c_.plan) {
      wipe_all(keep);
      std::string problems;
      for (const auto& [name, source] : s.keys) {
        if (std::find(fresh_keys.begin(), fresh_keys.end(), name) == fresh_keys.end()) continue;
        const std::string p = source_problem(source, c_.getenv);
        if (!p.empty()) problems += cat(problems.empty() ? "" : "; ", "key ", name, ": ", p);
      }
      if (!problems.empty()) throw ItemError(cat("would fail: ", problems));
      item("secret", full, Action::kUpdate, detail, version);
      return;
    }
    auto fresh = fresh_values(s, fresh_keys);
    for (auto& [k, v] : fresh) keep[k] = std::move(v);
    Reply r = put_secret(data_path, version, keep, "writing " + full);
    wipe_all(keep);
    wipe_all(fresh);
    if (r.status == 400 && r.has_error(texts::kCasMismatch))
      throw ItemError(cat("changed by someone else since this run read version ", version,
                          "; nothing was written: run vault-seed again"));
    require_ok(r, "writing " + full);
    require_no_warnings(r, "writing " + full);
    item("secret", full, Action::kUpdate, detail, version_of(r.data()));
  }

  void secrets() {
    for (const auto& s : c_.spec.secrets) secret(s);
  }

 private:
  StepContext& c_;
};

}  // namespace

void reconcile_audit(StepContext& context) { Steps(context).audit(); }
void reconcile_mounts(StepContext& context) { Steps(context).mounts(); }
void reconcile_policies(StepContext& context) { Steps(context).policies(); }
void reconcile_auth(StepContext& context) { Steps(context).auth(); }
void reconcile_secrets(StepContext& context) { Steps(context).secrets(); }

void reconcile_all(StepContext& context) {
  reconcile_audit(context);
  reconcile_mounts(context);
  reconcile_policies(context);
  reconcile_auth(context);
  reconcile_secrets(context);
}

void plan_everything_new(StepContext& context) {
  Report& report = context.report;
  const Spec& spec = context.spec;
  for (const auto& d : spec.audit) report.add({"audit", d.path + "/", Action::kCreate, std::nullopt, d.type});
  for (const auto& m : spec.mounts) {
    report.add({"mount", m.path + "/", Action::kCreate, std::nullopt, "kv version 2"});
    report.add({"mount", join_path(m.path, "config"), Action::kCreate, std::nullopt,
                cat("cas_required -> ", m.cas_required ? "true" : "false")});
    context.new_mounts.insert(m.path);
  }
  for (const auto& p : spec.policies) report.add({"policy", "policy " + p.name, Action::kCreate, std::nullopt, ""});
  report.add({"policy", cat("policy ", kSeedPolicyName), Action::kCreate, std::nullopt,
              "vault-seed's own token policy, made from the spec"});
  for (const auto& a : spec.auth) {
    report.add({"auth", cat("auth/", a.path, "/"), Action::kCreate, std::nullopt, a.type});
    report.add({"auth", join_path("auth", a.path, "config"), Action::kCreate, std::nullopt,
                "kubernetes_host " + a.config.kubernetes_host});
    for (const auto& r : a.roles)
      report.add({"role", join_path("auth", a.path, "role/" + r.name), Action::kCreate, std::nullopt,
                  cat("audience ", r.audience, ", policies ", join_names(r.token_policies))});
  }
  for (const auto& s : spec.secrets) {
    std::vector<std::string> names;
    for (const auto& [k, source] : s.keys) names.push_back(k);
    report.add({"secret", s.full_path(), Action::kCreate, std::nullopt, "keys " + join_names(names)});
  }
}

}  // namespace sf::vs
