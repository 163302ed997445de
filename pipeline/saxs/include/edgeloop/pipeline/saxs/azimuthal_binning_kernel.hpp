// The per-frame work of azimuthal integration: every pixel's counts added to its radial bin, as
// a Kokkos kernel behind a span-only API (Kokkos stays private to the library).
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace edgeloop::saxs {

// Normalisation weights travel as unsigned fixed-point numbers, weight × 2^weight_bits, so that
// every per-bin sum is an integer sum: exact, and the same whatever order a parallel backend
// adds in.
//
// Which pixel values a frame marks as invalid, per dtype: u8, u16, u32 their maximum (DECTRIS'
// gap and bad-pixel mark; real counts saturate one below); i32 its maximum and negative values
// (PILATUS marks gaps -1 and bad pixels -2); f32, f64 NaN and ±inf.
//
// For every pixel i with bin_of_pixel[i] >= 0 the kernel adds, to that bin,
//   - the value to counts, when the value is valid;
//   - weight_fixed[i] to rejected_weight and 1 to rejected_pixels, when it is not.
// Integer values are summed in 64 bits and converted to double once per bin (exact up to 2^53
// counts); floats are summed in double. The output spans have one element per bin and are
// overwritten.
//
// std::invalid_argument when the byte count is not bin_of_pixel.size() elements of dtype, dtype
// is Unknown, weight_fixed is not one per pixel, or the outputs differ in size;
// std::logic_error when no KokkosRuntime is alive. pixels need not be aligned.
void azimuthal_bin_kokkos(std::span<const std::byte> pixels, wire::DType dtype,
                          std::span<const std::int32_t> bin_of_pixel,
                          std::span<const std::uint64_t> weight_fixed, std::span<double> counts,
                          std::span<std::uint64_t> rejected_weight,
                          std::span<std::uint64_t> rejected_pixels);

}  // namespace edgeloop::saxs
