#include "edgeloop/sisso/training_data.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "edgeloop/sisso/input_error.hpp"

namespace edgeloop::sisso {
namespace {

TrainingData parse(const std::string& text) {
  std::istringstream in(text);
  return parse_training_data(in, "train.dat");
}

// The message of the InputError that parsing `text` raises ("" when it does not throw).
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(TrainingData, ReadsHeaderRowsAndFeatureMajorValues) {
  const auto d = parse(
      "materials  y   a    b\n"
      "\n"
      "s1  1.5  2  -3e-1\n"
      "s2\t-0.5\t4\t+6\r\n"
      "s3, 2, 8, 9\n");
  EXPECT_EQ(d.sample_column, "materials");
  EXPECT_EQ(d.property_name, "y");
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.sample_names, (std::vector<std::string>{"s1", "s2", "s3"}));
  EXPECT_EQ(d.property, (std::vector<double>{1.5, -0.5, 2.0}));
  ASSERT_EQ(d.samples(), 3u);
  EXPECT_EQ(d.feature(0)[1], 4.0);
  EXPECT_EQ(d.feature(1)[0], -0.3);
  EXPECT_EQ(d.feature(1)[1], 6.0);
}

TEST(TrainingData, RaggedRowNamesFileAndLine) {
  const auto msg = error_of("m y a b\ns1 1 2 3\ns2 1 2\n");
  EXPECT_NE(msg.find("train.dat:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("3 fields"), std::string::npos) << msg;
}

TEST(TrainingData, NonNumericValueNamesColumnAndLine) {
  const auto msg = error_of("m y a b\ns1 1 2 3\ns2 1 x7 3\n");
  EXPECT_NE(msg.find("train.dat:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'a'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("x7"), std::string::npos) << msg;
}

TEST(TrainingData, NanAndInfinityAreRejected) {
  EXPECT_NE(error_of("m y a\ns1 1 nan\ns2 2 3\n").find("train.dat:2"), std::string::npos);
  EXPECT_NE(error_of("m y a\ns1 1 2\ns2 inf 3\n").find("not finite"), std::string::npos);
}

TEST(TrainingData, NeedsTwoSamples) {
  EXPECT_NE(error_of("m y a\ns1 1 2\n").find("at least 2"), std::string::npos);
  EXPECT_NE(error_of("m y a\n").find("at least 2"), std::string::npos);
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
}

TEST(TrainingData, DuplicateAndUnusableFeatureNamesAreRejected) {
  EXPECT_NE(error_of("m y a b a\ns1 1 2 3 4\ns2 1 2 3 4\n").find("duplicate feature name 'a'"),
            std::string::npos);
  EXPECT_NE(error_of("m y a-b\ns1 1 2\ns2 1 3\n").find("'a-b'"), std::string::npos);
  EXPECT_NE(error_of("m y\ns1 1\ns2 2\n").find("at least 3 fields"), std::string::npos);
}

TEST(TrainingData, MissingFileIsAnInputError) {
  EXPECT_THROW(read_training_data(std::filesystem::path("/nonexistent/train.dat")), InputError);
}

TEST(TrainingData, ReadsTheOctetReferenceSet) {
  const auto d =
      read_training_data(std::filesystem::path(EDGELOOP_SISSO_TEST_DATA_DIR) / "train_octet10.dat");
  EXPECT_EQ(d.samples(), 82u);
  EXPECT_EQ(d.primary_features(), 10u);
  EXPECT_EQ(d.property_name, "dE_RS_ZB");
  EXPECT_EQ(d.sample_names.front(), "AgBr");
}

}  // namespace
}  // namespace edgeloop::sisso
