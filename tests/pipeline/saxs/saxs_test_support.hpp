// Shared by the SAXS reduction tests: frames built from pixel vectors, a tilted test geometry
// and a fixture that keeps Kokkos alive for a test suite.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "edgeloop/core/dtype.hpp"
#include "edgeloop/formats/poni_geometry.hpp"
#include "edgeloop/pipeline/frame.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"

namespace edgeloop::saxs::fixtures {

// The wire dtype of a pixel type.
template <typename T>
constexpr wire::DType dtype_of() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return wire::DType::U8;
  if constexpr (std::is_same_v<T, std::uint16_t>) return wire::DType::U16;
  if constexpr (std::is_same_v<T, std::uint32_t>) return wire::DType::U32;
  if constexpr (std::is_same_v<T, std::int32_t>) return wire::DType::I32;
  if constexpr (std::is_same_v<T, float>) return wire::DType::F32;
  if constexpr (std::is_same_v<T, double>) return wire::DType::F64;
  return wire::DType::Unknown;
}

template <typename T>
class VectorPayload final : public PayloadOwner {
 public:
  explicit VectorPayload(std::vector<T> pixels) : pixels_(std::move(pixels)) {}
  std::span<const std::byte> bytes() const override { return std::as_bytes(std::span(pixels_)); }

 private:
  std::vector<T> pixels_;
};

template <typename T>
Frame image_frame(std::vector<T> pixels, std::uint32_t rows, std::uint32_t cols,
                  double exposure_s = 1.0) {
  Frame frame;
  frame.meta.kind = FrameKind::Image;
  frame.meta.modality = wire::Modality::Saxs;
  frame.meta.dtype = dtype_of<T>();
  frame.meta.shape = {rows, cols};
  frame.meta.exposure_s = exposure_s;
  frame.payload = std::make_unique<VectorPayload<T>>(std::move(pixels));
  return frame;
}

// A small detector with every rotation in play and the beam inside it, so bins, solid angle and
// polarisation all vary across it.
inline formats::PoniParameters tilted_geometry() {
  formats::PoniParameters p;
  p.dist = 0.3;
  p.poni1 = 0.0061;
  p.poni2 = 0.0072;
  p.rot1 = 0.05;
  p.rot2 = -0.03;
  p.rot3 = 0.2;
  p.wavelength = 1.0e-10;
  p.pixel1 = 75e-6;
  p.pixel2 = 75e-6;
  p.rows = 160;
  p.cols = 200;
  return p;
}

class KokkosSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { kokkos_ = std::make_unique<KokkosRuntime>(); }
  static void TearDownTestSuite() { kokkos_.reset(); }
  inline static std::unique_ptr<KokkosRuntime> kokkos_;
};

}  // namespace edgeloop::saxs::fixtures
