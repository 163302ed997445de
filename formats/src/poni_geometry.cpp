#include "edgeloop/formats/poni_geometry.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <numbers>
#include <optional>
#include <sstream>
#include <system_error>

namespace edgeloop::formats {
namespace {

std::string what_of(const std::string& source, std::uint32_t line, const std::string& problem) {
  if (line == 0) return source + ": " + problem;
  return source + ":" + std::to_string(line) + ": " + problem;
}

// Shortest text that reads back to the same double, so a written file round-trips exactly.
std::string number_text(double value) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return {buffer.data(), result.ptr};
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// What the text printed for one bad value looks like: short, with no control characters.
std::string shown(std::string_view value) {
  std::string out = "'";
  for (const char c : value.substr(0, 60)) {
    out += std::isprint(static_cast<unsigned char>(c)) != 0 ? c : '?';
  }
  if (value.size() > 60) out += "...";
  return out + "'";
}

constexpr int kMaxJsonDepth = 8;

// Deepest nesting of brackets and braces outside strings: a cheap bound checked before parsing.
int json_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
    if (c == ']' || c == '}') --depth;
  }
  return deepest;
}

// A JSON value for an error message: scalars as written, containers by their type only.
std::string describe(const nlohmann::json& value) {
  if (value.is_structured()) return std::string("a JSON ") + value.type_name();
  return shown(value.dump());
}

void require(bool ok, const char* name, const std::string& problem) {
  if (!ok) throw std::invalid_argument(std::string("PoniGeometry: ") + name + " " + problem);
}

// One "Key: value" line of a .poni file, with the line it came from.
struct Entry {
  std::string value;
  std::uint32_t line;
};

