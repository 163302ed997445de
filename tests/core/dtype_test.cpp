#include "edgeloop/core/dtype.hpp"

#include <gtest/gtest.h>

namespace edgeloop {
namespace {

TEST(DType, SizesAndNamesRoundTrip) {
  EXPECT_EQ(dtype_size(wire::DType::U8), 1u);
  EXPECT_EQ(dtype_size(wire::DType::U16), 2u);
  EXPECT_EQ(dtype_size(wire::DType::F32), 4u);
  EXPECT_EQ(dtype_size(wire::DType::F64), 8u);
  for (auto d : {wire::DType::U8, wire::DType::U16, wire::DType::U32, wire::DType::I32,
                 wire::DType::F32, wire::DType::F64}) {
    EXPECT_EQ(dtype_from_name(dtype_name(d)), d);
  }
}

TEST(DType, UnknownValuesAreRecognisedAsSuch) {
  EXPECT_EQ(dtype_size(wire::DType::Unknown), 0u);
  EXPECT_EQ(dtype_size(static_cast<wire::DType>(42)), 0u);
  EXPECT_EQ(dtype_name(static_cast<wire::DType>(42)), "unknown");
  EXPECT_EQ(dtype_from_name("u12"), wire::DType::Unknown);
}

}  // namespace
}  // namespace edgeloop
