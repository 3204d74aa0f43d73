#include "core/agent/spool.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <system_error>

#include <boost/json.hpp>

namespace scriptmesh::agent {
namespace {

namespace json = boost::json;
using agent_protocol::Dispatch;
using agent_protocol::Finished;

constexpr const char* kDispatchFile = "dispatch.json";
constexpr const char* kResultFile = "result.json";
constexpr const char* kResultTempFile = "result.json.tmp";
constexpr const char* kRecycleDir = ".recycle";
// dispatch.json holds at most one frame; result.json is far smaller.
constexpr std::size_t kMaxJsonFileBytes = agent_protocol::kMaxFrameBytes;

Error io_error(const std::string& path, int err) {
  return Error::unavailable("spool_io_failed", path + ": " + std::strerror(err));
}

Error not_spooled(const std::string& path) {
  return Error::not_found("spool_job_not_found", path + ": no such spooled job or file");
}

Error corrupt(const std::string& path, const std::string& what) {
  return Error::internal("spool_corrupt", path + ": " + what);
}

// Closes on every path.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }

 private:
  int fd_;
};

Fd open_file(const std::string& path, int flags) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
  } while (fd < 0 && errno == EINTR);
  return Fd(fd);
}

// Errors on a missing file are not_found, anything else an I/O failure.
Error open_error(const std::string& path) {
  return errno == ENOENT ? not_spooled(path) : io_error(path, errno);
}

Result<void> write_all(int fd, const std::string& path, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(path, errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return ok_result();
}

Result<void> create_file(const std::string& path, std::string_view content) {
  Fd fd = open_file(path, O_WRONLY | O_CREAT | O_EXCL);
  if (!fd.valid()) return io_error(path, errno);
  return write_all(fd.get(), path, content);
}

Result<std::string> read_small_file(const std::string& path) {
  Fd fd = open_file(path, O_RDONLY);
  if (!fd.valid()) return open_error(path);
  std::string out;
  char buffer[16 * 1024];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(path, errno);
    }
    if (n == 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.size() > kMaxJsonFileBytes) return corrupt(path, "too large");
  }
}

std::string_view stream_file(OutputStream stream) {
  return stream == OutputStream::kStdout ? "stdout" : "stderr";
}

json::value optional_int(const std::optional<int>& n) {
  return n ? json::value(*n) : json::value(nullptr);
}

std::string result_json(const SpooledResult& r) {
  const Finished& f = r.finished;
  json::object o{{"job_id", f.job_id},
                 {"exit_code", optional_int(f.exit_code)},
                 {"signal", optional_int(f.signal)},
                 {"duration_ms", f.duration_ms},
                 {"timed_out", f.timed_out},
                 {"cancelled", f.cancelled},
                 {"error", f.error},
                 {"finished_at", format_rfc3339(r.finished_at)}};
  return json::serialize(o);
}

Result<std::optional<int>> read_optional_int(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<int>();
  if (!v->is_int64()) return Error::internal("spool_corrupt", std::string(key));
  std::int64_t n = v->get_int64();
  if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max()) {
    return Error::internal("spool_corrupt", std::string(key));
  }
  return std::optional<int>(static_cast<int>(n));
}

