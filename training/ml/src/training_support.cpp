#include "training_support.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "edgeloop/core/sha256.hpp"

namespace edgeloop::ml {
namespace {

class VectorPayload final : public PayloadOwner {
 public:
  explicit VectorPayload(std::vector<std::byte> bytes) : bytes_(std::move(bytes)) {}
  std::span<const std::byte> bytes() const override { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

template <typename T>
std::vector<std::byte> encode(std::span<const float> counts,
                              std::span<const std::uint8_t> invalid) {
  std::vector<std::byte> bytes(counts.size() * sizeof(T));
  constexpr T kMax = std::numeric_limits<T>::max();
  for (std::size_t i = 0; i < counts.size(); ++i) {
    T v = kMax;
    if (invalid.empty() || invalid[i] == 0) {
      const double c = std::clamp(std::round(double{counts[i]}), 0.0, double{kMax} - 1.0);
      v = static_cast<T>(c);
    }
    std::memcpy(bytes.data() + i * sizeof(T), &v, sizeof(T));
  }
  return bytes;
}

}  // namespace

Frame make_frame(std::span<const float> counts, std::span<const std::uint8_t> invalid,
                 std::uint32_t rows, std::uint32_t cols, wire::DType dtype, std::uint64_t sequence,
                 std::int64_t scan_index) {
  Frame f;
  f.meta.kind = FrameKind::Image;
  f.meta.dtype = dtype;
  f.meta.shape = {rows, cols};
  f.meta.sequence = sequence;
  f.meta.scan_index = scan_index;
  auto bytes = dtype == wire::DType::U16 ? encode<std::uint16_t>(counts, invalid)
                                         : encode<std::uint32_t>(counts, invalid);
  f.meta.uncompressed_size = bytes.size();
  f.payload = std::make_unique<VectorPayload>(std::move(bytes));
  return f;
}

torch::Generator make_generator(std::uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

torch::Tensor poisson(const torch::Tensor& expected, torch::Generator& generator) {
  return torch::poisson(expected, generator);
}

double log_uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng));
}

std::string parameters_sha256(const torch::nn::Module& module) {
  std::vector<std::byte> bytes;
  auto append = [&](const torch::Tensor& t) {
    const auto c = t.detach().to(torch::kFloat).contiguous();
    const auto* p = reinterpret_cast<const std::byte*>(c.data_ptr<float>());
    bytes.insert(bytes.end(), p, p + c.numel() * static_cast<std::int64_t>(sizeof(float)));
  };
  for (const auto& t : module.parameters()) append(t);
  for (const auto& t : module.buffers()) append(t);
  return to_hex(Sha256::of(std::span<const std::byte>(bytes)));
}

}  // namespace edgeloop::ml
