// The one exception type for bad configuration: names the file, the full dotted key and the
// problem, so an operator can fix the file without reading code.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace edgeloop {

class ConfigError : public std::runtime_error {
 public:
  // what() is "<file>: <key>: <problem>", or "<file>: <problem>" when key is empty.
  ConfigError(std::string file, std::string key, std::string problem);
  // A syntax error at a position in the file: what() is "<file>:<line>:<column>: <problem>".
  ConfigError(std::string file, std::uint32_t line, std::uint32_t column, std::string problem);

  const std::string& file() const { return file_; }
  const std::string& key() const { return key_; }
  const std::string& problem() const { return problem_; }
  // 1-based position of a syntax error; 0 for errors that are about a key rather than a place.
  std::uint32_t line() const { return line_; }
  std::uint32_t column() const { return column_; }

 private:
  std::string file_;
  std::string key_;
  std::string problem_;
  std::uint32_t line_ = 0;
  std::uint32_t column_ = 0;
};

}  // namespace edgeloop