// Missing or mistyped fields make the whole file corrupt: it is only ever
// written by result_json().
Result<SpooledResult> parse_result(const std::string& path, std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return corrupt(path, "not a JSON object");
  const json::object& o = doc.get_object();
  const json::value* id = o.if_contains("job_id");
  const json::value* duration = o.if_contains("duration_ms");
  const json::value* timed_out = o.if_contains("timed_out");
  const json::value* cancelled = o.if_contains("cancelled");
  const json::value* error = o.if_contains("error");
  const json::value* at = o.if_contains("finished_at");
  if (!id || !id->is_string() || !duration || !duration->is_int64() || !timed_out ||
      !timed_out->is_bool() || !cancelled || !cancelled->is_bool() || !error ||
      !error->is_string() || !at || !at->is_string()) {
    return corrupt(path, "a field is missing or mistyped");
  }
  auto exit_code = read_optional_int(o, "exit_code");
  auto signal = read_optional_int(o, "signal");
  auto finished_at = parse_rfc3339(at->get_string());
  if (!exit_code.ok() || !signal.ok() || !finished_at.ok()) {
    return corrupt(path, "a field is out of range");
  }
  SpooledResult r;
  r.finished.job_id = std::string(id->get_string());
  r.finished.exit_code = *exit_code;
  r.finished.signal = *signal;
  r.finished.duration_ms = duration->get_int64();
  r.finished.timed_out = timed_out->get_bool();
  r.finished.cancelled = cancelled->get_bool();
  r.finished.error = std::string(error->get_string());
  r.finished_at = *finished_at;
  return r;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<void> make_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0) return ok_result();
  if (errno == EEXIST && is_directory(path)) return ok_result();
  return io_error(path, errno);
}

}  // namespace

