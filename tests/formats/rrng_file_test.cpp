#include "edgeloop/formats/rrng_file.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "edgeloop/formats/apt_file_error.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::formats {
namespace {

constexpr std::string_view kExample = R"([Ions]
Number=3
Ion1=Al
Ion2=Cu
Ion3=H

[Ranges]
Number=4
Range1=62.7 63.3 Vol:0.01181 Cu:1 Color:FF8000
Range2=26.8 27.3 Vol:0.01661 Al:1 Color:33FFFF
Range3=13.35 13.8 Vol:0.01661 Al:1 Color:33FFFF
Range4=28.8 29.2 Vol:0.02 Al:1 H:2 Name:AlH2 Color:a0a0a0
)";

std::string error_of(std::string_view text) {
  try {
    parse_rrng(text, "alloy.rrng");
  } catch (const AptFileError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an AptFileError for:\n" << text;
  return "";
}

// kExample with one line replaced.
std::string with_line(std::string_view from, std::string_view to) {
  std::string text(kExample);
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  return text;
}

TEST(RrngFile, ParsesIonsAndRangesSortedByMass) {
  const RangeTable table = parse_rrng(kExample, "alloy.rrng");
  ASSERT_EQ(table.ions().size(), 3U);
  EXPECT_EQ(table.ions()[1], "Cu");
  ASSERT_EQ(table.ranges().size(), 4U);
  EXPECT_EQ(table.ranges()[0].low, 13.35);
  EXPECT_EQ(table.ranges()[0].ion_name(), "Al");
  EXPECT_EQ(table.ranges()[3].ion_name(), "Cu");
  EXPECT_EQ(table.ranges()[3].color, 0xFF8000U);
  EXPECT_EQ(table.ranges()[3].volume_nm3, 0.01181);
  const Range& alh2 = table.ranges()[2];
  EXPECT_EQ(alh2.ion_name(), "AlH2");
  ASSERT_EQ(alh2.composition.size(), 2U);
  EXPECT_EQ(alh2.composition[1], (RangeComponent{"H", 2}));
  EXPECT_EQ(alh2.color, 0xA0A0A0U);
}

TEST(RrngFile, FindsTheRangeOfAMass) {
  const RangeTable table = parse_rrng(kExample, "alloy.rrng");
  ASSERT_NE(table.find(26.98), nullptr);
  EXPECT_EQ(table.find(26.98)->ion_name(), "Al");
  EXPECT_EQ(table.find(62.93)->ion_name(), "Cu");
  EXPECT_EQ(table.find(26.8)->ion_name(), "Al");  // low is inclusive
  EXPECT_EQ(table.find(27.3), nullptr);           // high is exclusive
  EXPECT_EQ(table.find(1.0), nullptr);
  EXPECT_EQ(table.find(100.0), nullptr);
  EXPECT_EQ(table.find(20.0), nullptr);
}

TEST(RrngFile, RoundTripsThroughAFile) {
  const testing::TempDir dir;
  const RangeTable table = parse_rrng(kExample, "alloy.rrng");
  write_rrng(dir / "out.rrng", table);
  const RangeTable back = read_rrng(dir / "out.rrng");
  EXPECT_EQ(back.ions(), table.ions());
  ASSERT_EQ(back.ranges().size(), table.ranges().size());
  for (std::size_t i = 0; i < table.ranges().size(); ++i) {
    EXPECT_EQ(back.ranges()[i], table.ranges()[i]) << i;
  }
  // Awkward binary fractions survive exactly.
  std::vector<Range> ranges{{0.1 + 0.2, 1.0 / 3.0, 0.016605, {{"Al", 1}}, 0x010203}};
  const RangeTable exact({"Al"}, ranges);
  const RangeTable again = parse_rrng(format_rrng(exact), "x");
  EXPECT_EQ(again.ranges()[0], exact.ranges()[0]);
}

TEST(RrngFile, ToleratesCaseCommentsAndWindowsLineEnds) {
  const std::string text =
      "# written by hand\r\n[ions]\r\nnumber=1\r\nion1=Al\r\n\r\n[RANGES]\r\nNUMBER=1\r\n"
      "range1 = 26.8   27.3  vol:0.0166 Al:1 colour:00ff00\r\n";
  const RangeTable table = parse_rrng(text, "win.rrng");
  ASSERT_EQ(table.ranges().size(), 1U);
  EXPECT_EQ(table.ranges()[0].color, 0x00FF00U);
}

TEST(RrngFile, ErrorsNameFileAndLine) {
  EXPECT_NE(error_of(with_line("Range2=26.8 27.3", "Range2=26.8 2x7.3"))
                .find("alloy.rrng: line 10: high bound '2x7.3' is not a finite number"),
            std::string::npos);
  EXPECT_NE(error_of(with_line("Range2=26.8 27.3", "Range2=27.3 26.8"))
                .find("line 10: inverted or empty range"),
            std::string::npos);
  EXPECT_NE(error_of(with_line("Vol:0.01181 Cu:1", "Vol:0.01181 Zn:1"))
                .find("line 9: ion 'Zn' is not declared in [Ions]"),
            std::string::npos);
  EXPECT_NE(error_of(with_line("Range2=26.8 27.3", "Range2=26.8 62.8")).find("overlaps"),
            std::string::npos);
  EXPECT_NE(error_of(with_line("Range2=26.8 27.3", "Range2=26.8 nan")).find("line 10"),
            std::string::npos);
  EXPECT_NE(error_of(with_line("Color:FF8000", "Color:FF80")).find("six hex digits"),
            std::string::npos);
  EXPECT_NE(error_of(with_line("Cu:1 Color", "Cu:0 Color")).find("count of Cu"), std::string::npos);
  EXPECT_NE(error_of(with_line("Cu:1 Color", "Cu:1 Cu:1 Color")).find("appears twice"),
            std::string::npos);
  EXPECT_NE(error_of(with_line("Vol:0.01181", "Vol:-1")).find("Vol:"), std::string::npos);
  EXPECT_NE(error_of(with_line("Vol:0.01181", "Bogus")).find("not Key:value"), std::string::npos);
  EXPECT_NE(error_of(with_line("Vol:0.01181", "bogus:1")).find("unknown token"), std::string::npos);
}

TEST(RrngFile, ErrorsOnStructure) {
  EXPECT_NE(error_of(with_line("Number=4", "Number=5")).find("Number=5 but 4 entries follow"),
            std::string::npos);
  EXPECT_NE(error_of(with_line("Number=3", "Number=three")).find("line 2"), std::string::npos);
  EXPECT_NE(error_of(with_line("Range4=", "Range5=")).find("entry 5 found where 4"),
            std::string::npos);
  EXPECT_NE(error_of(with_line("Range4=", "Range1=")).find("Range1 given twice"),
            std::string::npos);
  EXPECT_NE(error_of(with_line("Ion3=H", "Ion3=Al")).find("declared twice"), std::string::npos);
  EXPECT_NE(error_of(with_line("[Ranges]", "[Rangez]")).find("unknown section"), std::string::npos);
  EXPECT_NE(error_of("[Ions]\nNumber=0\n").find("no [Ranges] section"), std::string::npos);
  EXPECT_NE(error_of("Number=1\n").find("line 1: 'Number=1' is outside any section"),
            std::string::npos);
  EXPECT_NE(error_of("[Ions]\nIon1=Al\n[Ranges]\nNumber=0\n").find("has no Number= line"),
            std::string::npos);
  EXPECT_NE(error_of("[Ions]\nNumber=0\n[Ranges]\nNumber=0\nwhat\n").find("expected key=value"),
            std::string::npos);
  EXPECT_NE(error_of("[Ions]\nNumber=0\n[Ranges]\nNumber=1\nRange1=1 2\n").find("has no ion"),
            std::string::npos);
  EXPECT_NE(error_of("[Ions]\nNumber=0\n[Ranges]\nNumber=0\n[Ions]\n").find("appears twice"),
            std::string::npos);
  // Empty but complete is fine.
  EXPECT_TRUE(parse_rrng("[Ions]\nNumber=0\n[Ranges]\nNumber=0\n", "e").ranges().empty());
}

TEST(RrngFile, DamagedFilesGiveErrorsNotCrashes) {
  // Every single-character change, deletion and truncation of a valid file either parses or
  // fails with an AptFileError.
  const std::string text(kExample);
  using namespace std::string_literals;
  const std::string replacements = "=:. -9x[]\n\0"s;  // the NUL included
  std::size_t errors = 0;
  const auto attempt = [&](const std::string& damaged) {
    try {
      parse_rrng(damaged, "damaged.rrng");
    } catch (const AptFileError&) {
      ++errors;
    }
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    for (const char c : replacements) {
      std::string damaged = text;
      damaged[i] = c;
      attempt(damaged);
    }
    std::string shorter = text;
    shorter.erase(i, 1);
    attempt(shorter);
    attempt(text.substr(0, i));
  }
  EXPECT_GT(errors, text.size());
}

TEST(RangeTable, ConstructorValidates) {
  EXPECT_THROW(RangeTable({"Al"}, {{27.3, 26.8, 0, {{"Al", 1}}, 0}}), std::invalid_argument);
  EXPECT_THROW(RangeTable({"Al"}, {{26.8, 27.3, 0, {{"Cu", 1}}, 0}}), std::invalid_argument);
  EXPECT_THROW(
      RangeTable({"Al"}, {{26.8, 27.3, 0, {{"Al", 1}}, 0}, {27.0, 28.0, 0, {{"Al", 1}}, 0}}),
      std::invalid_argument);
  EXPECT_THROW(RangeTable({"Al", "Al"}, {}), std::invalid_argument);
  // Touching ranges are fine; a molecular ion may be declared by its formula.
  const RangeTable ok({"Al", "AlH"},
                      {{26.8, 27.3, 0, {{"Al", 1}}, 0}, {27.3, 28.3, 0, {{"Al", 1}, {"H", 1}}, 0}});
  EXPECT_EQ(ok.find(27.3)->ion_name(), "AlH");
}

}  // namespace
}  // namespace edgeloop::formats
