// The message of the ConfigError a configuration parser throws for a text, for tests that check
// that bad settings are refused with a message naming file, key and problem.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "edgeloop/core/config_error.hpp"

namespace edgeloop::testing {

// what() of the ConfigError `parse(text)` throws; "" and a test failure when it throws none.
template <class Parse>
std::string config_error_of(Parse&& parse, std::string_view text) {
  try {
    parse(text);
  } catch (const ConfigError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a ConfigError for:\n" << text;
  return "";
}

}  // namespace edgeloop::testing
