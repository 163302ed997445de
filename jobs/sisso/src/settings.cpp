#include "edgeloop/sisso/settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>

#include "edgeloop/sisso/input_error.hpp"

namespace edgeloop::sisso {
namespace {

std::string_view trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
    s = s.substr(1, s.size() - 2);
  }
  return trim(s);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

double parse_real(std::string_view key, std::string_view text) {
  std::string s(unquote(text));
  // Fortran input allows 1d-3 for 1e-3.
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == 'd' || c == 'D'; }, 'e');
  double v = 0.0;
  const char* first = s.data();
  if (!s.empty() && *first == '+') ++first;
  const auto [end, ec] = std::from_chars(first, s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
    throw InputError(fmt::format("setting {}: '{}' is not a finite number", key, text));
  }
  return v;
}

long long parse_integer(std::string_view key, std::string_view text) {
  const std::string_view s = unquote(text);
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    throw InputError(fmt::format("setting {}: '{}' is not an integer", key, text));
  }
  return v;
}

bool parse_logical(std::string_view key, std::string_view text) {
  const std::string s = lower(unquote(text));
  if (s == ".true." || s == "true" || s == "t" || s == ".t." || s == "1" || s == "on") return true;
  if (s == ".false." || s == "false" || s == "f" || s == ".f." || s == "0" || s == "off") {
    return false;
  }
  throw InputError(fmt::format("setting {}: '{}' is not a logical (.true./.false.)", key, text));
}

std::vector<std::string_view> split_commas(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ',') {
      parts.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  return parts;
}

// Keywords of SISSO.in that only matter for features this program does not offer; they are
// accepted when they hold SISSO's default (or a value that changes nothing for one regression
// task), so existing SISSO.in files can be used unchanged.
void accept_unused(std::string_view key, std::string_view value) {
  const std::string k = lower(key);
  const std::string v = lower(unquote(value));
  if (k == "ptype") {
    if (parse_integer(key, value) != 1) {
      throw InputError("setting ptype: only regression (ptype=1) is implemented");
    }
  } else if (k == "ntask") {
    if (parse_integer(key, value) != 1) {
      throw InputError("setting ntask: only one task (ntask=1) is implemented");
    }
  } else if (k == "scmt") {
    if (parse_logical(key, value)) {
      throw InputError("setting scmt: sign-constrained multi-task learning is not implemented");
    }
  } else if (k == "restart") {
    if (parse_integer(key, value) != 0)
      throw InputError("setting restart: restarts are not implemented");
  } else if (k == "method_so") {
    if (v != "l0")
      throw InputError(
          fmt::format("setting method_so: only 'L0' is implemented, not '{}'", unquote(value)));
  } else if (k == "metric") {
    if (v != "rmse")
      throw InputError(
          fmt::format("setting metric: only 'RMSE' is implemented, not '{}'", unquote(value)));
  } else if (k == "nmodel" || k == "nmodels") {
    if (parse_integer(key, value) < 1)
      throw InputError(fmt::format("setting {}: must be ≥ 1", key));
  } else if (k == "fstore") {
    const auto f = parse_integer(key, value);
    if (f != 1 && f != 2) throw InputError("setting fstore: must be 1 or 2");
  } else if (k == "task_weighting" || k == "bwidth" || k == "isconvex" || k == "nl1l0") {
    // Multi-task, classification and L1L0 parameters: no effect on an L0 regression.
  } else {
    throw InputError(fmt::format("unknown setting '{}'", key));
  }
}

}  // namespace

int Settings::rung() const {
  if (fcomplexity <= 0) return 0;
  if (fcomplexity == 1) return 1;
  if (fcomplexity <= 3) return 2;
  if (fcomplexity <= 7) return 3;
  return 4;
}

const OperatorSet& Settings::ops_for_rung(int r) const {
  if (ops.size() == 1) return ops.front();
  return ops.at(static_cast<std::size_t>(r - 1));
}

std::size_t Settings::nf_sis_for(int dimension) const {
  if (nf_sis.size() == 1) return nf_sis.front();
  return nf_sis.at(static_cast<std::size_t>(dimension - 1));
}

