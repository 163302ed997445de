// Throughput of the ML stages on one CPU thread: "denoise" (CNN and the Gaussian baseline) and
// "classify" (MC dropout) on 4D-STEM-sized and binned SAXS-sized frames, per batch size.
// Usage: bench_ml [models folder, default ./models]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "edgeloop/pipeline/ml/classify_stage.hpp"
#include "edgeloop/pipeline/ml/denoise_stage.hpp"

namespace {

class VectorPayload final : public edgeloop::PayloadOwner {
 public:
  explicit VectorPayload(std::vector<std::byte> bytes) : bytes_(std::move(bytes)) {}
  std::span<const std::byte> bytes() const override { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

std::vector<edgeloop::Frame> frames(std::uint32_t size, std::size_t count) {
  std::mt19937 rng(1);
  std::poisson_distribution<int> counts(3.0);
  std::vector<edgeloop::Frame> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<std::uint16_t> px(std::size_t{size} * size);
    for (auto& p : px) p = static_cast<std::uint16_t>(counts(rng));
    std::vector<std::byte> bytes(px.size() * 2);
    std::memcpy(bytes.data(), px.data(), bytes.size());
    auto& f = out[i];
    f.meta.kind = edgeloop::FrameKind::Image;
    f.meta.dtype = edgeloop::wire::DType::U16;
    f.meta.shape = {size, size};
    f.meta.sequence = i;
    f.payload = std::make_unique<VectorPayload>(std::move(bytes));
  }
  return out;
}

double frames_per_s(edgeloop::Stage& stage, const std::vector<edgeloop::Frame>& in,
                    std::size_t batch) {
  std::vector<const edgeloop::Frame*> all;
  for (const auto& f : in) all.push_back(&f);
  std::vector<std::vector<edgeloop::Product>> out;
  stage.process_batch(std::span(all).subspan(0, batch), out);  // warm-up
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t b = 0; b + batch <= all.size(); b += batch) {
    stage.process_batch(std::span(all).subspan(b, batch), out);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(all.size() / batch * batch) / s;
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path models = argc > 1 ? argv[1] : "models";
  torch::set_num_threads(1);
  std::printf("stage            model              frame    batch  frames/s\n");
  for (const std::size_t batch : {std::size_t{1}, std::size_t{8}, std::size_t{32}}) {
    const auto stem = frames(96, 256);
    edgeloop::ml::DenoiseStage gauss;
    gauss.configure({{"method", "gaussian"}, {"sigma", 1.0}});
    std::printf("denoise          gaussian sigma 1   96^2     %5zu  %8.0f\n", batch,
                frames_per_s(gauss, stem, batch));
    edgeloop::ml::DenoiseStage cnn;
    cnn.configure({{"model", (models / "denoiser-4dstem.pt").string()}, {"batch", batch}});
    std::printf("denoise          denoiser-4dstem    96^2     %5zu  %8.0f\n", batch,
                frames_per_s(cnn, stem, batch));
    edgeloop::ml::ClassifyStage cls;
    cls.configure({{"model", (models / "classifier-4dstem.pt").string()},
                   {"mc_samples", 16},
                   {"batch", batch}});
    std::printf("classify (mc 16) classifier-4dstem  96^2     %5zu  %8.0f\n", batch,
                frames_per_s(cls, stem, batch));
  }
  const auto saxs = frames(256, 8);
  edgeloop::ml::DenoiseStage saxs_cnn;
  saxs_cnn.configure({{"model", (models / "denoiser-saxs.pt").string()}, {"bin", 1}});
  std::printf("denoise          denoiser-saxs      256^2    %5d  %8.1f\n", 1,
              frames_per_s(saxs_cnn, saxs, 1));
  const auto saxs_full = frames(1024, 3);
  edgeloop::ml::ClassifyStage saxs_cls;
  saxs_cls.configure({{"model", (models / "classifier-saxs.pt").string()}, {"mc_samples", 16}});
  std::printf("classify (mc 16) classifier-saxs    1024^2   %5d  %8.1f\n", 1,
              frames_per_s(saxs_cls, saxs_full, 1));
  edgeloop::ml::DenoiseStage saxs_full_cnn;
  saxs_full_cnn.configure({{"model", (models / "denoiser-saxs.pt").string()}});
  std::printf("denoise (bin 4)  denoiser-saxs      1024^2   %5d  %8.1f\n", 1,
              frames_per_s(saxs_full_cnn, saxs_full, 1));
  return 0;
}
