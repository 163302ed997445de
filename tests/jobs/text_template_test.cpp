#include "edgeloop/jobs/text_template.hpp"

#include <gtest/gtest.h>

namespace edgeloop::jobs {
namespace {

TEST(TextTemplate, FillsEveryPlaceholder) {
  EXPECT_EQ(render_template("a={{a}}, b={{b_2}}, a again={{a}}", {{"a", "1"}, {"b_2", "x y"}}),
            "a=1, b=x y, a again=1");
  EXPECT_EQ(template_placeholders("{{x}} {{y}} {{x}}"), (std::set<std::string>{"x", "y"}));
  EXPECT_EQ(render_template("no placeholders", {}), "no placeholders");
}

TEST(TextTemplate, MissingUnusedAndMalformedPlaceholdersAreErrors) {
  EXPECT_THROW(render_template("{{a}} {{b}}", {{"a", "1"}}), std::invalid_argument);
  EXPECT_THROW(render_template("{{a}}", {{"a", "1"}, {"typo", "2"}}), std::invalid_argument);
  EXPECT_THROW(template_placeholders("{{a"), std::invalid_argument);
  EXPECT_THROW(template_placeholders("{{A}}"), std::invalid_argument);
  EXPECT_THROW(template_placeholders("{{}}"), std::invalid_argument);
  try {
    render_template("{{a}} {{b}}", {{"a", "1"}});
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'b'"), std::string::npos);
  }
}

}  // namespace
}  // namespace edgeloop::jobs
