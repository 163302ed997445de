#include "edgeloop/pipeline/saxs/saxs_integration_parameters.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "edgeloop/core/sha256.hpp"
#include "edgeloop/core/spelling.hpp"

namespace edgeloop::saxs {
namespace {

constexpr std::string_view kPrefix = "saxs_azimuthal_integration: ";

constexpr std::array<std::string_view, 23> kKeys = {"poni",
                                                    "dist",
                                                    "poni1",
                                                    "poni2",
                                                    "rot1",
                                                    "rot2",
                                                    "rot3",
                                                    "wavelength",
                                                    "pixel1",
                                                    "pixel2",
                                                    "rows",
                                                    "cols",
                                                    "mask",
                                                    "bins",
                                                    "unit",
                                                    "q_min",
                                                    "q_max",
                                                    "polarization_factor",
                                                    "normalize_exposure",
                                                    "flux_normalization",
                                                    "intensity_units",
                                                    "guinier_max_qrg",
                                                    "guinier_min_points"};

constexpr std::array<std::string_view, 11> kInlineGeometry = {
    "dist",       "poni1",  "poni2",  "rot1", "rot2", "rot3",
    "wavelength", "pixel1", "pixel2", "rows", "cols"};

[[noreturn]] void fail(std::string_view what) {
  throw std::invalid_argument(std::string(kPrefix) + std::string(what));
}

void reject_unknown(const nlohmann::json& parameters) {
  for (const auto& [key, value] : parameters.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end()) continue;
    std::string message = "unknown parameter '" + key + "'";
    if (const auto hint = closest_name(key, kKeys)) message += " (did you mean '" + *hint + "'?)";
    fail(message);
  }
}

double number(const nlohmann::json& parameters, std::string_view key, double fallback) {
  const auto it = parameters.find(key);
  if (it == parameters.end()) return fallback;
  if (!it->is_number() || !std::isfinite(it->get<double>())) {
    fail("'" + std::string(key) + "' must be a finite number");
  }
  return it->get<double>();
}

std::optional<double> optional_number(const nlohmann::json& parameters, std::string_view key) {
  if (!parameters.contains(key)) return std::nullopt;
  return number(parameters, key, 0.0);
}

std::int64_t integer(const nlohmann::json& parameters, std::string_view key, std::int64_t fallback,
                     std::int64_t min, std::int64_t max) {
  const auto it = parameters.find(key);
  if (it == parameters.end()) return fallback;
  if (!it->is_number_integer() || it->get<std::int64_t>() < min || it->get<std::int64_t>() > max) {
    fail("'" + std::string(key) + "' must be an integer within " + std::to_string(min) + ".." +
         std::to_string(max));
  }
  return it->get<std::int64_t>();
}

std::string text(const nlohmann::json& parameters, std::string_view key) {
  const auto it = parameters.find(key);
  if (it == parameters.end()) return {};
  if (!it->is_string()) fail("'" + std::string(key) + "' must be a string");
  return it->get<std::string>();
}

bool boolean(const nlohmann::json& parameters, std::string_view key, bool fallback) {
  const auto it = parameters.find(key);
  if (it == parameters.end()) return fallback;
  if (!it->is_boolean()) fail("'" + std::string(key) + "' must be true or false");
  return it->get<bool>();
}

void read_poni(const std::string& path, SaxsIntegrationParameters& out) {
  if (path.empty()) fail("'poni' must name a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("poni: cannot read '" + path + "'");
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail("poni: cannot read '" + path + "'");
  try {
    out.geometry = formats::PoniGeometry::from_poni_text(content, path).parameters();
  } catch (const std::exception& e) {
    fail(std::string("poni: ") + e.what());
  }
  out.poni_file = path;
  out.poni_sha256 = to_hex(Sha256::of(content));
}

void read_inline_geometry(const nlohmann::json& parameters, SaxsIntegrationParameters& out) {
  for (const std::string_view key :
       {"dist", "poni1", "poni2", "wavelength", "pixel1", "pixel2", "rows", "cols"}) {
    if (!parameters.contains(key)) {
      fail("no geometry: give 'poni' (a .poni file) or the inline keys; '" + std::string(key) +
           "' is missing");
    }
  }
  formats::PoniParameters& g = out.geometry;
  g.dist = number(parameters, "dist", g.dist);
  g.poni1 = number(parameters, "poni1", g.poni1);
  g.poni2 = number(parameters, "poni2", g.poni2);
  g.rot1 = number(parameters, "rot1", 0.0);
  g.rot2 = number(parameters, "rot2", 0.0);
  g.rot3 = number(parameters, "rot3", 0.0);
  g.wavelength = number(parameters, "wavelength", g.wavelength);
  g.pixel1 = number(parameters, "pixel1", g.pixel1);
  g.pixel2 = number(parameters, "pixel2", g.pixel2);
  g.rows = static_cast<std::uint32_t>(integer(parameters, "rows", 0, 1, 65536));
  g.cols = static_cast<std::uint32_t>(integer(parameters, "cols", 0, 1, 65536));
  try {
    // The geometry checks its own values and names the bad one.
    static_cast<void>(formats::PoniGeometry(g));
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
}

}  // namespace

SaxsIntegrationParameters parse_saxs_integration_parameters(const nlohmann::json& parameters) {
  if (!parameters.is_object()) fail("parameters must be a table");
  reject_unknown(parameters);
  SaxsIntegrationParameters out;

  if (parameters.contains("poni")) {
    for (const std::string_view key : kInlineGeometry) {
      if (parameters.contains(key)) {
        fail("'" + std::string(key) + "' cannot be combined with 'poni': the geometry comes " +
             "from the .poni file");
      }
    }
    read_poni(text(parameters, "poni"), out);
  } else {
    read_inline_geometry(parameters, out);
  }

  out.mask = text(parameters, "mask");
  if (parameters.contains("mask") && out.mask.empty()) fail("'mask' must not be empty");

  AzimuthalIntegratorOptions& o = out.integrator;
  o.bins = static_cast<std::size_t>(integer(parameters, "bins", 500, 1, 1 << 20));
  if (parameters.contains("unit")) {
    const std::string unit = text(parameters, "unit");
    const auto parsed = radial_unit_from_name(unit);
    if (!parsed) fail("'unit' must be \"q_nm^-1\" or \"q_A^-1\", got \"" + unit + "\"");
    o.unit = *parsed;
  }
  o.radial_min = optional_number(parameters, "q_min");
  o.radial_max = optional_number(parameters, "q_max");
  if (o.radial_min && *o.radial_min < 0.0) fail("'q_min' must be >= 0");
  if (o.radial_max && !(*o.radial_max > 0.0)) fail("'q_max' must be > 0");
  if (o.radial_min && o.radial_max && !(*o.radial_min < *o.radial_max)) {
    fail("'q_min' must be below 'q_max'");
  }
  if (const auto it = parameters.find("polarization_factor"); it != parameters.end()) {
    if (it->is_null()) {
      o.polarization_factor = std::nullopt;
    } else {
      const double f = number(parameters, "polarization_factor", 0.0);
      if (!(std::abs(f) <= 1.0)) fail("'polarization_factor' must be within -1..1 (or null)");
      o.polarization_factor = f;
    }
  }

  out.normalize_exposure = boolean(parameters, "normalize_exposure", false);
  out.flux_normalization = number(parameters, "flux_normalization", 1.0);
  if (!(out.flux_normalization > 0.0)) fail("'flux_normalization' must be > 0");
  out.intensity_units = text(parameters, "intensity_units");
  if (!parameters.contains("intensity_units")) {
    out.intensity_units = out.normalize_exposure ? "counts/s" : "counts";
  }
  out.guinier.max_qrg = number(parameters, "guinier_max_qrg", 1.3);
  if (!(out.guinier.max_qrg > 0.0)) fail("'guinier_max_qrg' must be > 0");
  out.guinier.min_points =
      static_cast<std::size_t>(integer(parameters, "guinier_min_points", 5, 3, 100000));
  return out;
}

}  // namespace edgeloop::saxs
