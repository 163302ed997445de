#include "sisso_jobs.hpp"

#include <algorithm>

namespace edgeloop {

void SissoJobs::add(SissoJobInfo info) {
  std::lock_guard lock(mutex_);
  order_.push_back(info.job);
  jobs_[info.job] = std::move(info);
  while (order_.size() > kCapacity) {
    jobs_.erase(order_.front());
    order_.pop_front();
  }
}

void SissoJobs::remove(const Uuid& job) {
  std::lock_guard lock(mutex_);
  jobs_.erase(job);
  order_.erase(std::remove(order_.begin(), order_.end(), job), order_.end());
}

std::optional<SissoJobInfo> SissoJobs::find(const Uuid& job) const {
  std::lock_guard lock(mutex_);
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

void SissoJobs::set_models(const Uuid& job, std::vector<SissoModel> models) {
  std::lock_guard lock(mutex_);
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) return;
  it->second.result = "models";
  it->second.models = std::move(models);
}

void SissoJobs::set_error(const Uuid& job, std::string error) {
  std::lock_guard lock(mutex_);
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) return;
  it->second.result = "no_models";
  it->second.error = std::move(error);
}

nlohmann::json to_json(const SissoJobInfo& info) {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : info.models) models.push_back(to_json(m));
  nlohmann::json j = {{"run_id", info.run.str()},
                      {"rows", info.rows},
                      {"target", info.target},
                      {"result", info.result},
                      {"models", std::move(models)}};
  if (!info.error.empty()) j["error"] = info.error;
  return j;
}

}  // namespace edgeloop
