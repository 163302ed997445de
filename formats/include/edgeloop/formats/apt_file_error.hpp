// The error every APT file reader and writer (.pos, .epos, .rrng) throws for a malformed or
// unwritable file: it names the file and the record or line, so a user can find the fault.
#pragma once

#include <stdexcept>
#include <string>

namespace edgeloop::formats {

class AptFileError : public std::runtime_error {
 public:
  // what() is "<file>: <where>: <problem>", or "<file>: <problem>" when where is empty.
  // `where` is e.g. "record 12" (1-based) or "line 7".
  AptFileError(std::string file, std::string where, std::string problem);

  const std::string& file() const { return file_; }
  const std::string& where() const { return where_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string file_;
  std::string where_;
  std::string problem_;
};

}  // namespace edgeloop::formats
