// Raised for every problem with what the user gave us (train.dat, settings, command line):
// the program maps it to exit code 2, everything else to 1.
#pragma once

#include <stdexcept>
#include <string>

namespace edgeloop::sisso {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace edgeloop::sisso
