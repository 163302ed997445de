#include "edgeloop/jobs/content_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "edgeloop/core/uuid.hpp"
#include "unique_fd.hpp"

namespace edgeloop::jobs {

namespace fs = std::filesystem;
using detail::UniqueFd;

namespace {

constexpr std::size_t kChunk = std::size_t{1} << 20;

[[noreturn]] void fail(const std::string& what, const fs::path& path, int error) {
  throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(error));
}

UniqueFd open_read(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) fail("cannot open", file, errno);
  return fd;
}

void write_all(int fd, const std::byte* data, std::size_t size, const fs::path& file) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", file, errno);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Reads `in` to the end, hashing, and writes it to `out` when given.
std::pair<Sha256Digest, std::uint64_t> copy_hashing(int in, const fs::path& in_path, int out,
                                                    const fs::path& out_path) {
  Sha256 hash;
  std::uint64_t total = 0;
  std::vector<std::byte> buffer(kChunk);
  while (true) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot read", in_path, errno);
    }
    if (n == 0) break;
    const auto count = static_cast<std::size_t>(n);
    hash.update(std::span<const std::byte>(buffer.data(), count));
    if (out >= 0) write_all(out, buffer.data(), count, out_path);
    total += count;
  }
  return {hash.finish(), total};
}

// A new file that only this process writes; O_EXCL so two writers never share one.
UniqueFd create_exclusive(const fs::path& file, mode_t mode) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid()) fail("cannot create", file, errno);
  return fd;
}

void sync_and_close(UniqueFd& fd, const fs::path& file) {
  if (::fsync(fd.get()) != 0) fail("cannot sync", file, errno);
  if (::close(fd.release()) != 0) fail("cannot close", file, errno);
}

}  // namespace

std::pair<Sha256Digest, std::uint64_t> hash_file(const fs::path& file) {
  UniqueFd in = open_read(file);
  return copy_hashing(in.get(), file, -1, {});
}

ContentStore::ContentStore(fs::path root) : root_(std::move(root)) {
  if (root_.empty()) throw std::runtime_error("content store: root directory is empty");
  std::error_code error;
  fs::create_directories(root_ / "sha256", error);
  if (!error) fs::create_directories(root_ / "tmp", error);
  if (error) {
    throw std::runtime_error("content store: cannot create " + root_.string() + ": " +
                             error.message());
  }
}

fs::path ContentStore::object_path(const Sha256Digest& digest) const {
  const std::string hex = to_hex(digest);
  return root_ / "sha256" / hex.substr(0, 2) / hex;
}

bool ContentStore::contains(const Sha256Digest& digest) const {
  std::error_code error;
  return fs::is_regular_file(object_path(digest), error);
}

InputFile ContentStore::adopt(const fs::path& temp, const Sha256Digest& digest, std::uint64_t size,
                              std::string name) const {
  const fs::path target = object_path(digest);
  std::error_code error;
  fs::create_directories(target.parent_path(), error);
  if (error) {
    fs::remove(temp, error);
    throw std::runtime_error("content store: cannot create " + target.parent_path().string());
  }
  // rename() replaces an existing object atomically, and identical contents make that
  // harmless, so concurrent writers of the same file need no lock.
  if (std::rename(temp.c_str(), target.c_str()) != 0) {
    const int e = errno;
    fs::remove(temp, error);
    fail("cannot add to the content store", target, e);
  }
  return InputFile{std::move(name), digest, size};
}

InputFile ContentStore::put_file(const fs::path& source, std::string name) const {
  validate_input_name(name);
  UniqueFd in = open_read(source);
  const fs::path temp = root_ / "tmp" / (Uuid::random().str() + ".part");
  UniqueFd out = create_exclusive(temp, 0444);
  std::pair<Sha256Digest, std::uint64_t> hashed;
  try {
    hashed = copy_hashing(in.get(), source, out.get(), temp);
    sync_and_close(out, temp);
  } catch (...) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw;
  }
  return adopt(temp, hashed.first, hashed.second, std::move(name));
}

InputFile ContentStore::put_bytes(std::string_view bytes, std::string name) const {
  validate_input_name(name);
  const fs::path temp = root_ / "tmp" / (Uuid::random().str() + ".part");
  UniqueFd out = create_exclusive(temp, 0444);
  try {
    write_all(out.get(), reinterpret_cast<const std::byte*>(bytes.data()), bytes.size(), temp);
    sync_and_close(out, temp);
  } catch (...) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw;
  }
  return adopt(temp, Sha256::of(bytes), bytes.size(), std::move(name));
}

void ContentStore::stage(const InputFile& input, const fs::path& destination,
                         StageMode mode) const {
  const fs::path object = object_path(input.sha256);
  struct stat info {};
  if (::stat(object.c_str(), &info) != 0) {
    throw std::runtime_error("input '" + input.name + "': sha256 " + to_hex(input.sha256) +
                             " is not in the content store " + root_.string());
  }
  if (static_cast<std::uint64_t>(info.st_size) != input.size) {
    throw std::runtime_error("input '" + input.name + "': the spec says " +
                             std::to_string(input.size) + " bytes, the stored object has " +
                             std::to_string(info.st_size));
  }
  std::error_code error;
  fs::create_directories(destination.parent_path(), error);
  if (error) fail("cannot create", destination.parent_path(), error.value());
  if (mode == StageMode::Hardlink) {
    if (::link(object.c_str(), destination.c_str()) == 0) return;
    // Another file system, or links not allowed there: fall back to a verified copy.
    if (errno != EXDEV && errno != EPERM && errno != EMLINK) {
      fail("cannot link " + object.string() + " to", destination, errno);
    }
  }
  UniqueFd in = open_read(object);
  UniqueFd out = create_exclusive(destination, 0644);
  const auto [digest, size] = copy_hashing(in.get(), object, out.get(), destination);
  if (::close(out.release()) != 0) fail("cannot close", destination, errno);
  if (digest != input.sha256 || size != input.size) {
    fs::remove(destination, error);
    throw std::runtime_error("content store object " + object.string() +
                             " does not match its hash (damaged on disk)");
  }
}

}  // namespace edgeloop::jobs
