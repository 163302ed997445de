// Integrated intensity of each frame (the walking skeleton's stage): one number per frame,
// computed by the Kokkos kernel or, when asked for and present, the CUDA kernel.
#pragma once

#include "edgeloop/pipeline/stage.hpp"

namespace edgeloop {

class FrameSumStage final : public Stage {
 public:
  enum class Backend { Kokkos, Cuda };
  Backend backend() const { return backend_; }

 private:
  std::string_view stage_name() const override { return "frame_sum"; }
  std::string_view stage_version() const override { return "1.0.0"; }
  nlohmann::json apply_parameters(const nlohmann::json& parameters) override;
  void process_frame(const Frame& frame, std::vector<Product>& out) override;

  Backend backend_ = Backend::Kokkos;
};

}  // namespace edgeloop
