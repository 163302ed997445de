#include "edgeloop/core/config_table.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "edgeloop/core/spelling.hpp"

namespace edgeloop {

ConfigError::ConfigError(std::string file, std::string key, std::string problem)
    : std::runtime_error(key.empty() ? fmt::format("{}: {}", file, problem)
                                     : fmt::format("{}: {}: {}", file, key, problem)),
      file_(std::move(file)),
      key_(std::move(key)),
      problem_(std::move(problem)) {}

ConfigError::ConfigError(std::string file, std::uint32_t line, std::uint32_t column,
                         std::string problem)
    : std::runtime_error(fmt::format("{}:{}:{}: {}", file, line, column, problem)),
      file_(std::move(file)),
      problem_(std::move(problem)),
      line_(line),
      column_(column) {}

namespace detail {

struct ConfigScope {
  const toml::table* table = nullptr;  // null for table_or_empty() of an absent key
  std::string path;                    // dotted path of this table; empty for the root
  std::set<std::string, std::less<>> asked;
  std::map<std::string, std::unique_ptr<ConfigScope>, std::less<>> children;
};

struct ConfigDocument {
  std::string source;
  toml::table root;
  ConfigScope root_scope;
};

}  // namespace detail

namespace {

using detail::ConfigScope;

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
  }
  return "unknown";
}

// Records the key as read whether or not it is present, so hints can name absent keys too.
const toml::node* read_key(ConfigScope& scope, std::string_view key) {
  if (scope.asked.find(key) == scope.asked.end()) scope.asked.emplace(key);
  return scope.table != nullptr ? scope.table->get(key) : nullptr;
}

bool is_bare_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// The read key the user most likely meant, preferring keys that are absent from the file: a
// key that is present was evidently spelt right already.
std::optional<std::string> suggestion(const ConfigScope& scope, std::string_view unknown) {
  std::optional<std::string> best;
  std::pair<bool, std::size_t> best_rank{true, 3};
  for (const std::string& candidate : scope.asked) {
    const std::size_t distance = edit_distance(unknown, candidate);
    // Two edits turn any two-letter key into any other; require something to survive.
    if (distance == 0 || distance > 2 || distance >= std::min(unknown.size(), candidate.size())) {
      continue;
    }
    const bool present = scope.table != nullptr && scope.table->contains(candidate);
    const std::pair<bool, std::size_t> rank{present, distance};
    if (rank < best_rank) {
      best_rank = rank;
      best = candidate;
    }
  }
  return best;
}

std::string join_path(std::string_view path, std::string_view key) {
  std::string shown = is_bare_key(key) ? std::string(key) : fmt::format("\"{}\"", key);
  return path.empty() ? shown : fmt::format("{}.{}", path, shown);
}

void check_unknown(const std::string& source, const ConfigScope& scope) {
  if (scope.table == nullptr) return;
  // File order, so the error points at the first offending line rather than the first key
  // alphabetically.
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [key, node] : *scope.table) entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const toml::source_position& pa = a.first->source().begin;
    const toml::source_position& pb = b.first->source().begin;
    return std::pair(pa.line, pa.column) < std::pair(pb.line, pb.column);
  });
  for (const auto& [key, node] : entries) {
    const std::string_view name = key->str();
    if (scope.asked.find(name) == scope.asked.end()) {
      std::string problem = "unknown key (misspelt?)";
      if (const auto hint = suggestion(scope, name)) {
        problem += fmt::format("; did you mean '{}'?", *hint);
      }
      throw ConfigError(source, join_path(scope.path, name), std::move(problem));
    }
    const auto child = scope.children.find(name);
    if (child != scope.children.end()) check_unknown(source, *child->second);
  }
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

std::string read_whole_file(const std::filesystem::path& file) {
  const std::string name = file.string();
  const auto cannot_read = [&name](int error) {
    return ConfigError(name, "", "cannot read: " + std::generic_category().message(error));
  };
  const std::unique_ptr<std::FILE, FileCloser> stream(std::fopen(name.c_str(), "rb"));
  if (!stream) throw cannot_read(errno);
  std::string text;
  std::array<char, 65536> chunk{};
  for (;;) {
    const std::size_t got = std::fread(chunk.data(), 1, chunk.size(), stream.get());
    text.append(chunk.data(), got);
    if (got < chunk.size()) break;
  }
  // Reading a directory opens fine on Linux and only fails here, with EISDIR.
  if (std::ferror(stream.get()) != 0) throw cannot_read(errno);
  return text;
}

}  // namespace

ConfigTable::ConfigTable(std::shared_ptr<detail::ConfigDocument> document,
                         detail::ConfigScope* scope)
    : document_(std::move(document)), scope_(scope) {}

