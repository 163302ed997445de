// Structured logging: builds spdlog loggers that write either aligned text for people or one
// JSON object per line for log collectors. Loggers are passed explicitly; nothing is registered.
#pragma once

#include <spdlog/formatter.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "edgeloop/core/config_table.hpp"

namespace edgeloop {

struct LogConfig {
  std::string level = "info";   // trace | debug | info | warn | error | critical | off
  std::string format = "text";  // text | json
  std::string file;             // appended to; empty means stderr
};

// Reads the keys level, format and file; ConfigError for anything else that is wrong.
LogConfig log_config_from(const ConfigTable& table);

// A logger named after the component, with its own sink. Throws std::invalid_argument for a
// level or format outside the lists above, spdlog::spdlog_ex when the file cannot be opened.
// Lines at warn and above are flushed at once so they survive a crash.
std::shared_ptr<spdlog::logger> make_logger(const std::string& component, const LogConfig& config);

// The line formats, exposed so tests and other sinks can use them.
//   text: 2026-11-25T11:05:46.123456Z info  [component] message
//   json: {"time":"2026-11-25T11:05:46.123456Z","level":"info","component":"c","msg":"m"}
std::unique_ptr<spdlog::formatter> make_text_formatter();
std::unique_ptr<spdlog::formatter> make_json_formatter();

}  // namespace edgeloop
