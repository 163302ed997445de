#include "edgeloop/pipeline/apt/apt_ranging_parameters.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/core/spelling.hpp"
#include "edgeloop/pipeline/apt/mass_spectrum_binning.hpp"

namespace edgeloop {
namespace {

[[noreturn]] void fail(const std::string& key, const std::string& problem) {
  throw std::invalid_argument("apt_ranging: '" + key + "' " + problem);
}

double number(const std::string& key, const nlohmann::json& value) {
  if (!value.is_number()) fail(key, "must be a number, got " + value.dump());
  const double v = value.get<double>();
  if (!std::isfinite(v)) fail(key, "must be finite");
  return v;
}

double number_in(const std::string& key, const nlohmann::json& value, double min, double max) {
  const double v = number(key, value);
  if (!(v >= min && v <= max)) {
    fail(key, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " +
                  value.dump());
  }
  return v;
}

double positive(const std::string& key, const nlohmann::json& value, double max) {
  const double v = number(key, value);
  if (!(v > 0.0 && v <= max)) {
    fail(key, "must be in (0, " + std::to_string(max) + "], got " + value.dump());
  }
  return v;
}

bool boolean(const std::string& key, const nlohmann::json& value) {
  if (!value.is_boolean()) fail(key, "must be true or false, got " + value.dump());
  return value.get<bool>();
}

std::uint64_t integer(const std::string& key, const nlohmann::json& value, std::uint64_t min,
                      std::uint64_t max) {
  std::uint64_t v = 0;
  if (value.is_number_unsigned()) {
    v = value.get<std::uint64_t>();
  } else if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    v = static_cast<std::uint64_t>(value.get<std::int64_t>());
  } else {
    fail(key, "must be a non-negative integer, got " + value.dump());
  }
  if (v < min || v > max) {
    fail(key, "must be in " + std::to_string(min) + ".." + std::to_string(max) + ", got " +
                  value.dump());
  }
  return v;
}

}  // namespace

