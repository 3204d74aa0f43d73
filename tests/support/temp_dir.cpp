#include "support/temp_dir.hpp"

#include <cstdlib>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

namespace scriptmesh::testing {

TempDir::TempDir() {
  const char* root_env = std::getenv("SCRIPTMESH_TEST_TMP");
  std::filesystem::path root = root_env ? root_env : std::filesystem::temp_directory_path();
  std::filesystem::create_directories(root);
  std::string pattern = (root / "sm-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);  // best effort: a leftover dir fails no test
}

}  // namespace scriptmesh::testing
