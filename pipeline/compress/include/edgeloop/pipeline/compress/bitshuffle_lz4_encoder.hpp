// Encoders of raw frames into bitshuffle+LZ4 chunks (HDF5 filter 32008), one per backend of the
// bit transposition, chosen by name: "cpu-sse2", "kokkos" or "cuda". All give identical bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/formats/bitshuffle_chunk.hpp"

namespace edgeloop {

// Where an encoder's time went, summed over the chunks it wrote since construction.
// transpose_s is 0 for "cpu-sse2", which interleaves transposition and LZ4 block by block.
struct BitshuffleEncodeTimes {
  std::uint64_t chunks = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  double transpose_s = 0.0;  // bit transposition, device copies included
  double total_s = 0.0;      // the whole encode call
};

// The non-virtual front validates arguments, times the call and counts; each backend
// implements only the encoding. An instance holds scratch buffers (and device memory for
// "cuda"), so it serves one thread at a time. The "kokkos" backend needs a live KokkosRuntime.
class BitshuffleLz4Encoder {
 public:
  virtual ~BitshuffleLz4Encoder() = default;
  BitshuffleLz4Encoder(const BitshuffleLz4Encoder&) = delete;
  BitshuffleLz4Encoder& operator=(const BitshuffleLz4Encoder&) = delete;

  std::string_view backend() const { return backend_; }
  const BitshuffleEncodeTimes& times() const { return times_; }

  // Worst-case chunk size for a frame of `bytes` (formats::bslz4_max_compressed_size).
  static std::size_t max_chunk_bytes(std::size_t bytes, std::size_t element_size,
                                     std::size_t block_elements = 0);

  // Encodes `frame` (a whole number of `element_size` elements) into `out`, which must hold
  // max_chunk_bytes; returns the bytes written. `block_elements` as formats::bslz4_compress.
  // Throws formats::BitshuffleError for arguments the format cannot hold, std::runtime_error
  // for a failing device.
  std::size_t encode(std::span<const std::byte> frame, std::size_t element_size,
                     std::span<std::byte> out, std::size_t block_elements = 0);
  std::vector<std::byte> encode(std::span<const std::byte> frame, std::size_t element_size,
                                std::size_t block_elements = 0);

 protected:
  explicit BitshuffleLz4Encoder(std::string backend) : backend_(std::move(backend)) {}

 private:
  // Writes the chunk of `frame` (already checked against `layout`) into `out`; returns its
  // size and adds the seconds spent transposing to `transpose_s`.
  virtual std::size_t encode_chunk(std::span<const std::byte> frame,
                                   const formats::BitshuffleLayout& layout,
                                   std::span<std::byte> out, double& transpose_s) = 0;

  std::string backend_;
  BitshuffleEncodeTimes times_;
};

// The backends' names, in the order of preference of a CPU-only machine.
std::vector<std::string> bitshuffle_lz4_backends();

// Why `backend` cannot run here ("edgeloop was built without CUDA", "no CUDA device: ...",
// "Kokkos is not initialised ..."); empty when it can. std::invalid_argument for an unknown name.
std::string bitshuffle_lz4_backend_unavailable_reason(std::string_view backend);

// The encoder of `backend`. std::invalid_argument naming the known backends for an unknown
// name; std::runtime_error with the reason for a backend that cannot run here.
std::unique_ptr<BitshuffleLz4Encoder> make_bitshuffle_lz4_encoder(std::string_view backend);

}  // namespace edgeloop
