#include "file_bytes.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "edgeloop/formats/apt_file_error.hpp"

namespace edgeloop::formats::detail {
namespace {

std::string reason() {
  return errno != 0 ? std::string(std::strerror(errno)) : std::string("I/O error");
}

}  // namespace

std::vector<std::byte> read_file_bytes(const std::filesystem::path& file) {
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw AptFileError(file.string(), "", "cannot open for reading: " + reason());
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw AptFileError(file.string(), "", "cannot get its size: " + ec.message());
  std::vector<std::byte> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<std::size_t>(in.gcount()) != bytes.size()) {
    throw AptFileError(file.string(), "", "cannot read: " + reason());
  }
  return bytes;
}

void write_file_bytes(const std::filesystem::path& file, std::span<const std::byte> bytes) {
  errno = 0;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw AptFileError(file.string(), "", "cannot open for writing: " + reason());
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.flush();
  if (!out) throw AptFileError(file.string(), "", "cannot write: " + reason());
}

}  // namespace edgeloop::formats::detail
