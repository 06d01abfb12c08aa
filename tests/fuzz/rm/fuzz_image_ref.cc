// libFuzzer target for image references and chart versions: parse; a parsed reference must
// print back to a reference that parses to the same parts, and its mirror name must parse too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "render-manifests/chart_ref.h"
#include "render-manifests/image_ref.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sf::rm::ImageRef ref;
  std::string error;
  (void)sf::rm::exact_chart_version(text);
  if (!sf::rm::parse_image_ref(text, ref, error)) return 0;
  sf::rm::ImageRef again;
  if (!sf::rm::parse_image_ref(ref.str(), again, error)) std::abort();
  if (again.str() != ref.str()) std::abort();
  sf::rm::ImageRef mirrored;
  const std::string m = sf::rm::mirror_image(ref, "registry.local:5000");
  if (m.size() <= 255 && !sf::rm::parse_image_ref(m, mirrored, error)) {
    // A mirror name can only fail by growing past the name length limit.
    if (error.find("255") == std::string::npos) std::abort();
  }
  return 0;
}
