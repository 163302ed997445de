#include "edgeloop/jobs/slurm_job_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "edgeloop/core/fsync_directory.hpp"
#include "edgeloop/jobs/job_json.hpp"
#include "edgeloop/jobs/slurm_output.hpp"
#include "unique_fd.hpp"

namespace edgeloop::jobs {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw std::runtime_error("Slurm job table " + file.string() + ": " + what);
}

json tracking_to_json(const SlurmTracking& t) {
  return {{"slurm_id", t.slurm_id},
          {"submitting", t.submitting},
          {"cancel_requested", t.cancel_requested},
          {"cancel_sent", t.cancel_sent},
          {"unknown_polls", t.unknown_polls}};
}

SlurmTracking tracking_from_json(const json& j) {
  if (!j.is_object()) throw std::invalid_argument("'slurm' is not an object");
  SlurmTracking t;
  const auto& id = j.at("slurm_id");
  if (!id.is_string()) throw std::invalid_argument("'slurm_id' is not a string");
  t.slurm_id = id.get<std::string>();
  for (const auto& [key, flag] : {std::pair<const char*, bool*>{"submitting", &t.submitting},
                                  {"cancel_requested", &t.cancel_requested},
                                  {"cancel_sent", &t.cancel_sent}}) {
    const auto& value = j.at(key);
    if (!value.is_boolean())
      throw std::invalid_argument(std::string("'") + key + "' is not true/false");
    *flag = value.get<bool>();
  }
  const auto& polls = j.at("unknown_polls");
  if (!polls.is_number_unsigned() || polls.get<std::uint64_t>() > 1000000) {
    throw std::invalid_argument("'unknown_polls' is not a small non-negative integer");
  }
  t.unknown_polls = polls.get<std::uint32_t>();
  return t;
}

void write_all(int fd, const std::string& text, const fs::path& file) {
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(file, std::string("write failed: ") + std::strerror(errno));
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

void save_slurm_jobs(const fs::path& file, const std::vector<PersistedSlurmJob>& jobs) {
  json list = json::array();
  for (const auto& job : jobs) {
    list.push_back({{"spec", spec_to_json(job.record.spec)},
                    {"status", status_to_json(job.record.status)},
                    {"dir", job.record.dir.string()},
                    {"slurm", tracking_to_json(job.slurm)}});
  }
  const json document = {{"format", kSlurmJobFileFormat},
                         {"version", kSlurmJobFileVersion},
                         {"jobs", std::move(list)}};
  const std::string text = document.dump(1) + "\n";
  const fs::path temp = file.string() + ".tmp";
  std::error_code error;
  fs::create_directories(file.parent_path(), error);
  if (error) fail(file, "cannot create its directory: " + error.message());
  detail::UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) fail(temp, std::string("cannot create: ") + std::strerror(errno));
  write_all(fd.get(), text, temp);
  if (::fsync(fd.get()) != 0) fail(temp, std::string("fsync failed: ") + std::strerror(errno));
  if (::close(fd.release()) != 0) fail(temp, std::string("close failed: ") + std::strerror(errno));
  if (std::rename(temp.c_str(), file.c_str()) != 0) {
    fail(file, std::string("rename failed: ") + std::strerror(errno));
  }
  try {
    fsync_directory(file.parent_path().empty() ? fs::path(".") : file.parent_path());
  } catch (const std::exception& e) {
    fail(file, e.what());
  }
}

std::vector<PersistedSlurmJob> load_slurm_jobs(const fs::path& file) {
  std::error_code error;
  if (!fs::exists(file, error)) return {};
  std::ifstream in(file);
  if (!in) fail(file, "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  json document;
  try {
    document = json::parse(text.str());
  } catch (const json::parse_error& e) {
    fail(file, std::string("is not JSON: ") + e.what());
  }
  if (!document.is_object() || document.value("format", "") != kSlurmJobFileFormat) {
    fail(file, "is not an edgeloop Slurm job table");
  }
  if (document.value("version", 0) != kSlurmJobFileVersion) {
    fail(file, "has version " + document.value("version", json()).dump() + ", expected " +
                   std::to_string(kSlurmJobFileVersion));
  }
  const auto jobs = document.find("jobs");
  if (jobs == document.end() || !jobs->is_array()) fail(file, "has no 'jobs' array");
  std::vector<PersistedSlurmJob> loaded;
  std::size_t index = 0;
  for (const auto& entry : *jobs) {
    try {
      if (!entry.is_object()) throw std::invalid_argument("not an object");
      PersistedSlurmJob job;
      job.record.spec = spec_from_json(entry.at("spec"));
      job.record.status = status_from_json(entry.at("status"));
      const auto& dir = entry.at("dir");
      if (!dir.is_string()) throw std::invalid_argument("'dir' is not a string");
      job.record.dir = dir.get<std::string>();
      job.slurm = tracking_from_json(entry.at("slurm"));
      if (job.record.spec.job_id != job.record.status.job_id) {
        throw std::invalid_argument("spec and status name different jobs");
      }
      if (!job.slurm.slurm_id.empty() && !is_slurm_job_id(job.slurm.slurm_id)) {
        throw std::invalid_argument("'slurm_id' is not a Slurm job id");
      }
      loaded.push_back(std::move(job));
    } catch (const std::exception& e) {
      fail(file, "jobs[" + std::to_string(index) + "]: " + e.what());
    }
    ++index;
  }
  return loaded;
}

}  // namespace edgeloop::jobs
