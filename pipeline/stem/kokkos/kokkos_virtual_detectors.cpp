// Kokkos backend of the virtual detectors. The table turns every region into column ranges per
// row, so a frame costs a few contiguous (vectorised) additions per pixel and no radius test.
// The COM moments are formed from per-column and per-row sums (sum of column * column sum),
// which keeps the hot loop free of multiplications.
#include <Kokkos_Core.hpp>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "edgeloop/pipeline/stem/detail/virtual_detector_contract.hpp"
#include "edgeloop/pipeline/stem/kokkos_virtual_detectors.hpp"

namespace edgeloop {
namespace {

static_assert(std::endian::native == std::endian::little,
              "virtual detectors read little-endian wire payloads in place");

using HostExec = Kokkos::DefaultHostExecutionSpace;
using Range = Kokkos::RangePolicy<HostExec, Kokkos::IndexType<std::size_t>>;

// Sums within one row (and the column sums over rows) of u8/u16 pixels fit 32 bits for every
// side the table accepts, and 32-bit lanes vectorise twice as wide as 64-bit ones; wider
// pixels go straight into the frame accumulator.
template <typename T>
using RowPartial = std::conditional_t<(std::is_integral_v<T> && sizeof(T) <= 2), std::uint32_t,
                                      detail::FrameSumAccumulator<T>>;
static_assert(std::uint64_t{VirtualDetectorTable::kMaxSide} * 65535U <= UINT32_MAX);

// Payloads may sit at any address (see frame_sum_kokkos.cpp); memcpy is the defined way to
// load a possibly misaligned element and compiles to a plain load.
template <typename T>
T load(const std::byte* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

// The sums below run over blocks of pixels in GCC/Clang vector types: the -O2 vectoriser does
// not take these loops by itself (trip counts unknown, and a byte pointer to the pixels may
// alias the column sums), and writing the blocks out makes them 2 to 4 times faster. A block
// fills one 16-byte SSE register of sums, which keeps the lanes in registers.
template <typename T, typename Part>
struct Block {
  static constexpr std::uint32_t kWidth = 16 / sizeof(Part);
  typedef T Pixels __attribute__((vector_size(kWidth * sizeof(T))));
  typedef Part Sums __attribute__((vector_size(kWidth * sizeof(Part))));
  typedef std::uint16_t Halfway __attribute__((vector_size(kWidth * sizeof(std::uint16_t))));

  static Sums load(const std::byte* p) {
    Pixels pixels;
    std::memcpy(&pixels, p, sizeof pixels);
    if constexpr (sizeof(T) == 1) {
      // GCC scalarises u8 -> u32 in one step on SSE2 but not via u16.
      return __builtin_convertvector(__builtin_convertvector(pixels, Halfway), Sums);
    } else {
      return __builtin_convertvector(pixels, Sums);
    }
  }
  static Part total(const Sums& lanes) {
    Part sum{};
    for (std::uint32_t k = 0; k < kWidth; ++k) sum += lanes[k];
    return sum;
  }
};

template <typename T, typename Part>
Part range_sum(const std::byte* row, std::uint32_t begin, std::uint32_t end) {
  using B = Block<T, Part>;
  typename B::Sums lanes{};
  std::uint32_t col = begin;
  for (; col + B::kWidth <= end; col += B::kWidth) {
    const typename B::Sums values = B::load(row + std::size_t{col} * sizeof(T));
    lanes += values;
  }
  Part sum = B::total(lanes);
  for (; col < end; ++col) sum += static_cast<Part>(load<T>(row + std::size_t{col} * sizeof(T)));
  return sum;
}

// The sum over [begin, end), adding each pixel into its column's sum on the way.
template <typename T, typename Part>
Part range_sum_into_columns(const std::byte* row, std::uint32_t begin, std::uint32_t end,
                            Part* column_sums) {
  using B = Block<T, Part>;
  typename B::Sums lanes{};
  std::uint32_t col = begin;
  for (; col + B::kWidth <= end; col += B::kWidth) {
    const typename B::Sums values = B::load(row + std::size_t{col} * sizeof(T));
    lanes += values;
    typename B::Sums columns;
    std::memcpy(&columns, column_sums + col, sizeof columns);
    columns += values;
    std::memcpy(column_sums + col, &columns, sizeof columns);
  }
  Part sum = B::total(lanes);
  for (; col < end; ++col) {
    const auto value = static_cast<Part>(load<T>(row + std::size_t{col} * sizeof(T)));
    sum += value;
    column_sums[col] += value;
  }
  return sum;
}

template <typename T>
detail::VirtualDetectorSums<detail::FrameSumAccumulator<T>> reduce_frame(
    const std::byte* pixels, const VirtualDetectorTable& table, RowPartial<T>* column_sums) {
  using Acc = detail::FrameSumAccumulator<T>;
  using Part = RowPartial<T>;
  const std::uint32_t cols = table.cols();
  const std::span<const VirtualDetectorTable::RowSpans> spans = table.row_spans();
  for (std::uint32_t col = 0; col < cols; ++col) column_sums[col] = Part{};

  detail::VirtualDetectorSums<Acc> sums{};
  for (std::uint32_t row = 0; row < table.rows(); ++row) {
    const std::byte* line = pixels + std::size_t{row} * cols * sizeof(T);
    const VirtualDetectorTable::RowSpans& s = spans[row];
    const Part com_row = range_sum_into_columns<T, Part>(line, s.com_begin, s.com_end, column_sums);
    // The default COM region is the whole frame, whose rows then need no second pass.
    const bool whole_row = s.com_begin == 0 && s.com_end == cols;
    sums.total += static_cast<Acc>(whole_row ? com_row : range_sum<T, Part>(line, 0, cols));
    sums.bf += static_cast<Acc>(range_sum<T, Part>(line, s.bf_begin, s.bf_end));
    sums.adf += static_cast<Acc>(range_sum<T, Part>(line, s.adf_begin[0], s.adf_end[0]) +
                                 range_sum<T, Part>(line, s.adf_begin[1], s.adf_end[1]));
    sums.com_weight += static_cast<Acc>(com_row);
    sums.com_y_moment += static_cast<Acc>(com_row) * static_cast<Acc>(row);
  }
  for (std::uint32_t col = 0; col < cols; ++col) {
    sums.com_x_moment += static_cast<Acc>(column_sums[col]) * static_cast<Acc>(col);
  }
  return sums;
}

}  // namespace

// Column-sum scratch per element type, kept between calls so a frame costs no allocation.
struct KokkosVirtualDetectors::Scratch {
  std::vector<std::uint32_t> u32;
  std::vector<std::uint64_t> u64;
  std::vector<std::int64_t> i64;
  std::vector<double> f64;

