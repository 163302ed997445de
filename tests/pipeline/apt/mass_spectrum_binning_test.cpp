#include "edgeloop/pipeline/apt/mass_spectrum_binning.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

namespace edgeloop {
namespace {

TEST(MassSpectrumBinning, AWholeNumberOfBinsDoesNotGrowOne) {
  const MassSpectrumBinning b(0.0, 120.0, 0.05);
  EXPECT_EQ(b.bins(), 2400U);
  EXPECT_DOUBLE_EQ(b.mz_max(), 120.0);
  const MassSpectrumBinning c(10.0, 10.3, 0.1);
  EXPECT_EQ(c.bins(), 3U);
}

TEST(MassSpectrumBinning, APartialLastBinIsKeptWhole) {
  const MassSpectrumBinning b(0.0, 1.05, 0.1);
  EXPECT_EQ(b.bins(), 11U);
  EXPECT_DOUBLE_EQ(b.mz_max(), 1.1);
}

TEST(MassSpectrumBinning, BinsAreHalfOpenAndOutsideIsMinusOne) {
  const MassSpectrumBinning b(10.0, 20.0, 0.5);
  EXPECT_EQ(b.bin_of(10.0), 0);
  EXPECT_EQ(b.bin_of(10.49), 0);
  EXPECT_EQ(b.bin_of(10.5), 1);
  EXPECT_EQ(b.bin_of(19.99), 19);
  EXPECT_EQ(b.bin_of(20.0), -1);
  EXPECT_EQ(b.bin_of(9.999), -1);
  EXPECT_EQ(b.bin_of(std::numeric_limits<double>::quiet_NaN()), -1);
  EXPECT_EQ(b.bin_of(std::numeric_limits<double>::infinity()), -1);
}

TEST(MassSpectrumBinning, CentresAreTheAxis) {
  const MassSpectrumBinning b(1.0, 2.0, 0.25);
  EXPECT_EQ(b.centres(), (std::vector<double>{1.125, 1.375, 1.625, 1.875}));
}

TEST(MassSpectrumBinning, RefusesBadExtentsNamingTheParameter) {
  const auto message = [](double lo, double hi, double w) -> std::string {
    try {
      MassSpectrumBinning(lo, hi, w);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message(-1.0, 10.0, 0.1).find("mz_min"), std::string::npos);
  EXPECT_NE(message(10.0, 10.0, 0.1).find("mz_max"), std::string::npos);
  EXPECT_NE(message(0.0, 10.0, 0.0).find("bin_width"), std::string::npos);
  EXPECT_NE(message(0.0, 10.0, std::numeric_limits<double>::quiet_NaN()).find("bin_width"),
            std::string::npos);
  EXPECT_NE(message(0.0, 1000.0, 1e-5).find("bins"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop
