// The SISSO jobs the daemon submitted: which run each belongs to and, once it ended, its
// models or why there are none. Shared by the I/O thread (submit, admin replies) and the
// worker (which reads a finished job's output).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "edgeloop/core/uuid.hpp"
#include "sisso_job.hpp"

namespace edgeloop {

struct SissoJobInfo {
  Uuid job{};
  Uuid run{};
  std::string runner{};
  std::size_t rows = 0;  // samples in its train.dat
  std::string target{};  // the property it models
  // "pending" until the job ends, then "models" (read from its output) or "no_models".
  std::string result = "pending";
  std::vector<SissoModel> models{};
  std::string error{};  // why there are no models
};

// Thread-safe. Keeps the newest kCapacity jobs; older ones are forgotten (their records stay
// in the provenance logs and their files in the job directories).
class SissoJobs {
 public:
  static constexpr std::size_t kCapacity = 1000;

  void add(SissoJobInfo info);
  void remove(const Uuid& job);
  std::optional<SissoJobInfo> find(const Uuid& job) const;
  void set_models(const Uuid& job, std::vector<SissoModel> models);
  void set_error(const Uuid& job, std::string error);

 private:
  mutable std::mutex mutex_;
  std::map<Uuid, SissoJobInfo> jobs_;
  std::deque<Uuid> order_;  // oldest first
};

nlohmann::json to_json(const SissoJobInfo& info);

}  // namespace edgeloop