class PoniParser {
 public:
  PoniParser(std::string_view text, const std::string& source) : source_(source) {
    std::uint32_t number = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
      const std::size_t end = std::min(text.find('\n', start), text.size());
      ++number;
      read_line(trim(text.substr(start, end - start)), number);
      start = end + 1;
    }
  }

  PoniParameters parameters() const {
    PoniParameters p;
    check_version();
    p.detector = string_of("detector", p.detector);
    read_detector_config(p);
    p.dist = required_number("distance", "Distance");
    p.poni1 = required_number("poni1", "Poni1");
    p.poni2 = required_number("poni2", "Poni2");
    p.rot1 = optional_number("rot1", 0.0);
    p.rot2 = optional_number("rot2", 0.0);
    p.rot3 = optional_number("rot3", 0.0);
    p.wavelength = required_number("wavelength", "Wavelength");
    return p;
  }

  [[noreturn]] void fail(std::uint32_t line, const std::string& problem) const {
    throw PoniError(source_, line, problem);
  }

 private:
  void read_line(std::string_view line, std::uint32_t number) {
    if (line.empty() || line.front() == '#') return;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      fail(number, "expected 'Key: value', got " + shown(line));
    }
    const std::string key = lower(trim(line.substr(0, colon)));
    static constexpr std::array<std::string_view, 13> kKnown = {
        "poni_version", "detector",   "detector_config",
        "distance",     "poni1",      "poni2",
        "rot1",         "rot2",       "rot3",
        "wavelength",   "pixelsize1", "pixelsize2",
        "splinefile"};
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) {
      fail(number, "unknown key " + shown(trim(line.substr(0, colon))));
    }
    if (entries_.contains(key)) {
      fail(number, "key " + shown(key) + " repeats line " + std::to_string(entries_.at(key).line));
    }
    entries_.emplace(key, Entry{std::string(trim(line.substr(colon + 1))), number});
  }

  const Entry* find(const std::string& key) const {
    const auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
  }

  void check_version() const {
    const Entry* version = find("poni_version");
    if (version == nullptr) {
      fail(0,
           "no poni_version line: version 1 files do not record the detector shape, which "
           "edgeloop needs (re-save the geometry with pyFAI 0.20 or later)");
    }
    if (version->value != "2" && version->value != "2.1") {
      fail(version->line, "poni_version " + shown(version->value) + " is not supported (2, 2.1)");
    }
    for (const char* v1_key : {"pixelsize1", "pixelsize2"}) {
      if (const Entry* e = find(v1_key)) {
        fail(e->line,
             "PixelSize keys belong to poni_version 1; version 2 keeps the pixel size "
             "in Detector_config");
      }
    }
    if (const Entry* spline = find("splinefile")) {
      if (lower(spline->value) != "none" && !spline->value.empty()) {
        fail(spline->line, "distortion splines are not supported");
      }
    }
  }

  std::string string_of(const std::string& key, std::string fallback) const {
    const Entry* e = find(key);
    if (e == nullptr) return fallback;
    if (e->value.empty()) fail(e->line, "empty Detector name");
    return e->value;
  }

  double number_of(const Entry& e, const char* name) const {
    double value = 0.0;
    const char* first = e.value.data();
    const char* last = first + e.value.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc{} || ptr != last || !std::isfinite(value)) {
      fail(e.line, std::string(name) + " must be a finite number, got " + shown(e.value));
    }
    return value;
  }

  double required_number(const std::string& key, const char* name) const {
    const Entry* e = find(key);
    if (e == nullptr) fail(0, std::string("missing ") + name + " line");
    return number_of(*e, name);
  }

  double optional_number(const std::string& key, double fallback) const {
    const Entry* e = find(key);
    if (e == nullptr) return fallback;
    std::string name = key;
    name.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(name.front())));
    return number_of(*e, name.c_str());
  }

  void read_detector_config(PoniParameters& p) const {
    const Entry* e = find("detector_config");
    if (e == nullptr) fail(0, "missing Detector_config line (pixel sizes and max_shape)");
    // Detector_config is a small flat object; deeper nesting is refused before parsing, since
    // the JSON library's printing and destruction recurse once per level.
    if (json_depth(e->value) > kMaxJsonDepth) {
      fail(e->line, "Detector_config nests deeper than " + std::to_string(kMaxJsonDepth) +
                        " levels; pyFAI writes a flat object");
    }
    nlohmann::json config;
    try {
      config = nlohmann::json::parse(e->value);
    } catch (const nlohmann::json::exception& error) {
      fail(e->line, std::string("Detector_config is not valid JSON: ") + error.what());
    }
    if (!config.is_object()) fail(e->line, "Detector_config must be a JSON object");
    for (const auto& [key, value] : config.items()) {
      if (key == "pixel1" || key == "pixel2" || key == "max_shape") continue;
      if (key == "orientation" && value.is_number_integer() && value.get<std::int64_t>() == 3) {
        continue;  // pyFAI's default orientation, the only one this geometry implements
      }
      if ((key == "splineFile" || key == "splinefile") && value.is_null()) continue;
      if (key == "binning" && value == nlohmann::json::array({1, 1})) continue;
      fail(e->line, "Detector_config key " + shown(key) + " with value " + describe(value) +
                        " is not supported");
    }
    const auto pixel = [&](const char* key) {
      if (!config.contains(key) || !config[key].is_number()) {
        fail(e->line, std::string("Detector_config needs a number \"") + key + "\"");
      }
      return config[key].get<double>();
    };
    p.pixel1 = pixel("pixel1");
    p.pixel2 = pixel("pixel2");
    const nlohmann::json& shape = config.contains("max_shape") ? config["max_shape"] : nullptr;
    if (!shape.is_array() || shape.size() != 2 || !shape[0].is_number_unsigned() ||
        !shape[1].is_number_unsigned()) {
      fail(e->line, "Detector_config needs \"max_shape\": [rows, cols], got " + describe(shape));
    }
    const auto extent = [&](const nlohmann::json& v) {
      const std::uint64_t n = v.get<std::uint64_t>();
      if (n < 1 || n > (1U << 20)) fail(e->line, "max_shape entries must be 1..1048576");
      return static_cast<std::uint32_t>(n);
    };
    p.rows = extent(shape[0]);
    p.cols = extent(shape[1]);
  }

  const std::string& source_;
  std::map<std::string, Entry> entries_;
};

}  // namespace

PoniError::PoniError(std::string source, std::uint32_t line, std::string problem)
    : std::runtime_error(what_of(source, line, problem)),
      source_(std::move(source)),
      line_(line),
      problem_(std::move(problem)) {}

