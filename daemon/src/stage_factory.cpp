#include "stage_factory.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/pipeline/apt/apt_ranging_stage.hpp"
#include "edgeloop/pipeline/frame_sum_stage.hpp"
#include "edgeloop/pipeline/lossy/electron_counting_stage.hpp"
#include "edgeloop/pipeline/lossy/pca_compression_stage.hpp"
#include "edgeloop/pipeline/ml/classify_stage.hpp"
#include "edgeloop/pipeline/ml/denoise_stage.hpp"
#include "edgeloop/pipeline/runtime/delay_stage.hpp"
#include "edgeloop/pipeline/saxs/saxs_integration_stage.hpp"
#include "edgeloop/pipeline/stem/stem_virtual_detector_stage.hpp"

namespace edgeloop {

namespace {

struct StageKind {
  std::string_view name;
  wire::Modality only_for;  // Unknown: any modality
};

constexpr std::array kStages = {
    StageKind{"frame_sum", wire::Modality::Unknown},
    StageKind{"delay", wire::Modality::Unknown},
    StageKind{"stem_virtual_detectors", wire::Modality::Stem4D},
    StageKind{"saxs_azimuthal_integration", wire::Modality::Saxs},
    StageKind{"apt_ranging", wire::Modality::Apt},
    StageKind{"electron_counting", wire::Modality::Stem4D},
    StageKind{"pca_compression", wire::Modality::Unknown},
    StageKind{"denoise", wire::Modality::Unknown},
    StageKind{"classify", wire::Modality::Unknown},
};

const StageKind* find_kind(std::string_view name) {
  for (const auto& k : kStages) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::unique_ptr<Stage> construct(std::string_view name) {
  if (name == "frame_sum") return std::make_unique<FrameSumStage>();
  if (name == "delay") return std::make_unique<DelayStage>();
  if (name == "stem_virtual_detectors") return std::make_unique<StemVirtualDetectorStage>();
  if (name == "saxs_azimuthal_integration") return std::make_unique<saxs::SaxsIntegrationStage>();
  if (name == "apt_ranging") return std::make_unique<AptRangingStage>();
  if (name == "electron_counting") return std::make_unique<lossy::ElectronCountingStage>();
  if (name == "pca_compression") return std::make_unique<lossy::PcaCompressionStage>();
  if (name == "denoise") return std::make_unique<ml::DenoiseStage>();
  if (name == "classify") return std::make_unique<ml::ClassifyStage>();
  throw std::invalid_argument("unknown stage '" + std::string(name) + "'");
}

}  // namespace

bool known_stage(std::string_view name) {
  return find_kind(name) != nullptr;
}

std::string known_stage_list() {
  std::string out;
  for (const auto& k : kStages) {
    if (!out.empty()) out += ", ";
    out += k.name;
  }
  return out;
}

std::unique_ptr<Stage> make_stage(const std::string& name, const nlohmann::json& parameters,
                                  const StageRunContext& run) {
  const StageKind* kind = find_kind(name);
  if (kind == nullptr) throw std::invalid_argument("unknown stage '" + name + "'");
  if (kind->only_for != wire::Modality::Unknown && kind->only_for != run.modality) {
    throw std::invalid_argument("stage '" + name + "' serves " + modality_name(kind->only_for) +
                                " runs only");
  }
  nlohmann::json p = parameters.is_null() ? nlohmann::json::object() : parameters;
  if (!p.is_object())
    throw std::invalid_argument("stage '" + name + "': parameters must be a table");
  // Maps over the scan grid take the run's raster, not a setting.
  if (name == "stem_virtual_detectors" ||
      (name == "classify" && run.modality == wire::Modality::Stem4D)) {
    if (p.contains("scan_nx") || p.contains("scan_ny")) {
      throw std::invalid_argument(name + ": scan_nx/scan_ny come from the run");
    }
    p["scan_nx"] = std::max<std::uint32_t>(run.scan_nx, 1);
    p["scan_ny"] = std::max<std::uint32_t>(run.scan_ny, 1);
  }
  auto stage = construct(name);
  stage->configure(p);
  return stage;
}

void validate_stage(const std::string& name, const nlohmann::json& parameters,
                    wire::Modality modality) {
  make_stage(name, parameters, StageRunContext{modality, 1, 1});
}

}  // namespace edgeloop
