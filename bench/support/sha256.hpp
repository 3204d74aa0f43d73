// Incremental SHA-256 (OpenSSL EVP), for checking 100 MiB of output without
// holding it in memory.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace scriptmesh::bench {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // The digest as lowercase hex; the object is spent afterwards.
  std::string hex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scriptmesh::bench
