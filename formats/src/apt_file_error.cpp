#include "edgeloop/formats/apt_file_error.hpp"

#include <utility>

namespace edgeloop::formats {
namespace {

std::string message(const std::string& file, const std::string& where, const std::string& problem) {
  return where.empty() ? file + ": " + problem : file + ": " + where + ": " + problem;
}

}  // namespace

AptFileError::AptFileError(std::string file, std::string where, std::string problem)
    : std::runtime_error(message(file, where, problem)),
      file_(std::move(file)),
      where_(std::move(where)),
      problem_(std::move(problem)) {}

}  // namespace edgeloop::formats
