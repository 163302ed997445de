#include "edgeloop/formats/rrng_file.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "edgeloop/formats/apt_file_error.hpp"
#include "file_bytes.hpp"

namespace edgeloop::formats {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_whitespace(std::string_view s) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])) != 0) ++i;
    const std::size_t start = i;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])) == 0) ++i;
    if (i > start) tokens.push_back(s.substr(start, i - start));
  }
  return tokens;
}

std::optional<double> parse_double(std::string_view s) {
  double value = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<std::uint32_t> parse_color(std::string_view s) {
  if (s.size() != 6) return std::nullopt;
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 16);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// An element symbol as range files write it: an upper-case letter, then lower-case ones.
bool is_symbol(std::string_view s) {
  if (s.empty() || s.size() > 3 || std::isupper(static_cast<unsigned char>(s.front())) == 0) {
    return false;
  }
  return std::all_of(s.begin() + 1, s.end(),
                     [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; });
}

std::string describe(const Range& r) {
  return r.ion_name() + " [" + std::to_string(r.low) + ", " + std::to_string(r.high) + ")";
}

// Why a range is invalid on its own or against the declared ions; empty when it is fine.
std::string range_problem(const Range& r, const std::vector<std::string>& ions) {
  if (!std::isfinite(r.low) || !std::isfinite(r.high)) return "bounds are not finite";
  if (!(r.low < r.high)) {
    return "inverted or empty range: low " + std::to_string(r.low) + " is not below high " +
           std::to_string(r.high);
  }
  if (!std::isfinite(r.volume_nm3) || r.volume_nm3 < 0.0) return "volume must be finite and >= 0";
  if (r.color > 0xFFFFFFU) return "color is not an RRGGBB value";
  if (r.composition.empty()) return "range has no ion (no Element:count token)";
  const auto declared = [&](std::string_view name) {
    return std::find(ions.begin(), ions.end(), name) != ions.end();
  };
  if (declared(r.ion_name())) return "";
  for (const RangeComponent& c : r.composition) {
    if (c.count == 0) return "count of " + c.symbol + " is 0";
    if (!declared(c.symbol)) return "ion '" + c.symbol + "' is not declared in [Ions]";
  }
  return "";
}

std::string shortest(double v) {
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return ec == std::errc() ? std::string(buf.data(), end) : std::string("nan");
}

std::string hex_color(std::uint32_t color) {
  std::array<char, 7> buf{};
  constexpr std::string_view kDigits = "0123456789ABCDEF";
  for (std::size_t i = 0; i < 6; ++i) buf[5 - i] = kDigits[(color >> (4U * i)) & 0xFU];
  return std::string(buf.data(), 6);
}

// What the parser keeps of one IonN= or RangeN= line until the section is complete.
template <class T>
struct Numbered {
  T value;
  std::size_t line;
};

struct Section {
  std::optional<std::uint64_t> number;
  std::size_t number_line = 0;
  std::size_t header_line = 0;
  bool seen = false;
};

class Parser {
 public:
  explicit Parser(std::string_view source) : source_(source) {}

  RangeTable parse(std::string_view text) {
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      const std::size_t end = std::min(text.find('\n', pos), text.size());
      ++line_no;
      line(trim(text.substr(pos, end - pos)), line_no);
      if (end == text.size()) break;
      pos = end + 1;
    }
    return finish(line_no);
  }

 private:
  [[noreturn]] void fail(std::size_t line_no, const std::string& problem) const {
    throw AptFileError(std::string(source_), "line " + std::to_string(line_no), problem);
  }

  void line(std::string_view text, std::size_t n) {
    if (text.empty() || text.front() == '#' || text.front() == ';') return;
    if (text.front() == '[') {
      if (text.back() != ']') fail(n, "malformed section header '" + std::string(text) + "'");
      const std::string name = lower(trim(text.substr(1, text.size() - 2)));
      Section* s = name == "ions" ? &ions_ : name == "ranges" ? &ranges_ : nullptr;
      if (s == nullptr) fail(n, "unknown section '" + std::string(text) + "'");
      if (s->seen) fail(n, "section '" + std::string(text) + "' appears twice");
      s->seen = true;
      s->header_line = n;
      current_ = s;
      return;
    }
    if (current_ == nullptr) fail(n, "'" + std::string(text) + "' is outside any section");
    const std::size_t eq = text.find('=');
    if (eq == std::string_view::npos)
      fail(n, "expected key=value, got '" + std::string(text) + "'");
    const std::string key = lower(trim(text.substr(0, eq)));
    const std::string_view value = trim(text.substr(eq + 1));
    if (key == "number") {
      if (current_->number) fail(n, "Number= given twice in this section");
      const auto number = parse_uint(value);
      if (!number)
        fail(n, "Number= must be a non-negative integer, got '" + std::string(value) + "'");
      current_->number = *number;
      current_->number_line = n;
      return;
    }
    const std::string_view prefix = current_ == &ions_ ? "ion" : "range";
    if (key.rfind(prefix, 0) != 0)
      fail(n, "unknown key '" + std::string(trim(text.substr(0, eq))) + "'");
    const auto index = parse_uint(std::string_view(key).substr(prefix.size()));
    if (!index || *index == 0) {
      fail(n, "'" + std::string(trim(text.substr(0, eq))) + "' needs an index from 1");
    }
    if (current_ == &ions_) {
      if (value.empty()) fail(n, "ion name is empty");
      if (!ion_lines_.emplace(*index, Numbered<std::string>{std::string(value), n}).second) {
        fail(n, "Ion" + std::to_string(*index) + " given twice");
      }
    } else {
      Range r = range(value, n);
      if (!range_lines_.emplace(*index, Numbered<Range>{std::move(r), n}).second) {
        fail(n, "Range" + std::to_string(*index) + " given twice");
      }
    }
  }

  Range range(std::string_view value, std::size_t n) const {
    const auto tokens = split_whitespace(value);
    if (tokens.size() < 2) fail(n, "a range needs 'low high' then Element:count tokens");
    Range r;
    const auto low = parse_double(tokens[0]);
    const auto high = parse_double(tokens[1]);
    if (!low) fail(n, "low bound '" + std::string(tokens[0]) + "' is not a finite number");
    if (!high) fail(n, "high bound '" + std::string(tokens[1]) + "' is not a finite number");
    r.low = *low;
    r.high = *high;
    for (std::size_t t = 2; t < tokens.size(); ++t) {
      const std::string_view token = tokens[t];
      const std::size_t colon = token.find(':');
      if (colon == std::string_view::npos) {
        fail(n, "token '" + std::string(token) + "' is not Key:value");
      }
      const std::string_view key = token.substr(0, colon);
      const std::string_view val = token.substr(colon + 1);
      const std::string lkey = lower(key);
      if (lkey == "vol") {
        const auto v = parse_double(val);
        if (!v || *v < 0.0) fail(n, "Vol: '" + std::string(val) + "' is not a number >= 0");
        r.volume_nm3 = *v;
      } else if (lkey == "color" || lkey == "colour") {
        const auto c = parse_color(val);
        if (!c) fail(n, "Color: '" + std::string(val) + "' is not six hex digits RRGGBB");
        r.color = *c;
      } else if (lkey == "name") {
        // A display name some writers add; the composition tokens define the ion.
      } else if (is_symbol(key)) {
        const auto count = parse_uint(val);
        if (!count || *count == 0 || *count > 1000) {
          fail(n, "count of " + std::string(key) + " must be an integer 1..1000, got '" +
                      std::string(val) + "'");
        }
        for (const RangeComponent& c : r.composition) {
          if (c.symbol == key) fail(n, "element " + std::string(key) + " appears twice");
        }
        r.composition.push_back({std::string(key), static_cast<std::uint32_t>(*count)});
      } else {
        fail(n, "unknown token '" + std::string(token) + "'");
      }
    }
    return r;
  }

  // Checks one section's Number= against its numbered lines, in index order.
  template <class T>
  std::vector<Numbered<T>> collect(const Section& s, std::map<std::uint64_t, Numbered<T>>& lines,
                                   std::string_view name) const {
    if (!s.seen) {
      throw AptFileError(std::string(source_), "", "no [" + std::string(name) + "] section");
    }
    if (!s.number) fail(s.header_line, "[" + std::string(name) + "] has no Number= line");
    if (*s.number != lines.size()) {
      fail(s.number_line, "Number=" + std::to_string(*s.number) + " but " +
                              std::to_string(lines.size()) + " entries follow");
    }
    std::vector<Numbered<T>> out;
    std::uint64_t expected = 1;
    for (auto& [index, entry] : lines) {
      if (index != expected) {
        fail(entry.line, "entry " + std::to_string(index) + " found where " +
                             std::to_string(expected) + " was expected (1.." +
                             std::to_string(*s.number) + ")");
      }
      ++expected;
      out.push_back(std::move(entry));
    }
    return out;
  }

  RangeTable finish(std::size_t) {
    std::vector<std::string> ions;
    for (auto& ion : collect(ions_, ion_lines_, "Ions")) {
      if (std::find(ions.begin(), ions.end(), ion.value) != ions.end()) {
        fail(ion.line, "ion '" + ion.value + "' declared twice");
      }
      ions.push_back(std::move(ion.value));
    }
    auto ranges = collect(ranges_, range_lines_, "Ranges");
    for (const auto& r : ranges) {
      const std::string problem = range_problem(r.value, ions);
      if (!problem.empty()) fail(r.line, problem);
    }
    std::stable_sort(ranges.begin(), ranges.end(),
                     [](const auto& a, const auto& b) { return a.value.low < b.value.low; });
    for (std::size_t i = 1; i < ranges.size(); ++i) {
      const Range& prev = ranges[i - 1].value;
      const Range& cur = ranges[i].value;
      if (cur.low < prev.high) {
        fail(ranges[i].line, "range " + describe(cur) + " overlaps " + describe(prev) +
                                 " on line " + std::to_string(ranges[i - 1].line));
      }
    }
    std::vector<Range> sorted;
    sorted.reserve(ranges.size());
    for (auto& r : ranges) sorted.push_back(std::move(r.value));
    return RangeTable(std::move(ions), std::move(sorted));
  }

  std::string_view source_;
  Section ions_;
  Section ranges_;
  Section* current_ = nullptr;
  std::map<std::uint64_t, Numbered<std::string>> ion_lines_;
  std::map<std::uint64_t, Numbered<Range>> range_lines_;
};

}  // namespace

