#include "edgeloop/pipeline/stem/detail/virtual_detector_contract.hpp"

namespace edgeloop::detail {
namespace {

template <typename Acc>
VirtualDetectorSignals finalize(const VirtualDetectorSums<Acc>& sums,
                                const VirtualDetectorGeometry& geometry) {
  VirtualDetectorSignals s;
  s.bf = static_cast<double>(sums.bf);
  s.adf = static_cast<double>(sums.adf);
  s.total = static_cast<double>(sums.total);
  if (sums.com_weight != Acc{0}) {
    // Dividing the exact moments first and subtracting the centre last keeps a pattern shifted
    // by whole pixels exact: both moments and weight are exact integers below 2^53 there.
    const auto weight = static_cast<double>(sums.com_weight);
    s.com_x = static_cast<double>(sums.com_x_moment) / weight - geometry.centre_x;
    s.com_y = static_cast<double>(sums.com_y_moment) / weight - geometry.centre_y;
  }
  return s;
}

}  // namespace

VirtualDetectorSignals finalize_virtual_detectors(const VirtualDetectorSums<std::uint64_t>& sums,
                                                  const VirtualDetectorGeometry& geometry) {
  return finalize(sums, geometry);
}

VirtualDetectorSignals finalize_virtual_detectors(const VirtualDetectorSums<std::int64_t>& sums,
                                                  const VirtualDetectorGeometry& geometry) {
  return finalize(sums, geometry);
}

VirtualDetectorSignals finalize_virtual_detectors(const VirtualDetectorSums<double>& sums,
                                                  const VirtualDetectorGeometry& geometry) {
  return finalize(sums, geometry);
}

}  // namespace edgeloop::detail