bool is_valid_job_id(std::string_view job_id) noexcept {
  if (job_id.empty() || job_id.size() > kMaxJobIdLength) return false;
  return std::all_of(job_id.begin(), job_id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

Spool::Spool(std::string dir) : dir_(std::move(dir)), recycle_dir_(dir_ + "/" + kRecycleDir) {}

Result<std::string> Spool::job_path(std::string_view job_id) const {
  if (!is_valid_job_id(job_id)) {
    return Error::invalid_argument("invalid_job_id",
                                   "a job id must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'");
  }
  return dir_ + "/" + std::string(job_id);
}

Result<std::string> Spool::stream_path(std::string_view job_id, OutputStream stream) const {
  auto dir = job_path(job_id);
  SCRIPTMESH_RETURN_IF_ERROR(dir);
  return *dir + "/" + std::string(stream_file(stream));
}

Result<std::vector<std::string>> Spool::open(WallTime now) {
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(dir_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return io_error(parent.string(), ec.value());
  SCRIPTMESH_RETURN_IF_ERROR(make_directory(dir_));
  // Whatever an earlier agent process left for reuse is not known to be
  // whole: start the recycling afresh.
  std::filesystem::remove_all(recycle_dir_, ec);
  if (ec) return io_error(recycle_dir_, ec.value());
  SCRIPTMESH_RETURN_IF_ERROR(make_directory(recycle_dir_));
  {
    std::lock_guard lock(recycled_mu_);
    recycled_.clear();
  }

  auto jobs = list_jobs();
  SCRIPTMESH_RETURN_IF_ERROR(jobs);
  std::vector<std::string> recovered;
  for (const std::string& id : *jobs) {
    // A job that died between mkdir and its first files still gets both.
    for (OutputStream s : {OutputStream::kStdout, OutputStream::kStderr}) {
      Fd fd = open_file(*stream_path(id, s), O_WRONLY | O_CREAT);
      if (!fd.valid()) return io_error(*stream_path(id, s), errno);
    }
    // A corrupt result cannot happen through write_result's rename; if the
    // disk produced one anyway, the job is as lost as one without a result.
    auto result = load_result(id);
    if (result.ok() && result->has_value()) continue;
    SpooledResult lost;
    lost.finished.job_id = id;
    lost.finished.error = std::string(kAgentRestartedError);
    lost.finished_at = now;
    SCRIPTMESH_RETURN_IF_ERROR(write_result(lost));
    recovered.push_back(id);
  }
  return recovered;
}

Result<void> Spool::create_job(const Dispatch& dispatch) const {
  auto dir = job_path(dispatch.job_id);
  SCRIPTMESH_RETURN_IF_ERROR(dir);
  const std::string dispatch_json = agent_protocol::encode(dispatch);
  if (is_directory(*dir)) {
    return Error::conflict("spool_job_exists", *dir + ": the job is already spooled");
  }
  if (reuse(*dir, dispatch_json)) return ok_result();
  if (::mkdir(dir->c_str(), 0700) != 0) {
    if (errno == EEXIST) {
      return Error::conflict("spool_job_exists", *dir + ": the job is already spooled");
    }
    return io_error(*dir, errno);
  }
  auto created = [&]() -> Result<void> {
    SCRIPTMESH_RETURN_IF_ERROR(create_file(*dir + "/" + kDispatchFile, dispatch_json));
    SCRIPTMESH_RETURN_IF_ERROR(create_file(*dir + "/stdout", ""));
    return create_file(*dir + "/stderr", "");
  }();
  // A half-made job directory would be "recovered" as a lost job at the next
  // start, for a job that never ran: remove it.
  if (!created.ok()) (void)remove_job(dispatch.job_id);
  return created;
}

Result<Dispatch> Spool::load_dispatch(std::string_view job_id) const {
  auto dir = job_path(job_id);
  SCRIPTMESH_RETURN_IF_ERROR(dir);
  const std::string path = *dir + "/" + kDispatchFile;
  auto text = read_small_file(path);
  SCRIPTMESH_RETURN_IF_ERROR(text);
  auto message = agent_protocol::decode_orchestrator_message(*text);
  if (!message.ok() || !std::holds_alternative<Dispatch>(*message)) {
    return corrupt(path, "not a dispatch message");
  }
  return std::get<Dispatch>(std::move(*message));
}

Result<void> Spool::append(std::string_view job_id, OutputStream stream,
                           std::string_view bytes) const {
  auto path = stream_path(job_id, stream);
  SCRIPTMESH_RETURN_IF_ERROR(path);
  Fd fd = open_file(*path, O_WRONLY | O_APPEND);
  if (!fd.valid()) return open_error(*path);
  return write_all(fd.get(), *path, bytes);
}

Result<std::string> Spool::read(std::string_view job_id, OutputStream stream, std::int64_t offset,
                                std::size_t max_bytes) const {
  auto path = stream_path(job_id, stream);
  SCRIPTMESH_RETURN_IF_ERROR(path);
  if (offset < 0) return Error::invalid_argument("invalid_offset", "offset must not be negative");
  Fd fd = open_file(*path, O_RDONLY);
  if (!fd.valid()) return open_error(*path);
  std::string out(max_bytes, '\0');
  std::size_t got = 0;
  while (got < max_bytes) {
    ssize_t n = ::pread(fd.get(), out.data() + got, max_bytes - got,
                        static_cast<off_t>(offset) + static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(*path, errno);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

Result<std::int64_t> Spool::size(std::string_view job_id, OutputStream stream) const {
  auto path = stream_path(job_id, stream);
  SCRIPTMESH_RETURN_IF_ERROR(path);
  struct stat st {};
  if (::stat(path->c_str(), &st) != 0) return open_error(*path);
  return static_cast<std::int64_t>(st.st_size);
}

// Written whole under a temporary name, then renamed, so a crash of the
// agent never leaves half a result. Not fsynced: the spool carries a job
// across a lost connection or a restarted agent process, which the page
// cache survives; its output files are not synced either, so a sync here
// could not make a power cut lose less (the job then looks unfinished and
// is reported "agent_restarted"). Skipping it keeps a disk flush off every
// job's path.
Result<void> Spool::write_result(const SpooledResult& result) const {
  auto dir = job_path(result.finished.job_id);
  SCRIPTMESH_RETURN_IF_ERROR(dir);
  if (!is_directory(*dir)) return not_spooled(*dir);
  const std::string temp = *dir + "/" + kResultTempFile;
  const std::string final_path = *dir + "/" + kResultFile;
  {
    Fd fd = open_file(temp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd.valid()) return io_error(temp, errno);
    SCRIPTMESH_RETURN_IF_ERROR(write_all(fd.get(), temp, result_json(result)));
  }
  if (::rename(temp.c_str(), final_path.c_str()) != 0) return io_error(final_path, errno);
  return ok_result();
}

Result<std::optional<SpooledResult>> Spool::load_result(std::string_view job_id) const {
  auto dir = job_path(job_id);
  SCRIPTMESH_RETURN_IF_ERROR(dir);
  const std::string path = *dir + "/" + kResultFile;
  auto text = read_small_file(path);
  if (!text.ok()) {
    if (text.error().code() == "spool_job_not_found" && is_directory(*dir)) {
      return std::optional<SpooledResult>();
    }
    return std::move(text).error();
  }
  auto parsed = parse_result(path, *text);
  SCRIPTMESH_RETURN_IF_ERROR(parsed);
  if (parsed->finished.job_id != job_id) return corrupt(path, "names another job");
  auto out_bytes = size(job_id, OutputStream::kStdout);
  SCRIPTMESH_RETURN_IF_ERROR(out_bytes);
  auto err_bytes = size(job_id, OutputStream::kStderr);
  SCRIPTMESH_RETURN_IF_ERROR(err_bytes);
  parsed->finished.stdout_bytes = *out_bytes;
  parsed->finished.stderr_bytes = *err_bytes;
  return std::optional<SpooledResult>(std::move(*parsed));
}

Result<std::vector<std::string>> Spool::list_jobs() const {
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return io_error(dir_, errno);
  std::vector<std::string> ids;
  while (const dirent* entry = ::readdir(d)) {
    std::string name = entry->d_name;
    if (is_valid_job_id(name) && is_directory(dir_ + "/" + name)) ids.push_back(std::move(name));
  }
  ::closedir(d);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<void> Spool::remove_job(std::string_view job_id) const {
  auto dir = job_path(job_id);
  SCRIPTMESH_RETURN_IF_ERROR(dir);
  if (!is_directory(*dir) || recycle(*dir, job_id)) return ok_result();
  std::error_code ec;
  std::filesystem::remove_all(*dir, ec);
  if (ec) return io_error(*dir, ec.value());
  return ok_result();
}

bool Spool::recycle(const std::string& dir, std::string_view job_id) const {
  {
    std::lock_guard lock(recycled_mu_);
    if (recycled_.size() >= kMaxRecycled) return false;
  }
  const std::string spare = recycle_dir_ + "/" + std::string(job_id);
  if (::rename(dir.c_str(), spare.c_str()) != 0) return false;
  // Out of the spool first, then emptied: a crash in between leaves only
  // .recycle to clean. The result becomes the next job's temporary file.
  const bool emptied = ::truncate((spare + "/stdout").c_str(), 0) == 0 &&
                       ::truncate((spare + "/stderr").c_str(), 0) == 0 &&
                       ::access((spare + "/" + kDispatchFile).c_str(), F_OK) == 0;
  const std::string result = spare + "/" + kResultFile;
  if (emptied &&
      (::rename(result.c_str(), (spare + "/" + kResultTempFile).c_str()) == 0 || errno == ENOENT)) {
    std::lock_guard lock(recycled_mu_);
    recycled_.emplace_back(job_id);
    return true;
  }
  std::error_code ec;
  std::filesystem::remove_all(spare, ec);
  return !ec;
}

bool Spool::reuse(const std::string& dir, std::string_view dispatch_json) const {
  std::string name;
  {
    std::lock_guard lock(recycled_mu_);
    if (recycled_.empty()) return false;
    name = std::move(recycled_.back());
    recycled_.pop_back();
  }
  const std::string spare = recycle_dir_ + "/" + name;
  // The dispatch is written while the directory is still out of the spool,
  // so a job directory never holds another job's dispatch.
  bool ready = false;
  {
    Fd fd = open_file(spare + "/" + kDispatchFile, O_WRONLY | O_TRUNC);
    ready = fd.valid() && write_all(fd.get(), spare, dispatch_json).ok();
  }
  if (ready && ::rename(spare.c_str(), dir.c_str()) == 0) return true;
  std::error_code ec;
  std::filesystem::remove_all(spare, ec);
  return false;
}

}  // namespace scriptmesh::agent