std::string Range::ion_name() const {
  std::string name;
  for (const RangeComponent& c : composition) {
    name += c.symbol;
    if (c.count > 1) name += std::to_string(c.count);
  }
  return name;
}

RangeTable::RangeTable(std::vector<std::string> ions, std::vector<Range> ranges)
    : ions_(std::move(ions)), ranges_(std::move(ranges)) {
  for (std::size_t i = 0; i < ions_.size(); ++i) {
    if (ions_[i].empty())
      throw std::invalid_argument("RangeTable: ion " + std::to_string(i + 1) + " has no name");
    for (std::size_t j = 0; j < i; ++j) {
      if (ions_[i] == ions_[j]) {
        throw std::invalid_argument("RangeTable: ion '" + ions_[i] + "' declared twice");
      }
    }
  }
  for (const Range& r : ranges_) {
    const std::string problem = range_problem(r, ions_);
    if (!problem.empty()) {
      throw std::invalid_argument("RangeTable: range " + describe(r) + ": " + problem);
    }
  }
  std::stable_sort(ranges_.begin(), ranges_.end(),
                   [](const Range& a, const Range& b) { return a.low < b.low; });
  for (std::size_t i = 1; i < ranges_.size(); ++i) {
    if (ranges_[i].low < ranges_[i - 1].high) {
      throw std::invalid_argument("RangeTable: range " + describe(ranges_[i]) + " overlaps " +
                                  describe(ranges_[i - 1]));
    }
  }
}