ConfigTable ConfigTable::load_file(const std::filesystem::path& file) {
  return parse(read_whole_file(file), file.string());
}

ConfigTable ConfigTable::parse(std::string_view text, std::string source_name) {
  auto document = std::make_shared<detail::ConfigDocument>();
  try {
    document->root = toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    throw ConfigError(std::move(source_name), error.source().begin.line,
                      error.source().begin.column, std::string(error.description()));
  }
  document->source = std::move(source_name);
  document->root_scope.table = &document->root;
  detail::ConfigScope* root = &document->root_scope;
  return ConfigTable(std::move(document), root);
}

void ConfigTable::fail(std::string_view key, std::string problem) const {
  throw ConfigError(document_->source, dotted(key), std::move(problem));
}

bool ConfigTable::has(std::string_view key) const {
  return scope_->table != nullptr && scope_->table->contains(key);
}

std::string ConfigTable::get_string(std::string_view key, std::string fallback) const {
  const toml::node* node = read_key(*scope_, key);
  if (node == nullptr) return fallback;
  const auto* value = node->as_string();
  if (value == nullptr) fail(key, fmt::format("expected a string, got {}", type_name(*node)));
  return value->get();
}

std::string ConfigTable::require_string(std::string_view key) const {
  if (!has(key)) {
    read_key(*scope_, key);
    fail(key, "missing required key");
  }
  return get_string(key, {});
}

std::int64_t ConfigTable::get_int(std::string_view key, std::int64_t fallback, std::int64_t min,
                                  std::int64_t max) const {
  const toml::node* node = read_key(*scope_, key);
  if (node == nullptr) return fallback;
  const auto* value = node->as_integer();
  if (value == nullptr) fail(key, fmt::format("expected an integer, got {}", type_name(*node)));
  const std::int64_t v = value->get();
  if (v < min || v > max) {
    fail(key, fmt::format("value {} is out of range [{}, {}]", v, min, max));
  }
  return v;
}

double ConfigTable::get_double(std::string_view key, double fallback, double min,
                               double max) const {
  const toml::node* node = read_key(*scope_, key);
  if (node == nullptr) return fallback;
  double v = 0.0;
  if (const auto* f = node->as_floating_point()) {
    v = f->get();
  } else if (const auto* i = node->as_integer()) {
    v = static_cast<double>(i->get());
  } else {
    fail(key, fmt::format("expected a number, got {}", type_name(*node)));
  }
  // Written so that nan fails the check too.
  if (!(v >= min && v <= max)) {
    fail(key, fmt::format("value {} is out of range [{}, {}]", v, min, max));
  }
  return v;
}

bool ConfigTable::get_bool(std::string_view key, bool fallback) const {
  const toml::node* node = read_key(*scope_, key);
  if (node == nullptr) return fallback;
  const auto* value = node->as_boolean();
  if (value == nullptr) fail(key, fmt::format("expected a boolean, got {}", type_name(*node)));
  return value->get();
}

std::string ConfigTable::get_choice(std::string_view key, std::string fallback,
                                    std::initializer_list<std::string_view> allowed) const {
  std::string v = get_string(key, std::move(fallback));
  if (!has(key)) return v;
  if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
    fail(key, fmt::format("'{}' is not one of: {}", v, fmt::join(allowed, ", ")));
  }
  return v;
}

namespace {

std::string_view article(std::string_view noun) {
  return !noun.empty() && std::string_view("aeiou").find(noun.front()) != std::string_view::npos
             ? "an"
             : "a";
}

// Walks an array, converting each element or naming the bad element as "key[index]".
template <typename T, typename Convert>
std::vector<T> read_array(const ConfigTable& table, const toml::node& node, std::string_view key,
                          std::string_view element_kind, Convert convert) {
  const auto* array = node.as_array();
  if (array == nullptr) {
    throw ConfigError(
        table.source(), table.dotted(key),
        fmt::format("expected an array of {}s, got {}", element_kind, type_name(node)));
  }
  std::vector<T> out;
  out.reserve(array->size());
  std::size_t index = 0;
  for (const toml::node& element : *array) {
    std::optional<T> converted = convert(element);
    if (!converted) {
      throw ConfigError(table.source(), fmt::format("{}[{}]", table.dotted(key), index),
                        fmt::format("expected {} {}, got {}", article(element_kind), element_kind,
                                    type_name(element)));
    }
    out.push_back(std::move(*converted));
    ++index;
  }
  return out;
}

}  // namespace

std::vector<std::string> ConfigTable::get_string_array(std::string_view key,
                                                       std::vector<std::string> fallback) const {
  const toml::node* node = read_key(*scope_, key);
  if (node == nullptr) return fallback;
  return read_array<std::string>(*this, *node, key, "string",
                                 [](const toml::node& e) -> std::optional<std::string> {
                                   if (const auto* s = e.as_string()) return s->get();
                                   return std::nullopt;
                                 });
}

