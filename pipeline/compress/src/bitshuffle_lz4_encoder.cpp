#include "edgeloop/pipeline/compress/bitshuffle_lz4_encoder.hpp"

#include <Kokkos_Core.hpp>

#include <chrono>
#include <stdexcept>

#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "edgeloop/pipeline/compress/cuda_bitshuffle.hpp"
#include "edgeloop/pipeline/compress/kokkos_bitshuffle.hpp"
#include "edgeloop/pipeline/frame_sum_kernel.hpp"

namespace edgeloop {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr std::string_view kCpu = "cpu-sse2";
constexpr std::string_view kKokkos = "kokkos";
constexpr std::string_view kCuda = "cuda";

// The formats codec: SSE2 transposition and LZ4 block by block, the block still in cache.
class CpuSse2Encoder final : public BitshuffleLz4Encoder {
 public:
  CpuSse2Encoder() : BitshuffleLz4Encoder(std::string(kCpu)) {}

 private:
  std::size_t encode_chunk(std::span<const std::byte> frame,
                           const formats::BitshuffleLayout& layout, std::span<std::byte> out,
                           double& /*transpose_s*/) override {
    return formats::bslz4_compress(frame, layout.element_size, out, layout.block);
  }
};

// A whole frame transposed at once by a kernel, then LZ4 of its blocks on the CPU.
template <typename Transpose>
class TransposingEncoder final : public BitshuffleLz4Encoder {
 public:
  TransposingEncoder(std::string_view name, Transpose transpose)
      : BitshuffleLz4Encoder(std::string(name)), transpose_(std::move(transpose)) {}

 private:
  std::size_t encode_chunk(std::span<const std::byte> frame,
                           const formats::BitshuffleLayout& layout, std::span<std::byte> out,
                           double& transpose_s) override {
    if (shuffled_.size() < frame.size()) shuffled_.resize(frame.size());
    const std::span<std::byte> shuffled = std::span(shuffled_).first(frame.size());
    const auto start = Clock::now();
    transpose_(frame, layout, shuffled);
    transpose_s += seconds_since(start);
    return formats::bitshuffle_assemble_chunk(shuffled, layout, out);
  }

  Transpose transpose_;
  std::vector<std::byte> shuffled_;
};

std::unique_ptr<BitshuffleLz4Encoder> kokkos_encoder() {
  const auto transpose =
      [](std::span<const std::byte> frame, const formats::BitshuffleLayout& layout,
         std::span<std::byte> shuffled) { bitshuffle_blocks_kokkos(frame, layout, shuffled); };
  return std::make_unique<TransposingEncoder<decltype(transpose)>>(kKokkos, transpose);
}

std::unique_ptr<BitshuffleLz4Encoder> cuda_encoder() {
  // Shared so the lambda stays copyable; the encoder is its only owner.
  auto device = std::make_shared<CudaBitshuffle>();
  const auto transpose =
      [device](std::span<const std::byte> frame, const formats::BitshuffleLayout& layout,
               std::span<std::byte> shuffled) { device->transpose(frame, layout, shuffled); };
  return std::make_unique<TransposingEncoder<decltype(transpose)>>(kCuda, transpose);
}

[[noreturn]] void unknown(std::string_view backend) {
  throw std::invalid_argument("bitshuffle encoder: unknown backend '" + std::string(backend) +
                              "' (known: cpu-sse2, kokkos, cuda)");
}

}  // namespace

std::size_t BitshuffleLz4Encoder::max_chunk_bytes(std::size_t bytes, std::size_t element_size,
                                                  std::size_t block_elements) {
  return formats::bslz4_max_compressed_size(bytes, element_size, block_elements);
}

std::size_t BitshuffleLz4Encoder::encode(std::span<const std::byte> frame, std::size_t element_size,
                                         std::span<std::byte> out, std::size_t block_elements) {
  const auto start = Clock::now();
  const formats::BitshuffleLayout layout =
      formats::bitshuffle_layout(frame.size(), element_size, block_elements);
  const std::size_t needed = max_chunk_bytes(frame.size(), element_size, layout.block);
  if (out.size() < needed) {
    throw formats::BitshuffleError("bitshuffle encoder: output of " + std::to_string(out.size()) +
                                   " bytes, " + std::to_string(needed) + " needed");
  }
  const std::size_t written = encode_chunk(frame, layout, out, times_.transpose_s);
  times_.chunks += 1;
  times_.bytes_in += frame.size();
  times_.bytes_out += written;
  times_.total_s += seconds_since(start);
  return written;
}

std::vector<std::byte> BitshuffleLz4Encoder::encode(std::span<const std::byte> frame,
                                                    std::size_t element_size,
                                                    std::size_t block_elements) {
  std::vector<std::byte> chunk(max_chunk_bytes(frame.size(), element_size, block_elements));
  chunk.resize(encode(frame, element_size, chunk, block_elements));
  return chunk;
}

std::vector<std::string> bitshuffle_lz4_backends() {
  return {std::string(kCpu), std::string(kKokkos), std::string(kCuda)};
}

std::string bitshuffle_lz4_backend_unavailable_reason(std::string_view backend) {
  if (backend == kCpu) return {};
  if (backend == kKokkos) {
    return Kokkos::is_initialized() ? std::string()
                                    : "Kokkos is not initialised (no KokkosRuntime)";
  }
  if (backend == kCuda) return cuda_unavailable_reason();
  unknown(backend);
}

std::unique_ptr<BitshuffleLz4Encoder> make_bitshuffle_lz4_encoder(std::string_view backend) {
  const std::string reason = bitshuffle_lz4_backend_unavailable_reason(backend);
  if (!reason.empty()) {
    throw std::runtime_error("bitshuffle encoder '" + std::string(backend) + "': " + reason);
  }
  if (backend == kCpu) return std::make_unique<CpuSse2Encoder>();
  if (backend == kKokkos) return kokkos_encoder();
  return cuda_encoder();
}

}  // namespace edgeloop
