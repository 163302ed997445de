#include "edgeloop/controllers/scan/scan_evaluation.hpp"

#include <chrono>

#include "edgeloop/controllers/scan/scan_environment.hpp"

namespace edgeloop::scan {

ScanCurve run_scan_strategy(ScanStrategy& strategy, std::uint32_t nx, std::uint32_t ny,
                            const std::vector<double>& truth, std::size_t count,
                            bool time_decisions) {
  ScanEnvironment env(nx, ny, truth, count);
  ScanCurve curve;
  curve.error.reserve(count);
  for (std::uint64_t k = 0; !env.done(); ++k) {
    const auto start = std::chrono::steady_clock::now();
    const auto choice = strategy.choose(env.observation(), k);
    if (time_decisions) {
      curve.decision_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::steady_clock::now() - start)
                                      .count());
    }
    if (choice.index < 0) break;
    curve.error.push_back(env.step(choice.index).error);
  }
  return curve;
}

}  // namespace edgeloop::scan
