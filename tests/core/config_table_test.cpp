#include "edgeloop/core/config_table.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kSample = R"(
name = "edge-1"
threads = 4
gain = 0.5
unit_gain = 2
enabled = true
mode = "pid"
tags = ["a", "b"]
gains = [1, 2.5, -3]
ports = [5555, 5556]
timeout_ms = 250

[daemon.endpoints]
data = "tcp://127.0.0.1:5555"
)";

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Runs body and returns the ConfigError it throws, failing the test if it throws nothing.
template <typename Body>
ConfigError error_from(Body body) {
  try {
    body();
  } catch (const ConfigError& error) {
    return error;
  }
  ADD_FAILURE() << "expected a ConfigError";
  return ConfigError("", "", "");
}

TEST(ConfigTable, ReadsEveryTypeAndPassesUnknownKeyCheck) {
  const ConfigTable config = ConfigTable::parse(kSample, "edge.toml");
  EXPECT_EQ(config.get_string("name", ""), "edge-1");
  EXPECT_EQ(config.require_string("name"), "edge-1");
  EXPECT_EQ(config.get_int("threads", 1, 1, 64), 4);
  EXPECT_DOUBLE_EQ(config.get_double("gain", 0.0, 0.0, 1.0), 0.5);
  EXPECT_DOUBLE_EQ(config.get_double("unit_gain", 0.0, 0.0, 10.0), 2.0);
  EXPECT_TRUE(config.get_bool("enabled", false));
  EXPECT_EQ(config.get_choice("mode", "pid", {"pid", "bang"}), "pid");
  EXPECT_EQ(config.get_string_array("tags", {}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(config.get_double_array("gains", {}), (std::vector<double>{1.0, 2.5, -3.0}));
  EXPECT_EQ(config.get_int_array("ports", {}), (std::vector<std::int64_t>{5555, 5556}));
  EXPECT_EQ(
      config.get_duration_ms("timeout_ms", milliseconds(1), milliseconds(1), milliseconds(1000)),
      milliseconds(250));
  const auto daemon = config.table("daemon");
  ASSERT_TRUE(daemon);
  const ConfigTable endpoints = daemon->table_or_empty("endpoints");
  EXPECT_EQ(endpoints.require_string("data"), "tcp://127.0.0.1:5555");
  EXPECT_EQ(endpoints.dotted("data"), "daemon.endpoints.data");
  EXPECT_EQ(endpoints.source(), "edge.toml");
  EXPECT_NO_THROW(config.reject_unknown_keys());
}

TEST(ConfigTable, AbsentKeysGiveFallbacks) {
  const ConfigTable config = ConfigTable::parse("", "empty.toml");
  EXPECT_FALSE(config.has("x"));
  EXPECT_EQ(config.get_string("x", "dflt"), "dflt");
  EXPECT_EQ(config.get_int("x", 7, 0, 10), 7);
  EXPECT_EQ(config.get_choice("x", "b", {"a", "b"}), "b");
  EXPECT_EQ(config.get_double_array("x", {1.5}), std::vector<double>{1.5});
  EXPECT_FALSE(config.table("sub"));
  const ConfigTable sub = config.table_or_empty("sub");
  EXPECT_EQ(sub.get_int("y", 3, 0, 10), 3);
  EXPECT_EQ(sub.dotted("y"), "sub.y");
  EXPECT_NO_THROW(config.reject_unknown_keys());
}

TEST(ConfigTable, MissingRequiredKeyNamesFileAndDottedKey) {
  const ConfigTable config = ConfigTable::parse("[daemon.endpoints]\n", "edge.toml");
  const ConfigTable endpoints = config.table_or_empty("daemon").table_or_empty("endpoints");
  const ConfigError error = error_from([&] { endpoints.require_string("data"); });
  EXPECT_STREQ(error.what(), "edge.toml: daemon.endpoints.data: missing required key");
  EXPECT_EQ(error.file(), "edge.toml");
  EXPECT_EQ(error.key(), "daemon.endpoints.data");
  EXPECT_EQ(error.problem(), "missing required key");
}

TEST(ConfigTable, WrongTypesAreRejectedStrictly) {
  const ConfigTable config = ConfigTable::parse(
      "[net]\nport = \"5555\"\nratio = \"0.5\"\nflag = 1\nname = 3\nsub = 4\nms = 2.5\n"
      "list = \"x\"\nnums = [1, \"two\"]\n",
      "net.toml");
  const ConfigTable net = config.table_or_empty("net");
  EXPECT_STREQ(error_from([&] { net.get_int("port", 0, 0, 65535); }).what(),
               "net.toml: net.port: expected an integer, got string");
  EXPECT_STREQ(error_from([&] { net.get_double("ratio", 0, 0, 1); }).what(),
               "net.toml: net.ratio: expected a number, got string");
  EXPECT_STREQ(error_from([&] { net.get_bool("flag", false); }).what(),
               "net.toml: net.flag: expected a boolean, got integer");
  EXPECT_STREQ(error_from([&] { net.get_string("name", ""); }).what(),
               "net.toml: net.name: expected a string, got integer");
  EXPECT_STREQ(error_from([&] { net.table("sub"); }).what(),
               "net.toml: net.sub: expected a table, got integer");
  EXPECT_STREQ(error_from([&] {
                 net.get_duration_ms("ms", milliseconds(1), milliseconds(0), milliseconds(10));
               }).what(),
               "net.toml: net.ms: expected an integer number of milliseconds, got float");
  EXPECT_STREQ(error_from([&] { net.get_string_array("list", {}); }).what(),
               "net.toml: net.list: expected an array of strings, got string");
  EXPECT_STREQ(error_from([&] { net.get_int_array("nums", {}); }).what(),
               "net.toml: net.nums[1]: expected an integer, got string");
}

TEST(ConfigTable, OutOfRangeNamesTheRange) {
  const ConfigTable config =
      ConfigTable::parse("port = 70000\ngain = 1.5\nbad = nan\nwait = 9000\n", "net.toml");
  EXPECT_STREQ(error_from([&] { config.get_int("port", 1, 1, 65535); }).what(),
               "net.toml: port: value 70000 is out of range [1, 65535]");
  EXPECT_STREQ(error_from([&] { config.get_double("gain", 0, 0, 1); }).what(),
               "net.toml: gain: value 1.5 is out of range [0, 1]");
  EXPECT_TRUE(
      contains(error_from([&] { config.get_double("bad", 0, 0, 1); }).problem(), "out of range"));
  EXPECT_STREQ(error_from([&] {
                 config.get_duration_ms("wait", milliseconds(1), milliseconds(1),
                                        milliseconds(5000));
               }).what(),
               "net.toml: wait: value 9000 ms is out of range [1, 5000] ms");
}

TEST(ConfigTable, BadChoiceListsTheAllowedValues) {
  const ConfigTable config = ConfigTable::parse("[log]\nformat = \"xml\"\n", "log.toml");
  const ConfigError error = error_from([&] {
    config.table_or_empty("log").get_choice("format", "text", {"text", "json"});
  });
  EXPECT_STREQ(error.what(), "log.toml: log.format: 'xml' is not one of: text, json");
}

TEST(ConfigTable, UnknownKeySuggestsTheNearestReadKey) {
  const ConfigTable config = ConfigTable::parse(
      "[daemon.endpoints]\ndata = \"tcp://a\"\ncontorl = \"tcp://b\"\n", "edge.toml");
  const ConfigTable endpoints = config.table_or_empty("daemon").table_or_empty("endpoints");
  endpoints.require_string("data");
  endpoints.get_string("control", "tcp://default");
  const ConfigError error = error_from([&] { config.reject_unknown_keys(); });
  EXPECT_STREQ(error.what(),
               "edge.toml: daemon.endpoints.contorl: unknown key (misspelt?); did you mean "
               "'control'?");
  EXPECT_EQ(error.key(), "daemon.endpoints.contorl");
}

TEST(ConfigTable, UnknownKeyWithoutNearMatchHasNoHint) {
  const ConfigTable config = ConfigTable::parse("threads = 2\ncolour = \"red\"\n", "a.toml");
  config.get_int("threads", 1, 1, 8);
  EXPECT_STREQ(error_from([&] { config.reject_unknown_keys(); }).what(),
               "a.toml: colour: unknown key (misspelt?)");
}

TEST(ConfigTable, UnreadSubTableIsItselfUnknown) {
  const ConfigTable config = ConfigTable::parse("a = 1\n[extra]\nb = 2\n", "a.toml");
  config.get_int("a", 0, 0, 9);
  EXPECT_EQ(error_from([&] { config.reject_unknown_keys(); }).key(), "extra");
}

TEST(ConfigTable, UnknownKeysAreReportedInFileOrder) {
  const ConfigTable config = ConfigTable::parse("zeta = 1\nalpha = 2\n", "a.toml");
  EXPECT_EQ(error_from([&] { config.reject_unknown_keys(); }).key(), "zeta");
}

TEST(ConfigTable, ParseErrorGivesLineAndColumn) {
  const ConfigError error =
      error_from([] { ConfigTable::parse("a = 1\nb = = 2\n", "broken.toml"); });
  EXPECT_EQ(error.file(), "broken.toml");
  EXPECT_EQ(error.line(), 2U);
  EXPECT_GT(error.column(), 0U);
  EXPECT_TRUE(contains(error.what(), "broken.toml:2:"));
}

TEST(ConfigTable, LoadsFileAndReportsUnreadableOnes) {
  const testing::TempDir dir;
  const auto good = dir / "good.toml";
  std::ofstream(good) << "port = 5555\n";
  EXPECT_EQ(ConfigTable::load_file(good).get_int("port", 0, 1, 65535), 5555);
  EXPECT_EQ(ConfigTable::load_file(good).source(), good.string());

  const auto missing = dir / "missing.toml";
  const ConfigError error = error_from([&] { ConfigTable::load_file(missing); });
  EXPECT_EQ(error.what(), missing.string() + ": cannot read: No such file or directory");

  EXPECT_TRUE(contains(error_from([&] { ConfigTable::load_file(dir.path()); }).what(),
                       "cannot read: Is a directory"));

  const auto bad = dir / "bad.toml";
  std::ofstream(bad) << "x = 1\n\n[unterminated\n";
  EXPECT_TRUE(
      contains(error_from([&] { ConfigTable::load_file(bad); }).what(), bad.string() + ":3:"));
}

}  // namespace
}  // namespace edgeloop