void apply_setting(Settings& s, std::string_view key_in, std::string_view value) {
  const std::string_view key = trim(key_in);
  const std::string k = lower(key);
  if (k == "ops") {
    // One set for all rungs, or 'set1','set2',... one per rung as SISSO 3.x allows.
    std::vector<OperatorSet> sets;
    for (const auto part : split_commas(value)) sets.push_back(OperatorSet::parse(part));
    s.ops = std::move(sets);
  } else if (k == "fcomplexity") {
    s.fcomplexity = static_cast<int>(parse_integer(key, value));
  } else if (k == "desc_dim") {
    s.desc_dim = static_cast<int>(parse_integer(key, value));
  } else if (k == "nf_sis") {
    std::vector<std::size_t> sizes;
    for (const auto part : split_commas(value)) {
      const auto n = parse_integer(key, part);
      if (n < 1) throw InputError(fmt::format("setting nf_sis: {} is not ≥ 1", n));
      sizes.push_back(static_cast<std::size_t>(n));
    }
    s.nf_sis = std::move(sizes);
  } else if (k == "fmax_min") {
    s.fmax_min = parse_real(key, value);
  } else if (k == "fmax_max") {
    s.fmax_max = parse_real(key, value);
  } else if (k == "funit") {
    s.funit = std::string(unquote(value));
  } else if (k == "units") {
    // "IP_A:eV, IP_B:eV, rs_A:AA": features with the same symbol share a base unit.
    s.units.clear();
    for (const auto part : split_commas(unquote(value))) {
      if (part.empty()) continue;
      const auto colon = part.find(':');
      if (colon == std::string_view::npos) {
        throw InputError(fmt::format("setting units: '{}' is not feature:unit", part));
      }
      const auto name = trim(part.substr(0, colon));
      const auto unit = trim(part.substr(colon + 1));
      if (name.empty() || unit.empty()) {
        throw InputError(fmt::format("setting units: '{}' is not feature:unit", part));
      }
      s.units.emplace_back(name, unit);
    }
  } else if (k == "fit_intercept") {
    s.fit_intercept = parse_logical(key, value);
  } else if (k == "dimensionless_transcendentals") {
    s.dimensionless_transcendentals = parse_logical(key, value);
  } else if (k == "nsf") {
    const auto n = parse_integer(key, value);
    if (n < 1) throw InputError("setting nsf: must be ≥ 1");
    s.nsf = static_cast<std::size_t>(n);
  } else if (k == "nsample") {
    const auto n = parse_integer(key, value);
    if (n < 2) throw InputError("setting nsample: must be ≥ 2");
    s.nsample = static_cast<std::size_t>(n);
  } else {
    accept_unused(key, value);
  }
}

Settings parse_settings(std::istream& in, std::string_view source) {
  Settings s;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view text = line;
    // '!' starts a comment (SISSO.in), as does '#'; neither occurs in a value.
    const auto comment = text.find_first_of("!#");
    if (comment != std::string_view::npos) text = text.substr(0, comment);
    text = trim(text);
    if (text.empty()) continue;
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) {
      throw InputError(
          fmt::format("{}:{}: expected 'key = value', found '{}'", source, line_no, text));
    }
    try {
      apply_setting(s, text.substr(0, eq), text.substr(eq + 1));
    } catch (const InputError& e) {
      throw InputError(fmt::format("{}:{}: {}", source, line_no, e.what()));
    }
  }
  return s;
}

Settings read_settings(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot open for reading", path.string()));
  return parse_settings(in, path.string());
}

