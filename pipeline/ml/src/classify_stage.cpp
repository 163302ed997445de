#include "edgeloop/pipeline/ml/classify_stage.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "edgeloop/pipeline/ml/detail/frame_counts.hpp"
#include "edgeloop/pipeline/ml/model_file.hpp"
#include "edgeloop/pipeline/ml/networks.hpp"
#include "edgeloop/pipeline/ml/predictive_uncertainty.hpp"

namespace edgeloop::ml {
namespace {

constexpr const char* kName = "classify";
constexpr std::size_t kMaxPositions = std::size_t{1} << 24;

[[noreturn]] void bad_parameter(const std::string& key, const std::string& why) {
  throw std::invalid_argument(std::string(kName) + ": '" + key + "' " + why);
}

std::uint64_t integer_in(const std::string& key, const nlohmann::json& value, std::uint64_t lo,
                         std::uint64_t hi) {
  if (!value.is_number_integer() ||
      (!value.is_number_unsigned() && value.get<std::int64_t>() < 0)) {
    bad_parameter(key, "must be a non-negative integer");
  }
  const auto v = value.get<std::uint64_t>();
  if (v < lo || v > hi) {
    bad_parameter(key, "must be in " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return v;
}

// SplitMix64: decorrelates the per-frame seeds of neighbouring sequence numbers.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

Product grid_product(std::string name, std::vector<double> values, std::uint32_t nx,
                     std::uint32_t ny, std::string units = {}) {
  ProductAxis y{"y", "scan step", std::vector<double>(ny)};
  ProductAxis x{"x", "scan step", std::vector<double>(nx)};
  for (std::uint32_t i = 0; i < ny; ++i) y.values[i] = i;
  for (std::uint32_t i = 0; i < nx; ++i) x.values[i] = i;
  Product p;
  p.name = std::move(name);
  p.values = std::move(values);
  p.shape = {ny, nx};
  p.axes = {std::move(y), std::move(x)};
  p.units = std::move(units);
  return p;
}

}  // namespace

struct ClassifyStage::Network {
  explicit Network(const std::filesystem::path& path)
      : manifest(read_manifest(path)),
        net(ClassifierShape::from_json(manifest.architecture_params)) {
    manifest = load_model(*net, path, "classifier", kClassifierArchitecture);
    if (!(net->temperature() > 0.0)) {
      throw ModelFileError("model " + path.string() + ": its calibration temperature is not > 0");
    }
    net->eval();
  }
  ModelManifest manifest;
  ClassifierNet net;
};

ClassifyStage::ClassifyStage() = default;
ClassifyStage::~ClassifyStage() = default;

nlohmann::json ClassifyStage::apply_parameters(const nlohmann::json& parameters) {
  if (!parameters.is_object()) {
    throw std::invalid_argument(std::string(kName) + ": parameters must be a table");
  }
  std::string model;
  std::size_t mc_samples = 16;
  std::uint64_t seed = 0;
  std::size_t batch = 16;
  std::uint32_t nx = 0;
  std::uint32_t ny = 0;
  for (const auto& [key, value] : parameters.items()) {
    if (key == "model") {
      if (!value.is_string()) bad_parameter(key, "must be a string (a .pt path)");
      model = value.get<std::string>();
    } else if (key == "mc_samples") {
      mc_samples = integer_in(key, value, 1, 1024);
    } else if (key == "seed") {
      seed = integer_in(key, value, 0, std::numeric_limits<std::uint64_t>::max());
    } else if (key == "batch") {
      batch = integer_in(key, value, 1, 1024);
    } else if (key == "scan_nx") {
      nx = static_cast<std::uint32_t>(integer_in(key, value, 1, 1U << 24U));
    } else if (key == "scan_ny") {
      ny = static_cast<std::uint32_t>(integer_in(key, value, 1, 1U << 24U));
    } else {
      throw std::invalid_argument(std::string(kName) + ": unknown parameter '" + key + "'");
    }
  }
  if (model.empty()) bad_parameter("model", "is required");
  if ((nx == 0) != (ny == 0)) bad_parameter(nx == 0 ? "scan_nx" : "scan_ny", "is required too");
  if (std::size_t{nx} * ny > kMaxPositions) {
    bad_parameter("scan_ny", "makes scan_nx * scan_ny larger than " +
                                 std::to_string(kMaxPositions) + " positions");
  }
  auto network = std::make_unique<Network>(model);  // ModelFileError names the file
  const auto classes = static_cast<std::size_t>(network->net->shape().classes);
  std::vector<std::string> names;
  const auto& listed = network->manifest.architecture_params;
  if (listed.contains("class_names") && listed.at("class_names").is_array()) {
    for (const auto& n : listed.at("class_names")) {
      names.push_back(n.is_string() ? n.get<std::string>() : n.dump());
    }
  }
  if (names.size() != classes) {
    names.clear();
    for (std::size_t c = 0; c < classes; ++c) names.push_back("class_" + std::to_string(c));
  }

  // Everything is valid: commit, and start the run's state afresh.
  const auto& m = network->manifest;
  nlohmann::json effective = {{"model", model},
                              {"mc_samples", mc_samples},
                              {"seed", seed},
                              {"batch", batch},
                              {"scan_nx", nx == 0 ? nlohmann::json(nullptr) : nlohmann::json(nx)},
                              {"scan_ny", ny == 0 ? nlohmann::json(nullptr) : nlohmann::json(ny)},
                              {"class_names", names},
                              {"model_manifest",
                               {{"architecture", m.architecture},
                                {"architecture_params", m.architecture_params},
                                {"weights_sha256", m.weights_sha256},
                                {"training", m.training},
                                {"data_seed", m.data_seed},
                                {"metrics", m.metrics},
                                {"code_version", m.code_version},
                                {"created_utc", m.created_utc}}}};
  network_ = std::move(network);
  class_names_ = std::move(names);
  mc_samples_ = mc_samples;
  seed_ = seed;
  batch_ = batch;
  scan_nx_ = nx;
  scan_ny_ = ny;
  {
    const std::lock_guard lock(maps_mutex_);
    const std::size_t positions = std::size_t{nx} * ny;
    sums_.assign(positions * (classes + 2), 0.0);
    visits_.assign(positions, 0);
  }
  return effective;
}

void ClassifyStage::process_frame(const Frame& frame, std::vector<Product>& out) {
  const Frame* const one = &frame;
  std::vector<std::vector<Product>> outs(1);
  process_frames(std::span(&one, 1), outs);
  for (auto& p : outs[0]) out.push_back(std::move(p));
}

void ClassifyStage::process_frames(std::span<const Frame* const> frames,
                                   std::vector<std::vector<Product>>& out) {
  if (!network_) throw std::logic_error(std::string(kName) + ": not configured");
  // Check the whole batch before anything changes, so a refused batch leaves no trace.
  std::vector<std::array<std::uint32_t, 2>> shapes;
  for (const Frame* f : frames) {
    shapes.push_back(detail::image_shape(*f, kName));
    const std::int64_t index = f->meta.scan_index;
    if (scan_nx_ != 0 &&
        (index < 0 || static_cast<std::uint64_t>(index) >= std::uint64_t{scan_nx_} * scan_ny_)) {
      throw std::out_of_range(std::string(kName) + ": frame " + std::to_string(f->meta.sequence) +
                              " has scan index " + std::to_string(index) + ", outside the " +
                              std::to_string(scan_nx_) + " x " + std::to_string(scan_ny_) +
                              " scan");
    }
  }
  const auto classes = static_cast<std::size_t>(network_->net->shape().classes);
  std::vector<PredictiveUncertainty> results(frames.size());
  torch::NoGradGuard no_grad;
  for (std::size_t begin = 0; begin < frames.size();) {
    std::size_t end = begin + 1;
    while (end < frames.size() && shapes[end] == shapes[begin]) ++end;
    const auto rows = static_cast<std::int64_t>(shapes[begin][0]);
    const auto cols = static_cast<std::int64_t>(shapes[begin][1]);
    auto input = torch::empty({static_cast<std::int64_t>(end - begin), 1, rows, cols});
    std::vector<std::uint8_t> invalid(static_cast<std::size_t>(rows * cols));
    for (std::size_t i = begin; i < end; ++i) {
      detail::read_counts(
          *frames[i],
          std::span<float>(input[static_cast<std::int64_t>(i - begin)].data_ptr<float>(),
                           invalid.size()),
          invalid);
    }
    const auto embedding = network_->net->embed(input);
    const double temperature = network_->net->temperature();
    for (std::size_t i = begin; i < end; ++i) {
      // One frame's samples: its embedding repeated, the head sampled with the frame's masks.
      const auto e = embedding[static_cast<std::int64_t>(i - begin)].unsqueeze(0).expand(
          {static_cast<std::int64_t>(mc_samples_), embedding.size(1)});
      std::optional<torch::Generator> generator;
      if (mc_samples_ > 1) {
        generator =
            at::make_generator<at::CPUGeneratorImpl>(mix(seed_ ^ mix(frames[i]->meta.sequence)));
      }
      // In double, so each sample's probabilities sum to 1 to the last bits.
      const auto p =
          torch::softmax((network_->net->head(e, generator) / temperature).to(torch::kDouble), 1)
              .contiguous();
      results[i] = summarise_samples(
          std::span<const double>(p.data_ptr<double>(), mc_samples_ * classes), classes);
    }
    begin = end;
  }
  if (scan_nx_ != 0) {
    const std::lock_guard lock(maps_mutex_);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto index = static_cast<std::size_t>(frames[i]->meta.scan_index);
      double* s = sums_.data() + index * (classes + 2);
      for (std::size_t c = 0; c < classes; ++c) s[c] += results[i].probabilities[c];
      s[classes] += results[i].entropy;
      s[classes + 1] += results[i].mutual_information;
      ++visits_[index];
    }
  }
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const PredictiveUncertainty& r = results[i];
    out[i].push_back(Product{"class", {static_cast<double>(r.label)}, {1}});
    out[i].push_back(
        Product{"probabilities", r.probabilities, {static_cast<std::uint32_t>(classes)}});
    out[i].push_back(Product{"entropy", {r.entropy}, {1}, {}, {}, "nat"});
    out[i].push_back(Product{"mutual_information", {r.mutual_information}, {1}, {}, {}, "nat"});
  }
}

void ClassifyStage::snapshot_products(std::vector<Product>& out) const {
  if (scan_nx_ == 0 || !network_) return;
  const auto classes = static_cast<std::size_t>(network_->net->shape().classes);
  const std::lock_guard lock(maps_mutex_);
  const std::size_t n = visits_.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> label(n, nan);
  std::vector<double> confidence(n, nan);
  std::vector<double> entropy(n, nan);
  std::vector<double> mi(n, nan);
  std::vector<double> probability(classes * n, nan);
  for (std::size_t i = 0; i < n; ++i) {
    if (visits_[i] == 0) continue;
    const double v = visits_[i];
    const double* s = sums_.data() + i * (classes + 2);
    std::size_t best = 0;
    for (std::size_t c = 0; c < classes; ++c) {
      probability[c * n + i] = s[c] / v;
      if (s[c] > s[best]) best = c;
    }
    label[i] = static_cast<double>(best);
    confidence[i] = s[best] / v;
    entropy[i] = s[classes] / v;
    mi[i] = s[classes + 1] / v;
  }
  out.push_back(grid_product("class_map", std::move(label), scan_nx_, scan_ny_));
  out.push_back(grid_product("confidence_map", std::move(confidence), scan_nx_, scan_ny_));
  out.push_back(grid_product("entropy_map", std::move(entropy), scan_nx_, scan_ny_, "nat"));
  out.push_back(grid_product("mutual_information_map", std::move(mi), scan_nx_, scan_ny_, "nat"));
  out.push_back(grid_product("classified_map", std::vector<double>(visits_.begin(), visits_.end()),
                             scan_nx_, scan_ny_));
  Product p = grid_product("probability_map", std::move(probability), scan_nx_, scan_ny_);
  p.shape.insert(p.shape.begin(), static_cast<std::uint32_t>(classes));
  ProductAxis class_axis{"class", "", std::vector<double>(classes)};
  for (std::size_t c = 0; c < classes; ++c) class_axis.values[c] = static_cast<double>(c);
  p.axes.insert(p.axes.begin(), std::move(class_axis));
  out.push_back(std::move(p));
}

}  // namespace edgeloop::ml
