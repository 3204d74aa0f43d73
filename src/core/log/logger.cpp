#include "scriptmesh/log.hpp"

#include <chrono>
#include <mutex>

#include <date/date.h>

#include "scriptmesh/clock.hpp"

namespace scriptmesh {
namespace {

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
  }
  return false;
}

void append_value(std::string& out, std::string_view v) {
  if (!needs_quotes(v)) {
    out += v;
    return;
  }
  out += '"';
  for (unsigned char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

class LogfmtLogger final : public Logger {
 public:
  LogfmtLogger(std::FILE* out, LogLevel min_level) : out_(out), min_level_(min_level) {}

  void log(LogLevel level, std::string_view message, LogFields fields) override {
    if (level < min_level_) return;
    auto now = std::chrono::floor<std::chrono::milliseconds>(system_clock().now());
    std::string line = format_logfmt(date::format("%FT%TZ", now), level, message, fields);
    line += '\n';
    std::lock_guard lock(mu_);
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fflush(out_);
  }

 private:
  std::mutex mu_;  // serialises whole lines on out_
  std::FILE* out_;
  LogLevel min_level_;
};

class NullLogger final : public Logger {
 public:
  void log(LogLevel, std::string_view, LogFields) override {}
};

}  // namespace

std::string_view log_level_name(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

bool parse_log_level(std::string_view text, LogLevel& out) noexcept {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == log_level_name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

std::string format_logfmt(std::string_view timestamp, LogLevel level, std::string_view message,
                          LogFields fields) {
  std::string line = "ts=";
  line += timestamp;
  line += " level=";
  line += log_level_name(level);
  line += " msg=";
  append_value(line, message);
  for (const LogField& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    append_value(line, f.value);
  }
  return line;
}

std::unique_ptr<Logger> make_logfmt_logger(std::FILE* out, LogLevel min_level) {
  return std::make_unique<LogfmtLogger>(out, min_level);
}

Logger& null_logger() {
  static NullLogger logger;
  return logger;
}

}  // namespace scriptmesh
