#include "edgeloop/jobs/job_workspace.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace edgeloop::jobs {

namespace fs = std::filesystem;

JobWorkspace::JobWorkspace(const fs::path& jobs_root, const Uuid& job)
    : dir_(jobs_root / job.str()) {}

fs::path JobWorkspace::stdout_path(std::uint32_t attempt) const {
  return dir_ / ("stdout-" + std::to_string(attempt) + ".txt");
}

fs::path JobWorkspace::stderr_path(std::uint32_t attempt) const {
  return dir_ / ("stderr-" + std::to_string(attempt) + ".txt");
}

fs::path JobWorkspace::exit_marker(std::uint32_t attempt) const {
  return control_dir() / ("exit-" + std::to_string(attempt));
}

void JobWorkspace::create(const JobSpec& spec, const ContentStore& store, StageMode mode) const {
  std::error_code error;
  fs::create_directories(dir_.parent_path(), error);
  if (error) {
    throw std::runtime_error("cannot create jobs directory " + dir_.parent_path().string() + ": " +
                             error.message());
  }
  // create_directory() reports an existing directory as "not created", which we refuse: two
  // jobs must never share a working directory.
  if (!fs::create_directory(dir_, error)) {
    throw std::runtime_error("job directory " + dir_.string() +
                             (error ? ": " + error.message() : " already exists"));
  }
  try {
    fs::create_directory(out_dir());
    fs::create_directory(control_dir());
    for (const auto& input : spec.inputs) store.stage(input, dir_ / input.name, mode);
  } catch (const std::exception& e) {
    fs::remove_all(dir_, error);
    throw std::runtime_error(std::string("staging job ") + spec.job_id.str() + ": " + e.what());
  }
}

JobWorkspace::Collected JobWorkspace::collect_outputs() const {
  Collected collected;
  std::error_code error;
  const fs::path out = out_dir();
  if (!fs::is_directory(out, error)) return collected;
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator
           it(out, fs::directory_options::skip_permission_denied, error),
       end;
       !error && it != end; it.increment(error)) {
    const fs::file_status status = it->symlink_status(error);
    if (error) break;
    if (fs::is_directory(status)) continue;
    if (!fs::is_regular_file(status) || files.size() >= kMaxOutputs) {
      ++collected.skipped;
      continue;
    }
    files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    try {
      const auto [digest, size] = hash_file(file);
      collected.files.push_back({fs::relative(file, out).generic_string(), digest, size});
    } catch (const std::exception&) {
      ++collected.skipped;  // vanished or unreadable: the job's business, not the runner's
    }
  }
  return collected;
}

std::optional<int> JobWorkspace::read_exit_marker(std::uint32_t attempt) const {
  std::ifstream in(exit_marker(attempt));
  if (!in) return std::nullopt;
  std::string text;
  std::getline(in, text);
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < 0 || value > 255) {
    return std::nullopt;
  }
  return value;
}

}  // namespace edgeloop::jobs
