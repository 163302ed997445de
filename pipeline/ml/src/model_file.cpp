#include "edgeloop/pipeline/ml/model_file.hpp"

#include <fmt/chrono.h>
#include <torch/nn/module.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "edgeloop/core/build_info.hpp"
#include "edgeloop/core/sha256.hpp"

namespace edgeloop::ml {
namespace {

std::string file_sha256(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ModelFileError("model file " + path.string() + ": cannot be opened");
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  const auto digest = Sha256::of(std::as_bytes(std::span(bytes)));
  return to_hex(digest);
}

std::string utc_now() {
  return fmt::format(
      "{:%FT%TZ}",
      fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

template <typename T>
T required(const nlohmann::json& json, const char* key) {
  if (!json.contains(key)) {
    throw ModelFileError(std::string("manifest lacks \"") + key + "\"");
  }
  try {
    return json.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw ModelFileError(std::string("manifest field \"") + key + "\" has the wrong type");
  }
}

}  // namespace

nlohmann::json ModelManifest::to_json() const {
  return {{"kind", kind},
          {"architecture", architecture},
          {"architecture_params", architecture_params},
          {"training", training},
          {"data_seed", data_seed},
          {"metrics", metrics},
          {"weights_sha256", weights_sha256},
          {"code_version", code_version},
          {"created_utc", created_utc}};
}

ModelManifest ModelManifest::from_json(const nlohmann::json& json) {
  if (!json.is_object()) {
    throw ModelFileError("manifest is not a JSON object");
  }
  ModelManifest m;
  m.kind = required<std::string>(json, "kind");
  m.architecture = required<std::string>(json, "architecture");
  m.architecture_params = json.value("architecture_params", nlohmann::json::object());
  m.training = json.value("training", nlohmann::json::object());
  m.data_seed = required<std::uint64_t>(json, "data_seed");
  m.metrics = json.value("metrics", nlohmann::json::object());
  m.weights_sha256 = required<std::string>(json, "weights_sha256");
  m.code_version = json.value("code_version", std::string{});
  m.created_utc = json.value("created_utc", std::string{});
  if (!sha256_from_hex(m.weights_sha256)) {
    throw ModelFileError("manifest field \"weights_sha256\" is not a SHA-256 in hex");
  }
  return m;
}

std::filesystem::path manifest_path(const std::filesystem::path& weights) {
  auto path = weights;
  path.replace_extension(".json");
  return path;
}

ModelManifest save_model(const torch::nn::Module& module, const std::filesystem::path& weights,
                         ModelManifest manifest) {
  if (!weights.parent_path().empty()) {
    std::filesystem::create_directories(weights.parent_path());
  }
  auto weights_tmp = weights;
  weights_tmp += ".tmp";
  {
    torch::serialize::OutputArchive archive;
    module.save(archive);
    archive.save_to(weights_tmp.string());
  }
  manifest.weights_sha256 = file_sha256(weights_tmp);
  manifest.code_version = build_info::kGitDescribe;
  manifest.created_utc = utc_now();
  const auto json_path = manifest_path(weights);
  auto json_tmp = json_path;
  json_tmp += ".tmp";
  {
    std::ofstream out(json_tmp);
    out << manifest.to_json().dump(2) << '\n';
    if (!out) {
      throw ModelFileError("model manifest " + json_path.string() + ": cannot be written");
    }
  }
  std::filesystem::rename(weights_tmp, weights);
  std::filesystem::rename(json_tmp, json_path);
  return manifest;
}

ModelManifest read_manifest(const std::filesystem::path& weights) {
  const auto json_path = manifest_path(weights);
  std::ifstream in(json_path);
  if (!in) {
    throw ModelFileError("model " + weights.string() + ": its manifest " + json_path.string() +
                         " is missing (train it with `edgeloop train`)");
  }
  try {
    return ModelManifest::from_json(nlohmann::json::parse(in));
  } catch (const nlohmann::json::exception& e) {
    throw ModelFileError("model manifest " + json_path.string() +
                         " is not valid JSON: " + e.what());
  } catch (const ModelFileError& e) {
    throw ModelFileError("model manifest " + json_path.string() + ": " + e.what());
  }
}

ModelManifest load_model(torch::nn::Module& module, const std::filesystem::path& weights,
                         std::string_view expected_kind, std::string_view expected_architecture) {
  auto manifest = read_manifest(weights);
  const auto name = weights.string();
  if (manifest.kind != expected_kind) {
    throw ModelFileError("model " + name + " is a " + manifest.kind + ", not a " +
                         std::string(expected_kind));
  }
  if (manifest.architecture != expected_architecture) {
    throw ModelFileError("model " + name + " has architecture " + manifest.architecture +
                         ", this build expects " + std::string(expected_architecture));
  }
  if (!std::filesystem::exists(weights)) {
    throw ModelFileError("model " + name + ": the weights file is missing");
  }
  const auto actual = file_sha256(weights);
  if (actual != manifest.weights_sha256) {
    throw ModelFileError("model " + name + " is corrupt: its SHA-256 is " + actual +
                         ", the manifest says " + manifest.weights_sha256);
  }
  // LibTorch's load replaces each tensor with the stored one whatever its shape, so a model
  // built with other architecture parameters would load silently: compare the shapes.
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> expected;
  for (const auto& item : module.named_parameters()) {
    expected.emplace_back(item.key(), item.value().sizes().vec());
  }
  for (const auto& item : module.named_buffers()) {
    expected.emplace_back(item.key(), item.value().sizes().vec());
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(name);
    module.load(archive);
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    throw ModelFileError("model " + name +
                         " does not fit its architecture: " + what.substr(0, what.find('\n')));
  }
  auto shape_text = [](const std::vector<std::int64_t>& sizes) {
    std::string text;
    for (const auto n : sizes) text += (text.empty() ? "" : " x ") + std::to_string(n);
    return "[" + text + "]";
  };
  std::size_t i = 0;
  auto check = [&](const std::string& key, const torch::Tensor& t) {
    if (i >= expected.size() || expected[i].first != key || expected[i].second != t.sizes().vec()) {
      const auto& want = i < expected.size() ? expected[i].second : std::vector<std::int64_t>{};
      throw ModelFileError("model " + name + " does not fit its architecture: " + key + " is " +
                           shape_text(t.sizes().vec()) + " in the file, " + shape_text(want) +
                           " in the module");
    }
    // Shapes alone let a float64 or half file (which fails at the first frame) or one with
    // NaNs (which gives NaN for every frame) through.
    if (t.scalar_type() != torch::kFloat32 && t.scalar_type() != torch::kInt64) {
      throw ModelFileError("model " + name + ": " + key + " is " +
                           std::string(c10::toString(t.scalar_type())) + ", not float32");
    }
    if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>()) {
      throw ModelFileError("model " + name + ": " + key + " holds values that are not finite");
    }
    ++i;
  };
  for (const auto& item : module.named_parameters()) check(item.key(), item.value());
  for (const auto& item : module.named_buffers()) check(item.key(), item.value());
  return manifest;
}

}  // namespace edgeloop::ml
