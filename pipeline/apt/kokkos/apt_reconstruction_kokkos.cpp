// Kokkos backend of the reconstruction kernel: an exclusive scan of the ions' volumes gives each
// ion's apex depth, and its final pass places the ion by point projection.
#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "edgeloop/pipeline/apt/apt_reconstruction_kernel.hpp"

namespace edgeloop {
namespace {

using HostExec = Kokkos::DefaultHostExecutionSpace;
using Policy = Kokkos::RangePolicy<HostExec, Kokkos::IndexType<std::size_t>>;

wire::Event load(const std::byte* base, std::size_t i) {
  wire::Event e;
  std::memcpy(&e, base + i * sizeof(wire::Event), sizeof(wire::Event));
  return e;
}

}  // namespace

void reconstruct_events_kokkos(std::span<const wire::Event> events,
                               std::span<const std::int32_t> range_index,
                               std::span<const double> ion_volume_nm3,
                               const PointProjection& projection, double voltage_v,
                               double& apex_depth_nm, std::span<double> xyz) {
  if (!Kokkos::is_initialized()) {
    throw std::logic_error(
        "reconstruct_events_kokkos: Kokkos is not initialised (no KokkosRuntime)");
  }
  const std::size_t n = events.size();
  if (range_index.size() != n || xyz.size() != 3 * n || ion_volume_nm3.empty()) {
    throw std::invalid_argument("reconstruct_events_kokkos: " + std::to_string(n) +
                                " events need as many range indices (got " +
                                std::to_string(range_index.size()) + "), 3 coordinates each (" +
                                std::to_string(xyz.size()) + ") and the unranged volume");
  }
  if (!(voltage_v > 0.0) || !std::isfinite(voltage_v)) {
    throw std::invalid_argument("reconstruct_events_kokkos: voltage must be positive, got " +
                                std::to_string(voltage_v));
  }
  if (n == 0) return;

  const double radius = projection.radius_nm(voltage_v);
  // The radius is the chunk's (its voltage is one value), so one scale turns volume into depth.
  const double depth_per_volume =
      1.0 / (projection.detection_efficiency * projection.analysed_area_nm2(radius));
  const auto* base = reinterpret_cast<const std::byte*>(events.data());
  const std::int32_t* index = range_index.data();
  const double* volume = ion_volume_nm3.data();
  const std::size_t unranged = ion_volume_nm3.size() - 1;
  double* out = xyz.data();
  const double apex0 = apex_depth_nm;
  const PointProjection p = projection;

  double total_volume = 0.0;
  Kokkos::parallel_scan(
      "edgeloop::apt_reconstruct_events", Policy(0, n),
      [=](std::size_t i, double& before, bool final) {
        const std::int32_t r = index[i];
        const double v = volume[r < 0 ? unranged : static_cast<std::size_t>(r)];
        if (final) {
          const wire::Event e = load(base, i);
          const auto pos =
              p.specimen_position(e.x(), e.y(), radius, apex0 + before * depth_per_volume);
          out[3 * i] = pos[0];
          out[3 * i + 1] = pos[1];
          out[3 * i + 2] = pos[2];
        }
        before += v;
      },
      total_volume);
  HostExec().fence();
  apex_depth_nm = apex0 + total_volume * depth_per_volume;
}

}  // namespace edgeloop
