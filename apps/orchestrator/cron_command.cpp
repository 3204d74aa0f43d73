// scriptmesh-orchestrator cron preview: the next fire times of a cron
// expression in a time zone, one RFC 3339 UTC time per line, the same
// answer (and the same error messages) as GET /v1/cron/preview.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/cron.hpp"

namespace scriptmesh::app {
namespace {

int fail(const Error& error) {
  std::fprintf(stderr, "error: %s\n", error.to_string().c_str());
  return 1;
}

Result<WallTime> parse_from(const std::string& text) {
  auto from = parse_rfc3339(text);
  if (!from.ok()) {
    return Error::invalid_argument("invalid_time",
                                   "--from must be an RFC 3339 time, years 1970..2261");
  }
  return from;
}

}  // namespace

void add_cron_commands(CLI::App& app, CronCommands& cmds) {
  CLI::App* cron = app.add_subcommand("cron", "Cron expression tools");
  cron->require_subcommand(1);
  cmds.preview = cron->add_subcommand(
      "preview", "Print the next run times of a cron expression, one RFC 3339 UTC time per line");
  cmds.preview->add_option("--expr", cmds.expr, "Five-field cron expression or @macro")->required();
  cmds.preview->add_option("--tz", cmds.tz, "IANA time zone, e.g. Europe/Berlin")->required();
  cmds.preview->add_option("--from", cmds.from,
                           "RFC 3339 time; runs are strictly after it (default: now)");
  cmds.preview->add_option("--count", cmds.count, "How many runs (1-1000, default 5)");
}

bool CronCommands::parsed() const {
  return preview != nullptr && preview->parsed();
}

int run_cron_preview(const CronCommands& cmds) {
  auto expr = parse_cron(cmds.expr);
  if (!expr.ok()) return fail(expr.error());
  WallTime from = system_clock().now();
  if (!cmds.from.empty()) {
    auto parsed = parse_from(cmds.from);
    if (!parsed.ok()) return fail(parsed.error());
    from = *parsed;
  }
  auto runs = next_runs(*expr, cmds.tz, from, cmds.count);
  if (!runs.ok()) return fail(runs.error());
  for (WallTime t : *runs)
    std::printf("%s\n", format_rfc3339(t).c_str());
  return 0;
}

}  // namespace scriptmesh::app
