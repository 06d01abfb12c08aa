// Lines of a curl config file (`curl -K FILE`): how a credential a tool read reaches curl
// without passing through argv (visible in /proc to every user) or the environment. The
// tools write such files (0600) and the shell glue hands them to curl; see
// vault-seed get --format curl-config and kind-wait --secret.
#pragma once

#include <string>
#include <string_view>

namespace sf {

// `option = "value"` and a newline, in curl's quoting: '\' and '"' escaped, CR, LF and TAB
// written as \r \n \t (curl's config parser turns them back). Throws Error naming `what` for
// a value holding a NUL byte, which curl cannot read back. The result holds the secret: the
// caller wipes it.
std::string curl_config_line(std::string_view option, std::string_view value, std::string_view what);

}  // namespace sf
