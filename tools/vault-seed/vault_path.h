// Vault request paths built canonically. Vault 2.0 rejects uncleaned paths (`//`, `/./`,
// `/../`), and a path segment that needs escaping is a trap for every other tool that reads the
// same secret (ESO remoteRef.key, the vault CLI), so spec paths are restricted to a plain
// alphabet and checked before any request.
#pragma once

#include <string>
#include <string_view>

namespace sf::vs {

// What is wrong with a spec path (KV path, mount path, auth path), or "" when it is fine:
// segments of A-Z a-z 0-9 and . _ - @ + = , separated by single '/', none empty, "." or "..",
// no leading or trailing '/'.
std::string path_problem(std::string_view path);

// A Vault name that is one segment (policy, role, audit device): the path alphabet, no '/'.
std::string name_problem(std::string_view name);

// "a" + "/" + "b" for checked parts; empty parts are skipped.
std::string join_path(std::string_view a, std::string_view b);
std::string join_path(std::string_view a, std::string_view b, std::string_view c);

// The request path for a checked Vault path: "/v1/" + the path, each segment percent-escaped
// beyond RFC 3986's unreserved characters.
std::string api_path(std::string_view vault_path);

}  // namespace sf::vs