  template <typename Part>
  Part* get(std::size_t count) {
    auto& v = [this]() -> std::vector<Part>& {
      if constexpr (std::is_same_v<Part, std::uint32_t>) {
        return u32;
      } else if constexpr (std::is_same_v<Part, std::uint64_t>) {
        return u64;
      } else if constexpr (std::is_same_v<Part, std::int64_t>) {
        return i64;
      } else {
        static_assert(std::is_same_v<Part, double>);
        return f64;
      }
    }();
    if (v.size() < count) v.resize(count);
    return v.data();
  }
};

KokkosVirtualDetectors::KokkosVirtualDetectors(VirtualDetectorTable table)
    : table_(std::move(table)), scratch_(std::make_unique<Scratch>()) {}
KokkosVirtualDetectors::~KokkosVirtualDetectors() = default;
KokkosVirtualDetectors::KokkosVirtualDetectors(KokkosVirtualDetectors&&) noexcept = default;
KokkosVirtualDetectors& KokkosVirtualDetectors::operator=(KokkosVirtualDetectors&&) noexcept =
    default;

VirtualDetectorSignals KokkosVirtualDetectors::compute(std::span<const std::byte> pixels,
                                                       wire::DType dtype) {
  VirtualDetectorSignals out;
  compute(std::span(&pixels, 1), dtype, std::span(&out, 1));
  return out;
}

void KokkosVirtualDetectors::compute(std::span<const std::span<const std::byte>> frames,
                                     wire::DType dtype, std::span<VirtualDetectorSignals> out) {
  // Kokkos 3.4's Serial backend runs kernels even before initialize(), which would hide a
  // missing KokkosRuntime until a build with a threaded backend crashed on it.
  if (!Kokkos::is_initialized()) {
    throw std::logic_error("virtual detectors: Kokkos is not initialised (no KokkosRuntime)");
  }
  if (out.size() != frames.size()) {
    throw std::invalid_argument("virtual detectors: " + std::to_string(frames.size()) +
                                " frames but room for " + std::to_string(out.size()) + " results");
  }
  detail::dispatch_virtual_detectors(dtype, [&](auto element) {
    using T = typename decltype(element)::type;
    using Part = RowPartial<T>;
    detail::check_virtual_detector_exact<T>(table_, dtype);
    for (const auto& frame : frames) detail::check_virtual_detector_frame<T>(table_, frame, dtype);
    if (frames.empty()) return;

    const std::size_t cols = table_.cols();
    Part* const column_sums = scratch_->get<Part>(frames.size() * cols);
    const VirtualDetectorTable* const table = &table_;
    const std::span<const std::byte>* const inputs = frames.data();
    VirtualDetectorSignals* const results = out.data();
    Kokkos::parallel_for(
        "edgeloop::stem_virtual_detectors", Range(0, frames.size()), [=](std::size_t f) {
          const auto sums = reduce_frame<T>(inputs[f].data(), *table, column_sums + f * cols);
          results[f] = detail::finalize_virtual_detectors(sums, table->geometry());
        });
    Kokkos::fence();
  });
}

}  // namespace edgeloop
