// Reads the lossy stages' JSON parameters, each error naming the stage and the key, as every
// stage's configure() must.
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace edgeloop::lossy::detail {

class ParameterReader {
 public:
  explicit ParameterReader(std::string_view stage) : stage_(stage) {}

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw std::invalid_argument(stage_ + ": '" + key + "' " + why);
  }

  // Finite; at least `min` (inclusive or not).
  double number(const std::string& key, const nlohmann::json& value, double min,
                bool inclusive) const {
    if (!value.is_number()) fail(key, "must be a number");
    const auto x = value.get<double>();
    if (!std::isfinite(x)) fail(key, "must be finite");
    if (inclusive ? x < min : x <= min) {
      fail(key, std::string("must be ") + (inclusive ? ">= " : "> ") + format(min));
    }
    return x;
  }

  std::uint64_t integer(const std::string& key, const nlohmann::json& value, std::uint64_t min,
                        std::uint64_t max) const {
    if (!value.is_number_integer()) fail(key, "must be an integer");
    if (!value.is_number_unsigned() && value.get<std::int64_t>() < 0) {
      fail(key, "must be within " + std::to_string(min) + ".." + std::to_string(max));
    }
    const auto n = value.get<std::uint64_t>();
    if (n < min || n > max) {
      fail(key, "must be within " + std::to_string(min) + ".." + std::to_string(max));
    }
    return n;
  }

  bool boolean(const std::string& key, const nlohmann::json& value) const {
    if (!value.is_boolean()) fail(key, "must be true or false");
    return value.get<bool>();
  }

  [[noreturn]] void unknown(const std::string& key) const {
    throw std::invalid_argument(stage_ + ": unknown parameter '" + key + "'");
  }

 private:
  static std::string format(double x) {
    std::string s = std::to_string(x);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  std::string stage_;
};

}  // namespace edgeloop::lossy::detail
