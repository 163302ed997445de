#include "edgeloop/core/logging.hpp"

#include <spdlog/formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "edgeloop/core/clock.hpp"

namespace edgeloop {
namespace {

constexpr std::array<std::string_view, 7> kLevelNames = {"trace", "debug",    "info", "warn",
                                                         "error", "critical", "off"};
static_assert(spdlog::level::trace == 0 && spdlog::level::warn == 3 && spdlog::level::off == 6,
              "kLevelNames is indexed by spdlog's level numbers");

// Our own names rather than spdlog's, which spell warn as "warning" and accept unknown strings
// as "off" without complaint.
spdlog::level::level_enum parse_level(std::string_view name) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == name) return static_cast<spdlog::level::level_enum>(i);
  }
  throw std::invalid_argument("unknown log level '" + std::string(name) + "'");
}

std::string_view level_name(spdlog::level::level_enum level) {
  const auto index = static_cast<std::size_t>(level);
  return index < kLevelNames.size() ? kLevelNames[index] : std::string_view("?");
}

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

void append_time(spdlog::memory_buf_t& dest, spdlog::log_clock::time_point time) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch());
  append(dest, iso8601_utc(static_cast<std::int64_t>(ns.count())));
}

std::string_view as_view(spdlog::string_view_t text) {
  return {text.data(), text.size()};
}

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 if it is malformed
// (overlong, surrogate, beyond U+10FFFF or truncated).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

// `prefix` followed by two hex digits: "\u00" + "1b" in JSON, "\x" + "1b" in text lines.
void append_hex_escape(spdlog::memory_buf_t& dest, std::string_view prefix, unsigned char byte) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  append(dest, prefix);
  dest.push_back(kHex[byte >> 4]);
  dest.push_back(kHex[byte & 0x0F]);
}

// Messages carry peer-supplied text (topic names, error strings), so anything that would break
// the line as JSON is escaped, and bytes that are not UTF-8 become U+FFFD.
void append_json_string(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      const std::size_t length = utf8_sequence_length(text, i);
      if (length == 0) {
        append(dest, "\\ufffd");
        ++i;
      } else {
        append(dest, text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        append(dest, "\\\"");
        break;
      case '\\':
        append(dest, "\\\\");
        break;
      case '\n':
        append(dest, "\\n");
        break;
      case '\r':
        append(dest, "\\r");
        break;
      case '\t':
        append(dest, "\\t");
        break;
      case '\b':
        append(dest, "\\b");
        break;
      case '\f':
        append(dest, "\\f");
        break;
      default:
        if (u < 0x20) {
          append_hex_escape(dest, "\\u00", u);
        } else {
          dest.push_back(c);
        }
    }
    ++i;
  }
  dest.push_back('"');
}

class TextFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    append_time(dest, msg.time);
    dest.push_back(' ');
    // Padded to the longest common name so messages line up.
    const std::string_view level = level_name(msg.level);
    append(dest, level);
    for (std::size_t n = level.size(); n < 5; ++n) dest.push_back(' ');
    append(dest, " [");
    append(dest, as_view(msg.logger_name));
    append(dest, "] ");
    // Messages can carry text from the network; a newline or escape sequence in it must not
    // forge a log line or drive the operator's terminal.
    for (const char c : as_view(msg.payload)) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7F) {
        append_hex_escape(dest, "\\x", u);
      } else {
        dest.push_back(c);
      }
    }
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<TextFormatter>();
  }
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    append(dest, "{\"time\":\"");
    append_time(dest, msg.time);
    append(dest, "\",\"level\":\"");
    append(dest, level_name(msg.level));
    append(dest, "\",\"component\":");
    append_json_string(dest, as_view(msg.logger_name));
    append(dest, ",\"msg\":");
    append_json_string(dest, as_view(msg.payload));
    append(dest, "}\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

LogConfig log_config_from(const ConfigTable& table) {
  LogConfig config;
  config.level = table.get_choice("level", config.level,
                                  {"trace", "debug", "info", "warn", "error", "critical", "off"});
  config.format = table.get_choice("format", config.format, {"text", "json"});
  config.file = table.get_string("file", config.file);
  return config;
}

std::unique_ptr<spdlog::formatter> make_text_formatter() {
  return std::make_unique<TextFormatter>();
}

std::unique_ptr<spdlog::formatter> make_json_formatter() {
  return std::make_unique<JsonFormatter>();
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& component, const LogConfig& config) {
  const spdlog::level::level_enum level = parse_level(config.level);
  std::unique_ptr<spdlog::formatter> formatter;
  if (config.format == "text") {
    formatter = make_text_formatter();
  } else if (config.format == "json") {
    formatter = make_json_formatter();
  } else {
    throw std::invalid_argument("unknown log format '" + config.format + "'");
  }

  spdlog::sink_ptr sink;
  if (config.file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.file, /*truncate=*/false);
  }
  sink->set_formatter(std::move(formatter));

  auto logger = std::make_shared<spdlog::logger>(component, std::move(sink));
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  return logger;
}

}  // namespace edgeloop
