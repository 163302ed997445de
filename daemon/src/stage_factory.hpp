// Builds a run's stages by name from [pipeline.<modality>]: the one place that knows every
// stage library, so the data plane's libraries need not know each other.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "edgeloop/core/wire.hpp"
#include "edgeloop/pipeline/stage.hpp"

namespace edgeloop {

// What a run adds to a stage's configured parameters.
struct StageRunContext {
  wire::Modality modality = wire::Modality::Unknown;
  std::uint32_t scan_nx = 0;  // 4D-STEM raster size; 0 when the run is not a raster
  std::uint32_t scan_ny = 0;
};

bool known_stage(std::string_view name);
std::string known_stage_list();
// A configured stage for one run; throws std::invalid_argument for an unknown name, a stage
// that does not serve the modality, or parameters the stage refuses.
std::unique_ptr<Stage> make_stage(const std::string& name, const nlohmann::json& parameters,
                                  const StageRunContext& run);
// Checks a configuration at load time with a stand-in run, so a bad value stops the daemon
// at start-up rather than at the first run.
void validate_stage(const std::string& name, const nlohmann::json& parameters,
                    wire::Modality modality);

}  // namespace edgeloop
