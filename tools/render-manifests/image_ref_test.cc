#include "render-manifests/image_ref.h"

#include <catch2/catch.hpp>

using namespace sf::rm;

namespace {

const std::string kDigest = "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa";

ImageRef ok(const std::string& text) {
  ImageRef r;
  std::string error;
  INFO(text);
  REQUIRE(parse_image_ref(text, r, error));
  return r;
}

std::string bad(const std::string& text) {
  ImageRef r;
  std::string error;
  if (parse_image_ref(text, r, error)) return "parsed";
  return error;
}

}  // namespace

TEST_CASE("image refs: Docker Hub normalisation", "[image]") {
  CHECK(ok("nginx").str() == "docker.io/library/nginx");
  CHECK(ok("nginx:1.27").str() == "docker.io/library/nginx:1.27");
  CHECK(ok("docker.io/nginx:1.27").str() == "docker.io/library/nginx:1.27");
  CHECK(ok("index.docker.io/library/nginx:1.27").str() == "docker.io/library/nginx:1.27");
  CHECK(ok("hashicorp/vault:2.0.4").str() == "docker.io/hashicorp/vault:2.0.4");
  CHECK(ok("nginx/nginx-ingress:5.5.4").domain == "docker.io");
  CHECK(ok("nginx/nginx-ingress:5.5.4").path == "nginx/nginx-ingress");
  // Only Docker Hub gets library/: other registries keep single-component paths.
  CHECK(ok("localhost:5000/busybox").str() == "localhost:5000/busybox");
  CHECK(ok("ecr-public.aws.com/docker/library/redis:8.2.3-alpine").path == "docker/library/redis");
}

TEST_CASE("image refs: registries with ports, IPs, IPv6, localhost, upper case", "[image]") {
  CHECK(ok("registry.local:5000/team/app:v1").domain == "registry.local:5000");
  CHECK(ok("10.89.0.5:5000/app:v1").domain == "10.89.0.5:5000");
  CHECK(ok("[::1]:5000/app:v1").domain == "[::1]:5000");
  CHECK(ok("localhost/app").domain == "localhost");
  CHECK(ok("Registry.Example.COM/app:1").domain == "Registry.Example.COM");  // a domain may be upper case
  CHECK(ok("myregistry:5000/app").domain == "myregistry:5000");
  CHECK(ok("quay.io/metallb/controller:v0.16.1").str() == "quay.io/metallb/controller:v0.16.1");
  CHECK(ok("registry.k8s.io/ingress-nginx/controller:v1.13.0").path == "ingress-nginx/controller");
  // "user/app:tag" is a path on Docker Hub, "user:5000/app" a registry.
  CHECK(ok("team/app:5000").tag == "5000");
}

TEST_CASE("image refs: tags and digests", "[image]") {
  const ImageRef both = ok("ghcr.io/opencost/opencost:1.120.1@" + kDigest);
  CHECK(both.tag == "1.120.1");
  CHECK(both.digest == kDigest);
  CHECK(both.pinned());
  CHECK(both.str() == "ghcr.io/opencost/opencost:1.120.1@" + kDigest);
  CHECK(ok("busybox@" + kDigest).tag.empty());
  CHECK(ok("busybox@" + kDigest).pinned());
  CHECK(ok("busybox:latest@" + kDigest).pinned());  // the digest pins it
  CHECK_FALSE(ok("busybox").pinned());
  CHECK_FALSE(ok("busybox:latest").pinned());
  CHECK_THAT(ok("busybox").unpinned_reason(), Catch::Contains("no tag"));
  CHECK_THAT(ok("busybox:latest").unpinned_reason(), Catch::Contains("latest moves"));
  CHECK(ok("a:" + std::string(128, 'x')).tag.size() == 128);
  CHECK(ok("a:v1.2.3-rc.1_x").tag == "v1.2.3-rc.1_x");
  CHECK(ok("a@sha512:" + std::string(128, 'a')).digest.size() == 135);
}

