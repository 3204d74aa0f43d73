// A fresh directory for one test, removed with everything in it on scope exit.
#pragma once

#include <filesystem>
#include <string>

namespace scriptmesh::testing {

class TempDir {
 public:
  // Creates a unique directory under $SCRIPTMESH_TEST_TMP (or the system temp dir).
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace scriptmesh::testing