AptRangingParameters parse_apt_ranging_parameters(const nlohmann::json& parameters) {
  if (!parameters.is_object()) {
    throw std::invalid_argument("apt_ranging: parameters must be a table");
  }
  AptRangingParameters p;
  bool have_ranges = false;
  using Setter = std::function<void(const std::string&, const nlohmann::json&)>;
  const std::map<std::string, Setter, std::less<>> setters{
      {"ranges",
       [&](const std::string& k, const nlohmann::json& v) {
         if (!v.is_string() || v.get<std::string>().empty()) {
           fail(k, "must be the path of a .rrng file, got " + v.dump());
         }
         p.ranges = v.get<std::string>();
         have_ranges = true;
       }},
      {"flight_length_mm",
       [&](const std::string& k, const nlohmann::json& v) {
         p.geometry.flight_length_mm = positive(k, v, 1e4);
       }},
      {"t0_ns", [&](const std::string& k,
                    const nlohmann::json& v) { p.geometry.t0_ns = number_in(k, v, -1e6, 1e6); }},
      {"mz_min", [&](const std::string& k, const nlohmann::json& v) { p.mz_min = number(k, v); }},
      {"mz_max", [&](const std::string& k, const nlohmann::json& v) { p.mz_max = number(k, v); }},
      {"bin_width",
       [&](const std::string& k, const nlohmann::json& v) { p.bin_width = number(k, v); }},
      {"background_window",
       [&](const std::string& k, const nlohmann::json& v) {
         if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number()) {
           fail(k, "must be [low, high] in Da, got " + v.dump());
         }
         const double low = number(k, v[0]);
         const double high = number(k, v[1]);
         if (!(low >= 0.0 && low < high)) {
           fail(k, "must have 0 <= low < high, got " + v.dump());
         }
         p.background_window = std::array<double, 2>{low, high};
       }},
      {"background_model",
       [&](const std::string& k, const nlohmann::json& v) {
         if (!v.is_string()) fail(k, "must be \"flat\" or \"inverse_sqrt\", got " + v.dump());
         try {
           p.background_model = background_model_from(v.get<std::string>());
         } catch (const std::invalid_argument&) {
           fail(k, "must be \"flat\" or \"inverse_sqrt\", got " + v.dump());
         }
       }},
      {"background_subtract",
       [&](const std::string& k, const nlohmann::json& v) {
         p.background_subtract = boolean(k, v);
       }},
      {"reconstruction",
       [&](const std::string& k, const nlohmann::json& v) { p.reconstruction = boolean(k, v); }},
      {"detector_radius_mm",
       [&](const std::string& k, const nlohmann::json& v) {
         p.projection.detector_radius_mm = number(k, v);
       }},
      {"image_compression",
       [&](const std::string& k, const nlohmann::json& v) {
         p.projection.image_compression = number(k, v);
       }},
      {"field_factor", [&](const std::string& k,
                           const nlohmann::json& v) { p.projection.field_factor = number(k, v); }},
      {"evaporation_field_v_per_nm",
       [&](const std::string& k, const nlohmann::json& v) {
         p.projection.evaporation_field_v_per_nm = number(k, v);
       }},
      {"detection_efficiency",
       [&](const std::string& k, const nlohmann::json& v) {
         p.projection.detection_efficiency = number(k, v);
       }},
      {"atomic_volume_nm3",
       [&](const std::string& k, const nlohmann::json& v) {
         p.atomic_volume_nm3 = positive(k, v, 1.0);
       }},
      {"count_unranged_volume",
       [&](const std::string& k, const nlohmann::json& v) {
         p.count_unranged_volume = boolean(k, v);
       }},
      {"max_points",
       [&](const std::string& k, const nlohmann::json& v) {
         p.max_points = integer(k, v, 1, AptRangingParameters::kMaxPoints);
       }},
      {"seed", [&](const std::string& k,
                   const nlohmann::json& v) { p.seed = integer(k, v, 0, UINT64_MAX); }},
  };

  for (const auto& [key, value] : parameters.items()) {
    const auto setter = setters.find(key);
    if (setter == setters.end()) {
      std::vector<std::string_view> known;
      for (const auto& entry : setters) known.push_back(entry.first);
      const auto hint = closest_name(key, known);
      throw std::invalid_argument("apt_ranging: unknown parameter '" + key + "'" +
                                  (hint ? "; did you mean '" + *hint + "'?" : std::string()));
    }
    setter->second(key, value);
  }
  if (!have_ranges) fail("ranges", "is required: the path of the .rrng file to range with");
  if (p.background_subtract && !p.background_window) {
    fail("background_subtract", "needs a background_window to estimate the background from");
  }
  p.projection.flight_length_mm = p.geometry.flight_length_mm;
  try {
    static_cast<void>(MassSpectrumBinning(p.mz_min, p.mz_max, p.bin_width));
    p.projection.validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("apt_ranging: ") + e.what());
  }
  return p;
}

nlohmann::json to_json(const AptRangingParameters& p) {
  nlohmann::json j{
      {"ranges", p.ranges.string()},
      {"flight_length_mm", p.geometry.flight_length_mm},
      {"t0_ns", p.geometry.t0_ns},
      {"mz_min", p.mz_min},
      {"mz_max", p.mz_max},
      {"bin_width", p.bin_width},
      {"background_window", nullptr},
      {"background_model", std::string(background_model_name(p.background_model))},
      {"background_subtract", p.background_subtract},
      {"reconstruction", p.reconstruction},
      {"detector_radius_mm", p.projection.detector_radius_mm},
      {"image_compression", p.projection.image_compression},
      {"field_factor", p.projection.field_factor},
      {"evaporation_field_v_per_nm", p.projection.evaporation_field_v_per_nm},
      {"detection_efficiency", p.projection.detection_efficiency},
      {"atomic_volume_nm3", p.atomic_volume_nm3},
      {"count_unranged_volume", p.count_unranged_volume},
      {"max_points", p.max_points},
      {"seed", p.seed},
  };
  if (p.background_window) {
    j["background_window"] = {(*p.background_window)[0], (*p.background_window)[1]};
  }
  return j;
}

}  // namespace edgeloop
