// A content-addressed store of job inputs: files are kept once under their SHA-256 and staged
// into job directories by hash, so a job's provenance names exactly the bytes it read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "edgeloop/core/sha256.hpp"
#include "edgeloop/jobs/job_spec.hpp"

namespace edgeloop::jobs {

// How an input reaches a job directory. Hardlink costs nothing but shares the inode with the
// store: a job that writes into its input in place (root ignores the read-only mode) would
// change the stored object, so it is for large inputs of trusted programs. Copy re-hashes while
// copying and so also catches a store object that was damaged on disk.
enum class StageMode { Copy, Hardlink };

// SHA-256 and size of a file's contents; std::runtime_error naming the file when unreadable.
std::pair<Sha256Digest, std::uint64_t> hash_file(const std::filesystem::path& file);

// Layout: <root>/sha256/<2 hex>/<64 hex> (read-only objects) and <root>/tmp/ for files being
// added. Adding is atomic (write, fsync, rename), so several runners and processes may share
// one store; an object is never visible half-written. Holds only its path: cheap to copy.
class ContentStore {
 public:
  // Creates the directories when missing; std::runtime_error when that fails.
  explicit ContentStore(std::filesystem::path root);

  // Adds a copy of `source` and returns it as an input called `name` (validated, JobSpecError).
  InputFile put_file(const std::filesystem::path& source, std::string name) const;
  InputFile put_bytes(std::string_view bytes, std::string name) const;

  bool contains(const Sha256Digest& digest) const;
  std::filesystem::path object_path(const Sha256Digest& digest) const;

  // Places the input at `destination` (parent directories are created). std::runtime_error
  // when the object is missing, has another size, or (Copy) another hash.
  void stage(const InputFile& input, const std::filesystem::path& destination,
             StageMode mode) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  InputFile adopt(const std::filesystem::path& temp, const Sha256Digest& digest, std::uint64_t size,
                  std::string name) const;

  std::filesystem::path root_;
};

}  // namespace edgeloop::jobs