const Range* RangeTable::find(double mass_to_charge) const {
  // The last range starting at or below the value is the only candidate (no overlaps).
  const auto after = std::upper_bound(ranges_.begin(), ranges_.end(), mass_to_charge,
                                      [](double m, const Range& r) { return m < r.low; });
  if (after == ranges_.begin()) return nullptr;
  const Range& r = *(after - 1);
  return mass_to_charge < r.high ? &r : nullptr;
}

RangeTable parse_rrng(std::string_view text, std::string_view source) {
  return Parser(source).parse(text);
}

RangeTable read_rrng(const std::filesystem::path& file) {
  const auto bytes = detail::read_file_bytes(file);
  return parse_rrng(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                    file.string());
}

std::string format_rrng(const RangeTable& table) {
  std::string out = "[Ions]\n";
  out += "Number=" + std::to_string(table.ions().size()) + "\n";
  for (std::size_t i = 0; i < table.ions().size(); ++i) {
    out += "Ion" + std::to_string(i + 1) + "=" + table.ions()[i] + "\n";
  }
  out += "[Ranges]\n";
  out += "Number=" + std::to_string(table.ranges().size()) + "\n";
  for (std::size_t i = 0; i < table.ranges().size(); ++i) {
    const Range& r = table.ranges()[i];
    out += "Range" + std::to_string(i + 1) + "=" + shortest(r.low) + " " + shortest(r.high) +
           " Vol:" + shortest(r.volume_nm3);
    for (const RangeComponent& c : r.composition) {
      out += " " + c.symbol + ":" + std::to_string(c.count);
    }
    out += " Color:" + hex_color(r.color) + "\n";
  }
  return out;
}

void write_rrng(const std::filesystem::path& file, const RangeTable& table) {
  const std::string text = format_rrng(table);
  detail::write_file_bytes(file,
                           std::span(reinterpret_cast<const std::byte*>(text.data()), text.size()));
}

}  // namespace edgeloop::formats