std::vector<double> ConfigTable::get_double_array(std::string_view key,
                                                  std::vector<double> fallback) const {
  const toml::node* node = read_key(*scope_, key);
  if (node == nullptr) return fallback;
  return read_array<double>(*this, *node, key, "number",
                            [](const toml::node& e) -> std::optional<double> {
                              if (const auto* f = e.as_floating_point()) return f->get();
                              if (const auto* i = e.as_integer()) {
                                return static_cast<double>(i->get());
                              }
                              return std::nullopt;
                            });
}

std::vector<std::int64_t> ConfigTable::get_int_array(std::string_view key,
                                                     std::vector<std::int64_t> fallback) const {
  const toml::node* node = read_key(*scope_, key);
  if (node == nullptr) return fallback;
  return read_array<std::int64_t>(*this, *node, key, "integer",
                                  [](const toml::node& e) -> std::optional<std::int64_t> {
                                    if (const auto* i = e.as_integer()) return i->get();
                                    return std::nullopt;
                                  });
}

std::chrono::milliseconds ConfigTable::get_duration_ms(std::string_view key,
                                                       std::chrono::milliseconds fallback,
                                                       std::chrono::milliseconds min,
                                                       std::chrono::milliseconds max) const {
  const toml::node* node = read_key(*scope_, key);
  if (node == nullptr) return fallback;
  const auto* value = node->as_integer();
  if (value == nullptr) {
    fail(key, fmt::format("expected an integer number of milliseconds, got {}", type_name(*node)));
  }
  const std::int64_t v = value->get();
  if (v < min.count() || v > max.count()) {
    fail(key, fmt::format("value {} ms is out of range [{}, {}] ms", v, min.count(), max.count()));
  }
  return std::chrono::milliseconds(v);
}

namespace {
nlohmann::json json_of(const toml::node& node) {
  if (const auto* t = node.as_table()) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [k, v] : *t) object[std::string(k.str())] = json_of(v);
    return object;
  }
  if (const auto* a = node.as_array()) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& v : *a) array.push_back(json_of(v));
    return array;
  }
  if (const auto* v = node.as_string()) return v->get();
  if (const auto* v = node.as_integer()) return v->get();
  if (const auto* v = node.as_floating_point()) return v->get();
  if (const auto* v = node.as_boolean()) return v->get();
  std::ostringstream text;  // dates and times keep their TOML spelling
  if (const auto* v = node.as_date()) text << *v;
  if (const auto* v = node.as_time()) text << *v;
  if (const auto* v = node.as_date_time()) text << *v;
  return text.str();
}
}  // namespace

std::optional<nlohmann::json> ConfigTable::get_json(std::string_view key) const {
  const toml::node* node = read_key(*scope_, key);
  if (node == nullptr) return std::nullopt;
  return json_of(*node);
}

std::vector<std::string> ConfigTable::keys() const {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  if (scope_->table != nullptr) {
    for (const auto& [k, v] : *scope_->table) entries.emplace_back(&k, &v);
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const toml::source_position& pa = a.first->source().begin;
    const toml::source_position& pb = b.first->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  std::vector<std::string> out;
  for (const auto& e : entries) out.emplace_back(e.first->str());
  return out;
}

std::optional<ConfigTable> ConfigTable::table(std::string_view key) const {
  const toml::node* node = read_key(*scope_, key);
  if (node == nullptr) return std::nullopt;
  const toml::table* sub = node->as_table();
  if (sub == nullptr) fail(key, fmt::format("expected a table, got {}", type_name(*node)));
  auto [it, inserted] = scope_->children.try_emplace(std::string(key));
  if (inserted) {
    it->second = std::make_unique<detail::ConfigScope>();
    it->second->table = sub;
    it->second->path = dotted(key);
  }
  return ConfigTable(document_, it->second.get());
}

ConfigTable ConfigTable::table_or_empty(std::string_view key) const {
  if (auto sub = table(key)) return *std::move(sub);
  auto [it, inserted] = scope_->children.try_emplace(std::string(key));
  if (inserted) {
    it->second = std::make_unique<detail::ConfigScope>();
    it->second->path = dotted(key);
  }
  return ConfigTable(document_, it->second.get());
}

void ConfigTable::reject_unknown_keys() const {
  check_unknown(document_->source, *scope_);
}

const std::string& ConfigTable::source() const {
  return document_->source;
}

std::string ConfigTable::dotted(std::string_view key) const {
  return join_path(scope_->path, key);
}

}  // namespace edgeloop
