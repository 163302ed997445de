// A validating view of one TOML table: checks types and ranges, names the file and full dotted
// key in every error, and remembers which keys were read so misspelt keys can be reported.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/core/config_error.hpp"

namespace edgeloop {

namespace detail {
struct ConfigDocument;  // the parsed TOML and the tree of scopes; defined in config_table.cpp
struct ConfigScope;     // one table of the document and the keys read from it
}  // namespace detail

// Copies and sub-tables share one parsed document and its record of read keys, so a typed
// config struct can be filled by several functions and checked for leftovers once at the end.
// Not thread-safe: configuration is read on one thread at start-up.
//
// Every getter records the key as read even when it is absent, so a fallback key that the user
// misspelt still produces a "did you mean" hint from reject_unknown_keys(). has() records
// nothing. Key arguments are single plain keys, never dotted paths.
class ConfigTable {
 public:
  // ConfigError "cannot read: <reason>" or "<file>:<line>:<col>: <message>" for bad TOML.
  static ConfigTable load_file(const std::filesystem::path& file);
  // source_name stands in for the file name in messages.
  static ConfigTable parse(std::string_view text, std::string source_name);

  bool has(std::string_view key) const;

  std::string get_string(std::string_view key, std::string fallback) const;
  std::string require_string(std::string_view key) const;
  std::int64_t get_int(std::string_view key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
  // Integers are accepted too, since "1" and "1.0" mean the same to a person writing a file.
  double get_double(std::string_view key, double fallback, double min, double max) const;
  bool get_bool(std::string_view key, bool fallback) const;
  std::string get_choice(std::string_view key, std::string fallback,
                         std::initializer_list<std::string_view> allowed) const;
  std::vector<std::string> get_string_array(std::string_view key,
                                            std::vector<std::string> fallback) const;
  std::vector<double> get_double_array(std::string_view key, std::vector<double> fallback) const;
  std::vector<std::int64_t> get_int_array(std::string_view key,
                                          std::vector<std::int64_t> fallback) const;
  // Written in the file as an integer number of milliseconds.
  std::chrono::milliseconds get_duration_ms(std::string_view key,
                                            std::chrono::milliseconds fallback,
                                            std::chrono::milliseconds min,
                                            std::chrono::milliseconds max) const;

  // The sub-table, marked as read; nullopt when absent, ConfigError when the key is not a table.
  std::optional<ConfigTable> table(std::string_view key) const;
  // As table(), but an absent key gives an empty table so defaults apply uniformly.
  ConfigTable table_or_empty(std::string_view key) const;

  // The value under `key` as JSON (tables become objects), marked as read with everything
  // below it: for parameters that another component validates, such as a stage's.
  // nullopt when absent.
  std::optional<nlohmann::json> get_json(std::string_view key) const;
  // The keys of this table in file order (empty for an absent table).
  std::vector<std::string> keys() const;

  // Throws ConfigError "unknown key (misspelt?)" for the first key (in file order) that no
  // getter asked for, descending into sub-tables obtained through table()/table_or_empty().
  void reject_unknown_keys() const;

  const std::string& source() const;
  // Full dotted path of key in this table, e.g. "daemon.endpoints.data".
  std::string dotted(std::string_view key) const;

 private:
  ConfigTable(std::shared_ptr<detail::ConfigDocument> document, detail::ConfigScope* scope);

  [[noreturn]] void fail(std::string_view key, std::string problem) const;

  std::shared_ptr<detail::ConfigDocument> document_;
  detail::ConfigScope* scope_;  // owned by *document_
};

}  // namespace edgeloop
