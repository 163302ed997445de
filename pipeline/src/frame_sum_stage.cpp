#include "edgeloop/pipeline/frame_sum_stage.hpp"

#include <stdexcept>

#include "edgeloop/pipeline/frame_sum_kernel.hpp"

namespace edgeloop {

nlohmann::json FrameSumStage::apply_parameters(const nlohmann::json& parameters) {
  if (!parameters.is_object()) throw std::invalid_argument("frame_sum: parameters must be a table");
  std::string requested = "auto";
  for (const auto& [key, value] : parameters.items()) {
    if (key != "backend") throw std::invalid_argument("frame_sum: unknown parameter '" + key + "'");
    if (!value.is_string()) throw std::invalid_argument("frame_sum: 'backend' must be a string");
    requested = value.get<std::string>();
  }
  if (requested == "cpu") {
    backend_ = Backend::Kokkos;
  } else if (requested == "cuda") {
    if (!cuda_device_available()) {
      throw std::invalid_argument("frame_sum: backend 'cuda' requested but " +
                                  cuda_unavailable_reason());
    }
    backend_ = Backend::Cuda;
  } else if (requested == "auto") {
    backend_ = cuda_device_available() ? Backend::Cuda : Backend::Kokkos;
  } else {
    throw std::invalid_argument("frame_sum: backend '" + requested +
                                "' is not one of: auto, cpu, cuda");
  }
  return {{"backend", requested},
          {"resolved_backend", backend_ == Backend::Cuda ? "cuda" : "kokkos"}};
}

void FrameSumStage::process_frame(const Frame& frame, std::vector<Product>& out) {
  const double sum = backend_ == Backend::Cuda ? frame_sum_cuda(frame.pixels(), frame.meta.dtype)
                                               : frame_sum_kokkos(frame.pixels(), frame.meta.dtype);
  out.push_back(Product{"frame_sum", {sum}});
}

}  // namespace edgeloop
