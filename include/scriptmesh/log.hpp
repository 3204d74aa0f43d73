// Structured logging: one logfmt line per event.
//
//   ts=2026-11-26T10:00:00.123Z level=info msg="server listening" listen=127.0.0.1:8080
//
// Callers pass a fixed message and key/value fields; values are quoted and
// escaped as logfmt requires, so a field can never forge another line. Secrets
// are never passed here: log an id or a prefix, not a key or a token.
//
// Thread safety: every Logger method may be called from any thread; a line is
// written whole, never interleaved with another.
#pragma once

#include <cstdio>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

namespace scriptmesh {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// "debug", "info", "warn", "error".
std::string_view log_level_name(LogLevel level) noexcept;
// Parses a level name; false when unknown.
bool parse_log_level(std::string_view text, LogLevel& out) noexcept;

struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, long long v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, unsigned long v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, unsigned long long v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, long v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, unsigned v) : key(k), value(std::to_string(v)) {}

  std::string_view key;
  std::string value;
};

using LogFields = std::initializer_list<LogField>;

class Logger {
 public:
  virtual ~Logger() = default;

  // Writes one line when `level` is at or above the logger's threshold.
  virtual void log(LogLevel level, std::string_view message, LogFields fields = {}) = 0;

  void debug(std::string_view message, LogFields fields = {}) {
    log(LogLevel::kDebug, message, fields);
  }
  void info(std::string_view message, LogFields fields = {}) {
    log(LogLevel::kInfo, message, fields);
  }
  void warn(std::string_view message, LogFields fields = {}) {
    log(LogLevel::kWarn, message, fields);
  }
  void error(std::string_view message, LogFields fields = {}) {
    log(LogLevel::kError, message, fields);
  }
};

// A logger writing logfmt lines to `out` (not owned; stderr by default),
// dropping lines below `min_level`. Timestamps come from the system clock.
std::unique_ptr<Logger> make_logfmt_logger(std::FILE* out = stderr,
                                           LogLevel min_level = LogLevel::kInfo);

// A logger that discards everything (for hosts and tests that do not care).
Logger& null_logger();

// Formats one logfmt line without its trailing newline (exposed for tests).
std::string format_logfmt(std::string_view timestamp, LogLevel level, std::string_view message,
                          LogFields fields);

}  // namespace scriptmesh
