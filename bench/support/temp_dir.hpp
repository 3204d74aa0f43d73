// A fresh directory under $TMPDIR (or /tmp) for one benchmark run: the
// orchestrator's data directory, the agents' spools, scripts and logs.
#pragma once

#include <filesystem>
#include <string>

namespace scriptmesh::bench {

class TempDir {
 public:
  // Creates "<tmp>/scriptmesh-bench-<prefix>-XXXXXX". Throws BenchError.
  explicit TempDir(const std::string& prefix);
  // Removes the directory and everything in it, unless keep() was called.
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // Leaves the directory in place (for reading the logs after a run).
  void keep() { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

// Writes `text` to `path` (replacing it) with permission bits `mode`.
// Throws BenchError.
void write_file(const std::filesystem::path& path, const std::string& text, unsigned mode = 0644);

// Reads a whole file; "" when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace scriptmesh::bench