void validate(const Settings& s) {
  if (s.fcomplexity < 0 || s.fcomplexity > 7) {
    throw InputError(fmt::format("fcomplexity {} is outside 0..7", s.fcomplexity));
  }
  if (s.desc_dim < 1 || s.desc_dim > 8) {
    throw InputError(fmt::format("desc_dim {} is outside 1..8", s.desc_dim));
  }
  if (s.ops.empty()) throw InputError("ops: no operator set");
  if (s.ops.size() != 1 && static_cast<int>(s.ops.size()) != s.rung()) {
    throw InputError(fmt::format("ops: {} operator sets given, but fcomplexity {} means rung {}",
                                 s.ops.size(), s.fcomplexity, s.rung()));
  }
  if (s.nf_sis.empty()) throw InputError("nf_sis: no value");
  if (s.nf_sis.size() != 1 && static_cast<int>(s.nf_sis.size()) != s.desc_dim) {
    throw InputError(
        fmt::format("nf_sis: {} values given for desc_dim {}", s.nf_sis.size(), s.desc_dim));
  }
  if (!(s.fmax_min >= 0.0) || !(s.fmax_max > s.fmax_min)) {
    throw InputError(fmt::format("fmax_min {} and fmax_max {} must satisfy 0 ≤ min < max",
                                 s.fmax_min, s.fmax_max));
  }
}

PrimaryUnits resolve_primary_units(const Settings& s, const TrainingData& data) {
  const std::size_t nf = data.primary_features();
  if (s.nsf && *s.nsf != nf) {
    throw InputError(fmt::format("nsf = {} but train.dat has {} primary features", *s.nsf, nf));
  }
  if (s.nsample && *s.nsample != data.samples()) {
    throw InputError(
        fmt::format("nsample = {} but train.dat has {} samples", *s.nsample, data.samples()));
  }
  PrimaryUnits out;
  out.units.assign(nf, Unit{});
  std::size_t next_base = 0;
  const auto new_base = [&](std::string name) {
    if (next_base >= Unit::kMaxBaseUnits) {
      throw InputError(fmt::format("at most {} distinct units", Unit::kMaxBaseUnits));
    }
    out.base_names.push_back(std::move(name));
    return Unit::base(next_base++);
  };
  std::vector<bool> assigned(nf, false);
  if (!s.funit.empty()) {
    // SISSO: every "(n1:n2)" gives features n1..n2 (1-based) one new base unit.
    std::string_view rest = s.funit;
    while (!trim(rest).empty()) {
      rest = trim(rest);
      const auto close = rest.find(')');
      const auto colon = rest.find(':');
      if (rest.front() != '(' || close == std::string_view::npos ||
          colon == std::string_view::npos || colon > close) {
        throw InputError(fmt::format("funit '{}': expected (n1:n2)(n3:n4)...", s.funit));
      }
      const auto lo = parse_integer("funit", rest.substr(1, colon - 1));
      const auto hi = parse_integer("funit", rest.substr(colon + 1, close - colon - 1));
      if (lo < 1 || hi < lo || static_cast<std::size_t>(hi) > nf) {
        throw InputError(
            fmt::format("funit '{}': range ({}:{}) is outside 1..{}", s.funit, lo, hi, nf));
      }
      const Unit u = new_base(fmt::format("u{}", out.base_names.size() + 1));
      for (auto f = static_cast<std::size_t>(lo - 1); f < static_cast<std::size_t>(hi); ++f) {
        if (assigned[f]) {
          throw InputError(fmt::format("funit '{}': feature {} is in two ranges", s.funit, f + 1));
        }
        out.units[f] = u;
        assigned[f] = true;
      }
      rest = rest.substr(close + 1);
    }
  }
  std::map<std::string, Unit, std::less<>> by_symbol;
  for (const auto& [name, symbol] : s.units) {
    const auto it = std::find(data.feature_names.begin(), data.feature_names.end(), name);
    if (it == data.feature_names.end()) {
      throw InputError(fmt::format("units: '{}' is not a feature of train.dat", name));
    }
    const auto f = static_cast<std::size_t>(it - data.feature_names.begin());
    if (assigned[f]) throw InputError(fmt::format("units: '{}' has a unit twice", name));
    assigned[f] = true;
    if (symbol == "1" || symbol == "dimensionless") continue;  // stays Unit{}
    auto found = by_symbol.find(symbol);
    if (found == by_symbol.end()) found = by_symbol.emplace(symbol, new_base(symbol)).first;
    out.units[f] = found->second;
  }
  return out;
}

}  // namespace edgeloop::sisso
