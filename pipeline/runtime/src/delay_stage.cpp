#include "edgeloop/pipeline/runtime/delay_stage.hpp"

#include <stdexcept>
#include <thread>

namespace edgeloop {

nlohmann::json DelayStage::apply_parameters(const nlohmann::json& parameters) {
  if (!parameters.is_object()) throw std::invalid_argument("delay: parameters must be a table");
  double ms = 0.0;
  for (const auto& [key, value] : parameters.items()) {
    if (key != "ms") throw std::invalid_argument("delay: unknown parameter '" + key + "'");
    if (!value.is_number() || value.get<double>() < 0.0 || value.get<double>() > 10000.0) {
      throw std::invalid_argument("delay: 'ms' must be a number in [0, 10000]");
    }
    ms = value.get<double>();
  }
  delay_ = std::chrono::microseconds(static_cast<long long>(ms * 1000.0));
  return {{"ms", ms}};
}

void DelayStage::process_frame(const Frame& /*frame*/, std::vector<Product>& /*out*/) {
  std::this_thread::sleep_for(delay_);
}

}  // namespace edgeloop
