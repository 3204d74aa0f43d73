// bench_output_throughput: a script writes 100 MiB (of random bytes, so
// nothing along the way can shortcut it) to stdout; the time from trigger
// until the job is final is the storage rate end to end (pipe, agent spool,
// agent channel, SQLite). Then the output is read back through the REST API
// and its SHA-256 compared, and the peak resident memory of the orchestrator
// and the agent during the run is compared with theirs before it.
//
// Baseline: the same script with stdout into a pipe this process drains.
// Targets (issue #4): 100+ MB/s (10^6 bytes), each process's RSS growing by
// under 64 MiB.
#include <chrono>
#include <fstream>

#include <fmt/core.h>

#include "support/api.hpp"
#include "support/baseline.hpp"
#include "support/bench_error.hpp"
#include "support/cluster.hpp"
#include "support/options.hpp"
#include "support/proc_stats.hpp"
#include "support/report.hpp"
#include "support/sha256.hpp"

namespace scriptmesh::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr double kMiB = 1024.0 * 1024.0;

struct Flags {
  CommonOptions common;
  int mib = 100;
};

// Writes `bytes` pseudo-random bytes (splitmix64) to `path`; answers their SHA-256.
std::string write_random_file(const std::filesystem::path& path, std::int64_t bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  Sha256 hash;
  std::uint64_t state = 0x5eed;
  std::string block(1 << 20, '\0');
  for (std::int64_t left = bytes; left > 0;) {
    for (std::size_t i = 0; i + 8 <= block.size(); i += 8) {
      std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      z ^= z >> 31;
      for (int b = 0; b < 8; ++b)
        block[i + static_cast<std::size_t>(b)] = static_cast<char>((z >> (8 * b)) & 0xff);
    }
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(left, 1 << 20));
    out.write(block.data(), static_cast<std::streamsize>(n));
    hash.update(std::string_view(block.data(), n));
    left -= static_cast<std::int64_t>(n);
  }
  if (!out.good()) fail("cannot write " + path.string());
  return hash.hex();
}

std::string mib_text(std::int64_t kib) {
  return fmt_num(static_cast<double>(kib) / 1024.0) + " MiB";
}