TEST_CASE("image refs: what Docker refuses", "[image]") {
  CHECK_THAT(bad("Nginx:1.27"), Catch::Contains("must be lowercase"));
  CHECK_THAT(bad("docker.io/Library/nginx"), Catch::Contains("must be lowercase"));
  CHECK_THAT(bad(""), Catch::Contains("empty"));
  CHECK_THAT(bad(std::string(64, 'a')), Catch::Contains("64-byte hexadecimal"));
  CHECK_THAT(bad("a:" + std::string(129, 'x')), Catch::Contains("invalid tag"));
  CHECK_THAT(bad("a:.x"), Catch::Contains("invalid tag"));
  CHECK_THAT(bad("a:"), Catch::Contains("invalid tag"));
  CHECK_THAT(bad("a@sha256:abc"), Catch::Contains("64 hex digits"));
  CHECK_THAT(bad("a@sha256:" + std::string(64, 'A')), Catch::Contains("lower case"));
  CHECK_THAT(bad("a@md5:" + std::string(32, 'a')), Catch::Contains("unsupported digest algorithm"));
  CHECK_THAT(bad("a@" + std::string(64, 'a')), Catch::Contains("no algorithm"));
  CHECK_THAT(bad("quay.io/"), Catch::Contains("empty repository"));
  CHECK_THAT(bad("quay.io//x"), Catch::Contains("invalid reference format"));
  CHECK_THAT(bad("quay.io/a//x"), Catch::Contains("not a repository path component"));
  CHECK_THAT(bad("a/-b"), Catch::Contains("not a repository path component"));
  CHECK_THAT(bad("a/b-"), Catch::Contains("not a repository path component"));
  CHECK_THAT(bad("a/b___c"), Catch::Contains("not a repository path component"));
  CHECK(bad("a/b__c") == "parsed");
  CHECK(bad("a/b--c") == "parsed");
  CHECK_THAT(bad("a b"), Catch::Contains("not a repository path component"));
  CHECK_THAT(bad("-reg.io/a"), Catch::Contains("invalid registry"));
  CHECK_THAT(bad("reg.io:/a"), Catch::Contains("invalid registry"));
  CHECK_THAT(bad("reg.io:50a/a"), Catch::Contains("invalid registry"));
  CHECK_THAT(bad("{{ .Values.image }}"), Catch::Contains("invalid"));
  CHECK_THAT(bad("reg.io/" + std::string(250, 'a')), Catch::Contains("more than 255 characters"));
}

TEST_CASE("image refs: the mirror mapping", "[image]") {
  // The registry host is dropped, as the root chart rewrites images (docs/platform.md).
  CHECK(mirror_image(ok("nginx:1.27"), "registry.local:5000") == "registry.local:5000/library/nginx:1.27");
  CHECK(mirror_image(ok("quay.io/argoproj/argocd:v3.4.4"), "kind-registry:5000") ==
        "kind-registry:5000/argoproj/argocd:v3.4.4");
  CHECK(mirror_image(ok("ghcr.io/opencost/opencost:1.120.1@" + kDigest), "m.local") ==
        "m.local/opencost/opencost:1.120.1@" + kDigest);
  CHECK(mirror_image(ok("localhost:5001/app:v1"), "m.local") == "m.local/app:v1");
  CHECK(mirror_image(ok("ecr-public.aws.com/docker/library/redis:8.2.3-alpine"), "m") ==
        "m/docker/library/redis:8.2.3-alpine");
  // A mirrored reference parses again, to the mirror and the same path.
  for (const char* src : {"nginx:1.27", "quay.io/a/b:1", "localhost:5001/app:v1", "registry.k8s.io/pause:3.10", "[::1]:5000/a:1"}) {
    const ImageRef m = ok(mirror_image(ok(src), "registry.local:5000"));
    CHECK(m.domain == "registry.local:5000");
    CHECK(m.path == ok(src).path);
  }
  // Charts keep their repository's host as a folder: a host as one path component.
  CHECK(mirror_component("quay.io") == "quay.io");
  CHECK(mirror_component("localhost:5001") == "localhost-5001");
  CHECK(mirror_component("Reg.Example.com") == "reg.example.com");
  CHECK(mirror_component("[::1]:5000") == "ip6--1-5000");
  CHECK(mirror_component("[fe80::]") == "fe80--0");
  CHECK(valid_registry("registry.local:5000"));
  CHECK(valid_registry("kind-registry:5000"));
  CHECK(valid_registry("10.0.0.1"));
  CHECK_FALSE(valid_registry(""));
  CHECK_FALSE(valid_registry("registry.local/path"));
  CHECK_FALSE(valid_registry("https://registry.local"));
}
