// The .rrng range file of atom probe tomography (IVAS/AP Suite): which mass-to-charge
// intervals belong to which ion, used to turn a mass spectrum into a composition.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edgeloop::formats {

// One element of a ranged ion, e.g. {"H", 2} in AlH2.
struct RangeComponent {
  std::string symbol;
  std::uint32_t count = 1;

  bool operator==(const RangeComponent&) const = default;
};

struct Range {
  double low = 0.0;         // Da, inclusive
  double high = 0.0;        // Da, exclusive
  double volume_nm3 = 0.0;  // atomic volume used by reconstruction ("Vol:")
  std::vector<RangeComponent> composition;
  std::uint32_t color = 0;  // 0xRRGGBB

  // The ion's formula in file order, counts above 1 appended: "Al", "AlH2", "Cu2".
  std::string ion_name() const;

  bool operator==(const Range&) const = default;
};

// A validated set of ranges: every range has low < high (both finite), no two overlap
// (touching is allowed), and each one's elements are declared ions (or its formula is).
// Ranges are kept sorted by their lower bound, the order lookups need.
class RangeTable {
 public:
  RangeTable() = default;
  // std::invalid_argument naming the offending range (its ion and bounds) otherwise.
  RangeTable(std::vector<std::string> ions, std::vector<Range> ranges);

  const std::vector<std::string>& ions() const { return ions_; }
  std::span<const Range> ranges() const { return ranges_; }
  // The range holding mass_to_charge, nullptr when it is unranged. O(log n).
  const Range* find(double mass_to_charge) const;

 private:
  std::vector<std::string> ions_;
  std::vector<Range> ranges_;
};

// Reads the [Ions] section (Number=, IonN=) and the [Ranges] section (Number=,
// RangeN=low high Vol:v Sym:count ... Color:RRGGBB; an optional Name: token is ignored).
// Section and key names are case-insensitive; blank lines and lines starting with '#' or ';'
// are skipped. AptFileError naming source and line for a bad number, a duplicate or missing
// key, a count that does not match Number=, an inverted range, an ion not declared in
// [Ions], or overlapping ranges.
RangeTable parse_rrng(std::string_view text, std::string_view source);
RangeTable read_rrng(const std::filesystem::path& file);

// Numbers are written in their shortest form that reads back exactly.
std::string format_rrng(const RangeTable& table);
void write_rrng(const std::filesystem::path& file, const RangeTable& table);

}  // namespace edgeloop::formats
