// Shared by the pipeline/ml tests: a scratch folder, small untrained models saved in it, and
// frames built from counts.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "edgeloop/pipeline/frame.hpp"
#include "edgeloop/pipeline/ml/model_file.hpp"
#include "edgeloop/pipeline/ml/networks.hpp"

namespace edgeloop::ml::testing {

// A fresh folder under the system's temporary one, removed with the object.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("edgeloop_ml_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline ModelManifest manifest_for(std::string kind, std::string architecture,
                                  nlohmann::json params) {
  ModelManifest m;
  m.kind = std::move(kind);
  m.architecture = std::move(architecture);
  m.architecture_params = std::move(params);
  m.training = {{"steps", 0}};
  m.data_seed = 7;
  m.metrics = {{"note", "untrained test model"}};
  return m;
}

// An untrained denoiser saved at `path` (seeded: the same weights every time).
inline ModelManifest save_denoiser(const std::filesystem::path& path, DenoiserShape shape = {4, 3},
                                   nlohmann::json extra = nlohmann::json::object()) {
  torch::manual_seed(3);
  DenoiserNet net(shape);
  auto params = shape.to_json();
  params.update(extra);
  return save_model(*net, path, manifest_for("denoiser", kDenoiserArchitecture, params));
}

inline ModelManifest save_classifier(const std::filesystem::path& path,
                                     ClassifierShape shape = {3, 16, 4, 0.3}) {
  torch::manual_seed(4);
  ClassifierNet net(shape);
  auto params = shape.to_json();
  params["class_names"] = std::vector<std::string>{"a", "b", "c"};
  return save_model(*net, path, manifest_for("classifier", kClassifierArchitecture, params));
}

class VectorPayload final : public PayloadOwner {
 public:
  explicit VectorPayload(std::vector<std::byte> bytes) : bytes_(std::move(bytes)) {}
  std::span<const std::byte> bytes() const override { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

template <typename T>
Frame image_frame(const std::vector<T>& pixels, std::uint32_t rows, std::uint32_t cols,
                  wire::DType dtype, std::uint64_t sequence = 0, std::int64_t scan_index = -1) {
  Frame f;
  f.meta.kind = FrameKind::Image;
  f.meta.dtype = dtype;
  f.meta.shape = {rows, cols};
  f.meta.sequence = sequence;
  f.meta.scan_index = scan_index;
  std::vector<std::byte> bytes(pixels.size() * sizeof(T));
  std::memcpy(bytes.data(), pixels.data(), bytes.size());
  f.payload = std::make_unique<VectorPayload>(std::move(bytes));
  return f;
}

// A frame of counts that vary smoothly, with a bright disc in the middle.
inline Frame disc_frame(std::uint32_t size, std::uint64_t sequence = 0,
                        std::int64_t scan_index = -1, double radius = 6.0) {
  std::vector<std::uint16_t> px(std::size_t{size} * size);
  for (std::uint32_t r = 0; r < size; ++r) {
    for (std::uint32_t c = 0; c < size; ++c) {
      const double dx = c - size / 2.0;
      const double dy = r - size / 2.0;
      const bool in = dx * dx + dy * dy < radius * radius;
      px[std::size_t{r} * size + c] =
          static_cast<std::uint16_t>((in ? 50 : 1) + (r * 7 + c * 3 + sequence) % 5);
    }
  }
  return image_frame(px, size, size, wire::DType::U16, sequence, scan_index);
}

}  // namespace edgeloop::ml::testing