int run(const Flags& f) {
  const std::int64_t bytes = static_cast<std::int64_t>(f.mib) * 1024 * 1024;
  Report report("output_throughput");
  report.setup("workload", fmt::format("one job whose script `cat`s {} MiB of random bytes to "
                                       "stdout, 1 agent",
                                       f.mib));
  report.setup("sqlite", "synchronous=" + f.common.sqlite_synchronous);

  Cluster cluster(cluster_options(f.common, "output"));
  const auto data = cluster.dir() / "data.bin";
  const std::string expected_sha = write_random_file(data, bytes);
  const auto script = cluster.write_script("print.sh", "exec cat " + data.string() + "\n");
  (void)spawn_to_pipe(script);  // the file into the page cache
  const PipeRun baseline = spawn_to_pipe(script);
  if (baseline.bytes != bytes) fail("the baseline read " + std::to_string(baseline.bytes));
  const double baseline_mbs = static_cast<double>(bytes) / baseline.seconds / 1e6;

  const CreatedAgent agent = cluster.create_agent("worker");
  const auto warm = cluster.write_script("warm.sh", "echo warm\n");
  Process& agent_process = cluster.start_agent(agent, {{"print", script}, {"warm", warm}});
  const pid_t orchestrator_pid = cluster.orchestrator().pid();
  Api api = cluster.api();
  // A small job first, so the figures are growth due to the volume of output,
  // not the first job's set-up; the large one runs only once.
  (void)api.wait_final(api.trigger(agent.id, "warm"));

  const ProcStatus orchestrator_before = read_proc_status(orchestrator_pid);
  const ProcStatus agent_before = read_proc_status(agent_process.pid());
  RssSampler sampler({orchestrator_pid, agent_process.pid()}, 10ms);
  const auto sent = Clock::now();
  const std::string job_id = api.trigger(agent.id, "print");
  const auto job = api.wait_final(job_id);
  const double seconds = seconds_since(sent);
  sampler.stop();
  const ProcStatus orchestrator_after = read_proc_status(orchestrator_pid);
  const ProcStatus agent_after = read_proc_status(agent_process.pid());

  RssSampler reading({orchestrator_pid}, 10ms);
  Sha256 hash;
  const auto read_start = Clock::now();
  const std::int64_t read_bytes =
      api.read_output(job_id, "stdout", [&](std::string_view page) { hash.update(page); });
  const double read_seconds = seconds_since(read_start);
  reading.stop();
  const std::string sha = hash.hex();

  const double mbs = static_cast<double>(bytes) / seconds / 1e6;
  const std::int64_t stored = int_field(job, "stdout_bytes");
  const std::int64_t orchestrator_growth = sampler.peak_kib(0) - orchestrator_before.rss_kib;
  const std::int64_t agent_growth = sampler.peak_kib(1) - agent_before.rss_kib;
  const std::int64_t limit_kib = 64 * 1024;
  const bool succeeded = str_field(job, "status") == "succeeded";

  report.row({"stored end to end (MB/s, trigger to final)", fmt_num(mbs),
              fmt_num(baseline_mbs) + " (script into a pipe)", ">= 100",
              succeeded ? at_least(mbs, 100) : Verdict::kMissed});
  report.row({"time trigger to final", fmt_num(seconds) + " s", fmt_num(baseline.seconds) + " s",
              "-", Verdict::kInfo});
  report.row({"stdout_bytes of the job", std::to_string(stored), std::to_string(bytes),
              "= " + std::to_string(bytes), stored == bytes ? Verdict::kMet : Verdict::kMissed});
  report.row({"SHA-256 of GET output", sha.substr(0, 16) + "...",
              expected_sha.substr(0, 16) + "... (file)", "equal",
              sha == expected_sha && read_bytes == bytes ? Verdict::kMet : Verdict::kMissed});
  report.row({"orchestrator RSS growth (peak VmRSS, 10 ms samples)", mib_text(orchestrator_growth),
              mib_text(orchestrator_before.rss_kib) + " before", "< 64 MiB",
              orchestrator_growth < limit_kib ? Verdict::kMet : Verdict::kMissed});
  report.row({"agent RSS growth (peak VmRSS, 10 ms samples)", mib_text(agent_growth),
              mib_text(agent_before.rss_kib) + " before", "< 64 MiB",
              agent_growth < limit_kib ? Verdict::kMet : Verdict::kMissed});
  report.row({"orchestrator / agent VmHWM at end (sign-up's Argon2id included)",
              mib_text(orchestrator_after.hwm_kib) + " / " + mib_text(agent_after.hwm_kib), "-",
              "-", Verdict::kInfo});
  report.row({"read back through GET output (MB/s)",
              fmt_num(static_cast<double>(read_bytes) / read_seconds / 1e6), "-", "-",
              Verdict::kInfo});
  report.row({"orchestrator RSS growth while read back",
              mib_text(reading.peak_kib(0) - orchestrator_after.rss_kib), "-", "-",
              Verdict::kInfo});
  report.note(fmt::format("job status {}, {} bytes = {:.1f} MiB", str_field(job, "status"), bytes,
                          static_cast<double>(bytes) / kMiB));
  report.print();
  return 0;
}

}  // namespace
}  // namespace scriptmesh::bench

int main(int argc, char** argv) {
  using namespace scriptmesh::bench;
  CLI::App app{"Storage rate of a large stdout, end to end, and the memory it takes"};
  Flags f;
  add_common_options(app, f.common);
  app.add_option("--mib", f.mib, "MiB the script prints")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return run_bench("bench_output_throughput", [&] { return run(f); });
}
