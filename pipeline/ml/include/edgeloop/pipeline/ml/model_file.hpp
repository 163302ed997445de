// A trained model on disk: `<name>.pt`, LibTorch's archive of the weights, beside
// `<name>.json`, the manifest saying what the weights are, how they were made and their SHA-256.
// Loading checks all of it, so a stage refuses a missing, corrupt or mismatched file by name.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace torch::nn {
class Module;
}

namespace edgeloop::ml {

struct ModelManifest {
  std::string kind;                    // "denoiser", "classifier", "scan_policy", ...
  std::string architecture;            // names the module's code, e.g. "dncnn-small-v1"
  nlohmann::json architecture_params;  // what rebuilding the module takes (channels, classes...)
  nlohmann::json training;             // the training configuration, enough to reproduce it
  std::uint64_t data_seed = 0;         // seed of the simulated training data
  nlohmann::json metrics;              // held-out figures measured after training
  std::string weights_sha256;          // of the .pt file; filled in by save_model
  std::string code_version;            // git describe of the trainer; filled in by save_model
  std::string created_utc;             // filled in by save_model

  nlohmann::json to_json() const;
  static ModelManifest from_json(const nlohmann::json& json);  // throws ModelFileError
};

// Every way a model file can be unusable; what() names the file and the problem.
class ModelFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The manifest's path for a weights file: `x.pt` -> `x.json`.
std::filesystem::path manifest_path(const std::filesystem::path& weights);

// Writes the weights, then the manifest with their hash, each through a temporary file and a
// rename, so a reader never sees half a model. Returns the manifest as written.
ModelManifest save_model(const torch::nn::Module& module, const std::filesystem::path& weights,
                         ModelManifest manifest);

// Reads and validates the manifest only (for provenance and `--help` listings).
ModelManifest read_manifest(const std::filesystem::path& weights);

// Loads weights into `module`, which must have been built from the manifest's
// architecture_params: checks kind, architecture and the weights' hash first, and turns
// LibTorch's errors (missing or misshapen parameters) into ModelFileError.
ModelManifest load_model(torch::nn::Module& module, const std::filesystem::path& weights,
                         std::string_view expected_kind, std::string_view expected_architecture);

}  // namespace edgeloop::ml
