#include "sample_table.hpp"

#include <stdexcept>
#include <utility>

namespace edgeloop {

SampleTable::SampleTable(Uuid run_id, std::vector<std::string> feature_names,
                         std::string target_name, std::size_t capacity)
    : run_id_(run_id),
      feature_names_(std::move(feature_names)),
      target_name_(std::move(target_name)),
      capacity_(capacity) {}

bool SampleTable::add(std::span<const double> features, double target) {
  if (features.size() != feature_names_.size()) {
    throw std::invalid_argument("sample row has " + std::to_string(features.size()) +
                                " features, the table " + std::to_string(feature_names_.size()));
  }
  std::lock_guard lock(mutex_);
  if (size_locked() >= capacity_) {
    ++dropped_;
    return false;
  }
  values_.push_back(target);
  values_.insert(values_.end(), features.begin(), features.end());
  return true;
}

SampleSnapshot SampleTable::snapshot() const {
  std::lock_guard lock(mutex_);
  return {run_id_, feature_names_, target_name_, values_, dropped_};
}

std::size_t SampleTable::size() const {
  std::lock_guard lock(mutex_);
  return size_locked();
}

std::size_t SampleTable::size_locked() const {
  return values_.size() / (feature_names_.size() + 1);
}

}  // namespace edgeloop
