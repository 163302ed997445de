#include "edgeloop/sims/probe_optics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace edgeloop::sims {
namespace {

// Reference values of electron optics (relativistic wavelength and interaction constant).
TEST(ProbeOptics, WavelengthIsRelativistic) {
  EXPECT_NEAR(ProbeOptics{.beam_energy_kv = 200.0}.wavelength_nm(), 2.5079e-3, 1e-7);
  EXPECT_NEAR(ProbeOptics{.beam_energy_kv = 300.0}.wavelength_nm(), 1.9687e-3, 1e-7);
  EXPECT_NEAR(ProbeOptics{.beam_energy_kv = 100.0}.wavelength_nm(), 3.7014e-3, 1e-7);
  // Non-relativistically 1.2264 / sqrt(V) nm would be 2.74 pm at 200 kV: the correction matters.
  EXPECT_LT(ProbeOptics{.beam_energy_kv = 200.0}.wavelength_nm(), 1.2264 / std::sqrt(200e3));
}

TEST(ProbeOptics, FasterElectronsScatterLess) {
  // sigma = 2 pi m e lambda / h^2: 7.29e-3 rad / (V nm) at 200 kV, 6.53e-3 at 300 kV.
  EXPECT_NEAR(ProbeOptics{.beam_energy_kv = 200.0}.interaction_constant(), 7.288e-3, 5e-6);
  EXPECT_NEAR(ProbeOptics{.beam_energy_kv = 300.0}.interaction_constant(), 6.526e-3, 5e-6);
}

TEST(ProbeOptics, ApertureAndAberrationPhase) {
  const ProbeOptics optics{.beam_energy_kv = 300.0, .convergence_mrad = 2.0, .cs_mm = 1.2};
  EXPECT_NEAR(optics.aperture_per_nm(), 2e-3 / optics.wavelength_nm(), 1e-12);
  const double lambda = optics.wavelength_nm();
  const double k2 = 0.81;  // k = 0.9 / nm
  EXPECT_NEAR(optics.aberration(k2, 0.0),
              0.5 * std::numbers::pi * 1.2e6 * std::pow(lambda, 3) * k2 * k2, 1e-12);
  // Defocus adds pi lambda df k^2.
  EXPECT_NEAR(optics.aberration(k2, 100.0) - optics.aberration(k2, 0.0),
              std::numbers::pi * lambda * 100.0 * k2, 1e-12);
  EXPECT_EQ(optics.aberration(0.0, 500.0), 0.0);
}

TEST(ProbeOptics, ValidateNamesTheBadSetting) {
  EXPECT_NO_THROW(ProbeOptics{}.validate());
  const auto message = [](const ProbeOptics& optics) {
    try {
      optics.validate();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message({.beam_energy_kv = 0.0}).find("beam_energy_kv"), std::string::npos);
  EXPECT_NE(message({.convergence_mrad = 0.0}).find("convergence_mrad"), std::string::npos);
  EXPECT_NE(message({.cs_mm = NAN}).find("cs_mm"), std::string::npos);
  EXPECT_NE(message({.convergence_mrad = 1.0, .aperture_edge_mrad = 1.0}).find("aperture_edge"),
            std::string::npos);
}

}  // namespace
}  // namespace edgeloop::sims
