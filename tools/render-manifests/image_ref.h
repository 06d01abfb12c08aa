// Container image references as Docker and containerd read them (distribution/reference:
// ParseNormalizedNamed + go-digest): "nginx" is docker.io/library/nginx, "index.docker.io" is
// docker.io, a first component with '.' or ':' or "localhost" (or upper case) is a registry,
// repository paths are lower case, tags are [\w][\w.-]{0,127}, digests are sha256/384/512 in
// lower-case hex, and a name is at most 255 characters. Plus the mirror mapping of an air gap:
// MIRROR/<registry>/<path>, the registry's ':' written '-' (a path component has no ':').
#pragma once

#include <string>
#include <string_view>

namespace sf::rm {

struct ImageRef {
  std::string domain;  // "docker.io", "quay.io", "localhost:5000", "[::1]:5000"
  std::string path;    // "library/nginx", "metallb/controller"
  std::string tag;     // "" when none
  std::string digest;  // "sha256:<64 hex>" or ""

  std::string name() const { return domain + "/" + path; }
  std::string str() const;  // "docker.io/library/nginx:1.27@sha256:..."
  bool pinned() const { return !digest.empty() || (!tag.empty() && tag != "latest"); }
  // Why it is not pinned ("no tag: pulls latest", "tag latest moves"), "" when pinned.
  std::string unpinned_reason() const;
};

// False with `error` set (Docker's own wording where it has one) when `text` is not a reference.
bool parse_image_ref(std::string_view text, ImageRef& out, std::string& error);

// A registry host[:port] to mirror into: a domain as the grammar allows, nothing after it.
bool valid_registry(std::string_view mirror);

// A registry host as one path component (charts are mirrored under their repository's host):
// "quay.io" -> "quay.io", "localhost:5000" -> "localhost-5000", upper case made lower.
std::string mirror_component(std::string_view domain);

// The reference in the mirror: MIRROR/<path>[:tag][@digest] (quay.io/argoproj/argocd:v3.4.4 ->
// MIRROR/argoproj/argocd:v3.4.4; docker.io/library/redis:8 -> MIRROR/library/redis:8).
std::string mirror_image(const ImageRef& ref, std::string_view mirror);

}  // namespace sf::rm
