#include "support/temp_dir.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "support/bench_error.hpp"

namespace scriptmesh::bench {

TempDir::TempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::filesystem::path base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  std::string pattern = (base / ("scriptmesh-bench-" + prefix + "-XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) fail("cannot create a directory like " + pattern);
  path_ = buffer.data();
}

TempDir::~TempDir() {
  if (keep_) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void write_file(const std::filesystem::path& path, const std::string& text, unsigned mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.good()) fail("cannot write " + path.string());
  }
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) fail("cannot chmod " + path.string());
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace scriptmesh::bench