PoniGeometry::PoniGeometry(PoniParameters parameters) : p_(std::move(parameters)) {
  require(std::isfinite(p_.dist) && p_.dist > 0.0, "dist", "must be > 0 m");
  require(std::isfinite(p_.poni1), "poni1", "must be finite");
  require(std::isfinite(p_.poni2), "poni2", "must be finite");
  for (const auto& [name, value] :
       {std::pair{"rot1", p_.rot1}, std::pair{"rot2", p_.rot2}, std::pair{"rot3", p_.rot3}}) {
    require(std::isfinite(value) && std::abs(value) <= 2.0 * std::numbers::pi, name,
            "must be finite and within ±2π rad");
  }
  require(std::isfinite(p_.wavelength) && p_.wavelength > 0.0, "wavelength", "must be > 0 m");
  require(std::isfinite(p_.pixel1) && p_.pixel1 > 0.0, "pixel1", "must be > 0 m");
  require(std::isfinite(p_.pixel2) && p_.pixel2 > 0.0, "pixel2", "must be > 0 m");
  require(p_.rows >= 1 && p_.cols >= 1, "shape", "must be at least 1 x 1");
  require(!p_.detector.empty() && p_.detector.find('\n') == std::string::npos, "detector",
          "name must be one non-empty line");

  const double c1 = std::cos(p_.rot1);
  const double s1 = std::sin(p_.rot1);
  const double c2 = std::cos(p_.rot2);
  const double s2 = std::sin(p_.rot2);
  const double c3 = std::cos(p_.rot3);
  const double s3 = std::sin(p_.rot3);
  axis1_ = {c2 * c3, c2 * s3, s2};
  axis2_ = {c3 * s1 * s2 - c1 * s3, c1 * c3 + s1 * s2 * s3, -c2 * s1};
  normal_ = {-(c1 * c3 * s2 + s1 * s3), c3 * s1 - c1 * s2 * s3, c1 * c2};
}

PoniGeometry PoniGeometry::from_poni_text(std::string_view text, const std::string& source) {
  const PoniParser parser(text, source);
  PoniParameters p = parser.parameters();
  try {
    return PoniGeometry(std::move(p));
  } catch (const std::invalid_argument& error) {
    parser.fail(0, error.what());
  }
}

