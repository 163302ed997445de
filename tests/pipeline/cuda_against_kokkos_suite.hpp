// The fixture of every test that checks a CUDA kernel against its Kokkos twin: the Kokkos
// backend is the reference, so the suite owns the process's Kokkos runtime (one suite per
// program, because Kokkos cannot be initialised again once finalised), and every test skips
// with the reason when no CUDA device is present.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "edgeloop/pipeline/frame_sum_kernel.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"

namespace edgeloop::testing {

class CudaAgainstKokkosSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { runtime_ = std::make_unique<KokkosRuntime>(); }
  static void TearDownTestSuite() { runtime_.reset(); }

  void SetUp() override {
    if (!cuda_device_available()) GTEST_SKIP() << cuda_unavailable_reason();
  }

 private:
  static inline std::unique_ptr<KokkosRuntime> runtime_;
};

}  // namespace edgeloop::testing
