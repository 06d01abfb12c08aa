// Base64 as Go's encoding/json reads and writes []byte fields (kubeconfig *-data fields, exec
// plugin configs): the standard alphabet, padded; '\r' and '\n' are skipped when decoding (as
// Go's StdEncoding does); anything else that is not base64 makes the whole text invalid.
#pragma once

#include <string>
#include <string_view>

namespace sf {

// False (and `out` empty) when `text` is not valid padded standard base64.
bool base64_decode(std::string_view text, std::string& out);
std::string base64_encode(std::string_view bytes);

}  // namespace sf
