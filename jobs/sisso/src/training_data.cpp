#include "edgeloop/sisso/training_data.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <set>

#include "edgeloop/sisso/input_error.hpp"

namespace edgeloop::sisso {
namespace {

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  const auto is_separator = [](char c) {
    return c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\v' || c == '\f';
  };
  while (pos < line.size()) {
    while (pos < line.size() && is_separator(line[pos])) ++pos;
    const std::size_t start = pos;
    while (pos < line.size() && !is_separator(line[pos])) ++pos;
    if (pos > start) fields.push_back(line.substr(start, pos - start));
  }
  return fields;
}

// Expressions are written from feature names with ()+-*/^| and blanks as syntax, so a name
// holding any of them would make the printed models ambiguous.
bool usable_feature_name(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '[' || c == ']' || c == '{' || c == '}' ||
                    c == '@' || c == '#' || c == '$' || c == '%' || c == '&' || c == '~';
    if (!ok) return false;
  }
  return true;
}

double parse_value(std::string_view token, std::string_view source, std::size_t line_no,
                   std::string_view column) {
  double value = 0.0;
  const char* first = token.data();
  const char* last = token.data() + token.size();
  if (!token.empty() && *first == '+') ++first;  // from_chars rejects a leading plus
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || end != last) {
    throw InputError(
        fmt::format("{}:{}: column '{}': '{}' is not a number", source, line_no, column, token));
  }
  if (!std::isfinite(value)) {
    throw InputError(fmt::format("{}:{}: column '{}': value '{}' is not finite", source, line_no,
                                 column, token));
  }
  return value;
}

}  // namespace

TrainingData parse_training_data(std::istream& in, std::string_view source) {
  TrainingData data;
  std::vector<std::vector<double>> rows;  // per sample: property then features
  std::string line;
  std::size_t line_no = 0;
  bool header_seen = false;
  while (std::getline(in, line)) {
    ++line_no;
    const auto fields = split_fields(line);
    if (fields.empty()) continue;  // blank lines carry nothing
    if (!header_seen) {
      if (fields.size() < 3) {
        throw InputError(fmt::format(
            "{}:{}: header needs at least 3 fields (sample, property, feature...), found {}",
            source, line_no, fields.size()));
      }
      data.sample_column = std::string(fields[0]);
      data.property_name = std::string(fields[1]);
      std::set<std::string_view> seen;
      for (std::size_t i = 2; i < fields.size(); ++i) {
        if (!usable_feature_name(fields[i])) {
          throw InputError(fmt::format(
              "{}:{}: feature name '{}' may hold only letters, digits and _.[]{{}}@#$%&~", source,
              line_no, fields[i]));
        }
        if (!seen.insert(fields[i]).second) {
          throw InputError(
              fmt::format("{}:{}: duplicate feature name '{}'", source, line_no, fields[i]));
        }
        data.feature_names.emplace_back(fields[i]);
      }
      header_seen = true;
      continue;
    }
    if (fields.size() != data.feature_names.size() + 2) {
      throw InputError(fmt::format("{}:{}: row has {} fields, the header has {}", source, line_no,
                                   fields.size(), data.feature_names.size() + 2));
    }
    std::vector<double> row;
    row.reserve(fields.size() - 1);
    row.push_back(parse_value(fields[1], source, line_no, data.property_name));
    for (std::size_t i = 2; i < fields.size(); ++i) {
      row.push_back(parse_value(fields[i], source, line_no, data.feature_names[i - 2]));
    }
    data.sample_names.emplace_back(fields[0]);
    rows.push_back(std::move(row));
  }
  if (!header_seen) throw InputError(fmt::format("{}: empty file, no header row", source));
  if (rows.size() < 2) {
    throw InputError(fmt::format("{}: {} sample(s); at least 2 are needed", source, rows.size()));
  }
  const std::size_t n = rows.size();
  const std::size_t nf = data.feature_names.size();
  data.property.resize(n);
  data.features.resize(n * nf);
  for (std::size_t s = 0; s < n; ++s) {
    data.property[s] = rows[s][0];
    for (std::size_t f = 0; f < nf; ++f) data.features[f * n + s] = rows[s][f + 1];
  }
  return data;
}

TrainingData read_training_data(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot open for reading", path.string()));
  return parse_training_data(in, path.string());
}

}  // namespace edgeloop::sisso
