#include "edgeloop/core/logging.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop {
namespace {

using std::string_view_literals::operator""sv;

std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Logging, TextLinesCarryUtcTimeLevelAndComponent) {
  const testing::TempDir dir;
  const LogConfig config{.level = "debug", .format = "text", .file = (dir / "log.txt").string()};
  const auto logger = make_logger("ingest", config);
  logger->info("started {} workers", 3);
  logger->warn("slow");
  logger->error("broken");
  logger->trace("filtered out");
  logger->flush();

  const auto lines = read_lines(dir / "log.txt");
  ASSERT_EQ(lines.size(), 3U);
  const std::regex text_line(
      R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z (info |warn |error) \[ingest\] .*)");
  for (const auto& line : lines) EXPECT_TRUE(std::regex_match(line, text_line)) << line;
  EXPECT_NE(lines[0].find("Z info  [ingest] started 3 workers"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("Z warn  [ingest] slow"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("Z error [ingest] broken"), std::string::npos) << lines[2];
}

TEST(Logging, TextLinesCannotBeForgedByControlCharacters) {
  const testing::TempDir dir;
  const LogConfig config{.level = "info", .format = "text", .file = (dir / "log.txt").string()};
  const auto logger = make_logger("sim", config);
  logger->info("unknown actuator 'x\n2026-01-01T00:00:00.000000Z error [daemon] fake\x1b[2J'");
  logger->flush();
  const auto lines = read_lines(dir / "log.txt");
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_NE(lines[0].find("x\\x0a2026"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("\\x1b[2J"), std::string::npos) << lines[0];
}

TEST(Logging, JsonLinesParseEvenWithHostileMessages) {
  const testing::TempDir dir;
  const LogConfig config{.level = "info", .format = "json", .file = (dir / "log.jsonl").string()};
  const auto logger = make_logger("control\"plane", config);
  const std::vector<std::string> messages = {
      "plain",
      "quote \" and backslash \\ and slash /",
      "multi\nline\r\nwith\ttab",
      std::string("nul \0 bell \a escape \x1b del \x7f"sv),
      "utf-8 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
  };
  for (const auto& m : messages) logger->info(m);
  logger->info(std::string("bad utf-8 \xff\xc3 \xed\xa0\x80 end"));
  logger->flush();

  const auto lines = read_lines(dir / "log.jsonl");
  ASSERT_EQ(lines.size(), messages.size() + 1);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    SCOPED_TRACE(lines[i]);
    ASSERT_TRUE(nlohmann::json::accept(lines[i]));
    const auto record = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(record.size(), 4U);
    EXPECT_EQ(record.at("level"), "info");
    EXPECT_EQ(record.at("component"), "control\"plane");
    EXPECT_TRUE(std::regex_match(record.at("time").get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
    if (i < messages.size()) {
      EXPECT_EQ(record.at("msg"), messages[i]);
    }
  }
  EXPECT_EQ(nlohmann::json::parse(lines.back()).at("msg"),
            "bad utf-8 \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end");
}

TEST(Logging, AppendsToAnExistingFile) {
  const testing::TempDir dir;
  const LogConfig config{.level = "info", .format = "text", .file = (dir / "log.txt").string()};
  make_logger("a", config)->error("first");
  make_logger("b", config)->error("second");
  EXPECT_EQ(read_lines(dir / "log.txt").size(), 2U);
}

TEST(Logging, ConfigFromTableValidatesChoices) {
  const auto table = ConfigTable::parse(
      "[log]\nlevel = \"warn\"\nformat = \"json\"\nfile = \"/var/log/e.log\"\n", "d.toml");
  const LogConfig config = log_config_from(table.table_or_empty("log"));
  EXPECT_EQ(config.level, "warn");
  EXPECT_EQ(config.format, "json");
  EXPECT_EQ(config.file, "/var/log/e.log");
  EXPECT_NO_THROW(table.reject_unknown_keys());

  const auto defaults = log_config_from(ConfigTable::parse("", "empty.toml"));
  EXPECT_EQ(defaults.level, "info");
  EXPECT_EQ(defaults.format, "text");
  EXPECT_TRUE(defaults.file.empty());

  const auto bad = ConfigTable::parse("[log]\nlevel = \"warning\"\n", "d.toml");
  try {
    log_config_from(bad.table_or_empty("log"));
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.key(), "log.level");
    EXPECT_NE(error.problem().find("'warning' is not one of"), std::string::npos);
  }
}

TEST(Logging, RejectsUnknownLevelOrFormat) {
  LogConfig loud;
  loud.level = "loud";
  EXPECT_THROW(make_logger("x", loud), std::invalid_argument);
  LogConfig xml;
  xml.format = "xml";
  EXPECT_THROW(make_logger("x", xml), std::invalid_argument);
  LogConfig off;
  off.level = "off";
  const auto logger = make_logger("x", off);
  EXPECT_EQ(logger->level(), spdlog::level::off);
  EXPECT_EQ(logger->name(), "x");
}

}  // namespace
}  // namespace edgeloop
