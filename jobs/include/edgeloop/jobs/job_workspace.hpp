// A job's working directory under the jobs root: inputs staged in, out/ for results,
// stdout-<attempt>.txt and stderr-<attempt>.txt, and .edgeloop/ for the runner's own files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "edgeloop/core/uuid.hpp"
#include "edgeloop/jobs/content_store.hpp"
#include "edgeloop/jobs/job_spec.hpp"
#include "edgeloop/jobs/job_status.hpp"

namespace edgeloop::jobs {

// Outputs beyond this are not hashed (and the job says so) so a runaway job cannot stall the
// runner that collects them.
inline constexpr std::size_t kMaxOutputs = 100000;

class JobWorkspace {
 public:
  JobWorkspace(const std::filesystem::path& jobs_root, const Uuid& job);

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path out_dir() const { return dir_ / "out"; }
  std::filesystem::path control_dir() const { return dir_ / ".edgeloop"; }
  std::filesystem::path stdout_path(std::uint32_t attempt) const;
  std::filesystem::path stderr_path(std::uint32_t attempt) const;
  // Written by a Slurm job's batch script when it exits: the exit status, as text.
  std::filesystem::path exit_marker(std::uint32_t attempt) const;

  // Creates the directory, out/ and .edgeloop/, and stages every input from the store. The
  // directory must not exist yet (a job id used twice). std::runtime_error on failure, after
  // removing what was created.
  void create(const JobSpec& spec, const ContentStore& store, StageMode mode) const;

  // Every regular file under out/, by name, hashed. Symbolic links are not followed (a link
  // could point anywhere); they and files past kMaxOutputs are left out and counted in
  // `skipped`.
  struct Collected {
    std::vector<OutputFile> files;
    std::size_t skipped = 0;
  };
  Collected collect_outputs() const;

  // The exit status the batch script recorded for an attempt; nullopt when there is none or it
  // is not a number.
  std::optional<int> read_exit_marker(std::uint32_t attempt) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace edgeloop::jobs