PoniGeometry PoniGeometry::read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw PoniError(file.string(), 0, "cannot read: " + std::string(std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw PoniError(file.string(), 0, "read failed");
  return from_poni_text(text.str(), file.string());
}

std::string PoniGeometry::to_poni_text() const {
  std::string out;
  out += "# Nota: C-Order, 1 refers to the Y axis, 2 to the X axis\n";
  out += "# Detector geometry written by edgeloop (pyFAI PONI convention)\n";
  out += "poni_version: 2\n";
  out += "Detector: " + p_.detector + "\n";
  out += "Detector_config: {\"pixel1\": " + number_text(p_.pixel1) +
         ", \"pixel2\": " + number_text(p_.pixel2) + ", \"max_shape\": [" +
         std::to_string(p_.rows) + ", " + std::to_string(p_.cols) + "]}\n";
  out += "Distance: " + number_text(p_.dist) + "\n";
  out += "Poni1: " + number_text(p_.poni1) + "\n";
  out += "Poni2: " + number_text(p_.poni2) + "\n";
  out += "Rot1: " + number_text(p_.rot1) + "\n";
  out += "Rot2: " + number_text(p_.rot2) + "\n";
  out += "Rot3: " + number_text(p_.rot3) + "\n";
  out += "Wavelength: " + number_text(p_.wavelength) + "\n";
  return out;
}

void PoniGeometry::write(const std::filesystem::path& file) const {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw PoniError(file.string(), 0, "cannot write: " + std::string(std::strerror(errno)));
  out << to_poni_text();
  out.flush();
  if (!out) throw PoniError(file.string(), 0, "write failed");
}

std::array<double, 2> PoniGeometry::in_plane(double row, double col) const {
  return {(row + 0.5) * p_.pixel1 - p_.poni1, (col + 0.5) * p_.pixel2 - p_.poni2};
}

std::array<double, 3> PoniGeometry::lab_vector(double row, double col) const {
  const auto [d1, d2] = in_plane(row, col);
  std::array<double, 3> t{};
  for (std::size_t k = 0; k < 3; ++k) {
    t[k] = axis1_[k] * d1 + axis2_[k] * d2 + normal_[k] * p_.dist;
  }
  return t;
}

double PoniGeometry::two_theta(double row, double col) const {
  const auto [t1, t2, t3] = lab_vector(row, col);
  // The tangent form stays accurate near the beam, where the arccosine form loses digits.
  return std::atan2(std::hypot(t1, t2), t3);
}

double PoniGeometry::q_nm(double row, double col) const {
  return 4e-9 * std::numbers::pi / p_.wavelength * std::sin(0.5 * two_theta(row, col));
}

double PoniGeometry::chi(double row, double col) const {
  const auto [t1, t2, t3] = lab_vector(row, col);
  return std::atan2(t1, t2);
}

double PoniGeometry::solid_angle(double row, double col) const {
  const auto [d1, d2] = in_plane(row, col);
  const double cos_incidence = p_.dist / std::sqrt(p_.dist * p_.dist + d1 * d1 + d2 * d2);
  return cos_incidence * cos_incidence * cos_incidence;
}

double PoniGeometry::solid_angle_sr(double row, double col) const {
  return p_.pixel1 * p_.pixel2 / (p_.dist * p_.dist) * solid_angle(row, col);
}

double PoniGeometry::polarization(double row, double col, double factor, double axis_offset) const {
  if (!(std::abs(factor) <= 1.0) || !std::isfinite(axis_offset)) {
    throw std::invalid_argument("PoniGeometry::polarization: factor must be within -1..1");
  }
  const double cos_2theta = std::cos(two_theta(row, col));
  const double cos2 = cos_2theta * cos_2theta;
  const double azimuth = chi(row, col) + axis_offset;
  return 0.5 * (1.0 + cos2 - factor * std::cos(2.0 * azimuth) * (1.0 - cos2));
}

std::array<double, 2> PoniGeometry::beam_centre() const {
  // Solve t1 = t2 = 0 for the in-plane offset (d1, d2) from the PONI.
  const double a = axis1_[0];
  const double b = axis2_[0];
  const double c = axis1_[1];
  const double d = axis2_[1];
  const double det = a * d - b * c;
  if (std::abs(det) < 1e-12) {
    throw std::domain_error("PoniGeometry::beam_centre: the detector plane contains the beam");
  }
  const double r1 = -normal_[0] * p_.dist;
  const double r2 = -normal_[1] * p_.dist;
  const double d1 = (d * r1 - b * r2) / det;
  const double d2 = (a * r2 - c * r1) / det;
  return {(p_.poni1 + d1) / p_.pixel1, (p_.poni2 + d2) / p_.pixel2};
}

namespace {

template <class F>
std::vector<double> per_pixel(const PoniGeometry& g, F f) {
  std::vector<double> out(g.pixel_count());
  std::size_t k = 0;
  for (std::uint32_t i = 0; i < g.rows(); ++i) {
    for (std::uint32_t j = 0; j < g.cols(); ++j) out[k++] = f(i, j);
  }
  return out;
}

}  // namespace

std::vector<double> PoniGeometry::two_theta_array() const {
  return per_pixel(*this, [&](double i, double j) { return two_theta(i, j); });
}
std::vector<double> PoniGeometry::q_array() const {
  return per_pixel(*this, [&](double i, double j) { return q_nm(i, j); });
}
std::vector<double> PoniGeometry::chi_array() const {
  return per_pixel(*this, [&](double i, double j) { return chi(i, j); });
}
std::vector<double> PoniGeometry::solid_angle_array() const {
  return per_pixel(*this, [&](double i, double j) { return solid_angle(i, j); });
}
std::vector<double> PoniGeometry::polarization_array(double factor, double axis_offset) const {
  return per_pixel(*this,
                   [&](double i, double j) { return polarization(i, j, factor, axis_offset); });
}

}  // namespace edgeloop::formats
