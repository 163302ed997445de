#include "edgeloop/pipeline/ml/denoise_stage.hpp"

#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "edgeloop/pipeline/ml/detail/frame_counts.hpp"
#include "edgeloop/pipeline/ml/model_file.hpp"
#include "edgeloop/pipeline/ml/networks.hpp"

namespace edgeloop::ml {
namespace {

constexpr const char* kName = "denoise";

[[noreturn]] void bad_parameter(const std::string& key, const std::string& why) {
  throw std::invalid_argument(std::string(kName) + ": '" + key + "' " + why);
}

nlohmann::json provenance_of(const ModelManifest& m) {
  return {{"architecture", m.architecture},     {"architecture_params", m.architecture_params},
          {"weights_sha256", m.weights_sha256}, {"training", m.training},
          {"data_seed", m.data_seed},           {"metrics", m.metrics},
          {"code_version", m.code_version},     {"created_utc", m.created_utc}};
}

struct Image {
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  std::vector<float> counts;
  std::vector<std::uint8_t> invalid;
};

Image read_image(const Frame& frame) {
  Image im;
  const auto shape = detail::image_shape(frame, kName);
  im.rows = shape[0];
  im.cols = shape[1];
  const std::size_t n = std::size_t{im.rows} * im.cols;
  im.counts.resize(n);
  im.invalid.resize(n);
  detail::read_counts(frame, im.counts, im.invalid);
  return im;
}

// Sums bin x bin blocks (a block of Poisson counts is a Poisson count), dropping the edge rows
// and columns that do not fill a block. A block without a valid pixel is invalid; one with
// some is scaled up to the whole block.
Image binned(const Image& im, std::uint32_t bin) {
  if (bin == 1) return im;
  Image out;
  out.rows = im.rows / bin;
  out.cols = im.cols / bin;
  if (out.rows == 0 || out.cols == 0) {
    throw std::invalid_argument(std::string(kName) + ": a " + std::to_string(im.rows) + " x " +
                                std::to_string(im.cols) + " frame is smaller than one " +
                                std::to_string(bin) + " x " + std::to_string(bin) + " block");
  }
  const std::size_t n = std::size_t{out.rows} * out.cols;
  out.counts.assign(n, 0.0F);
  out.invalid.assign(n, 1);
  std::vector<std::uint32_t> valid(n, 0);
  for (std::uint32_t r = 0; r < out.rows * bin; ++r) {
    for (std::uint32_t c = 0; c < out.cols * bin; ++c) {
      const std::size_t i = std::size_t{r} * im.cols + c;
      if (im.invalid[i] != 0) continue;
      const std::size_t o = std::size_t{r / bin} * out.cols + c / bin;
      out.counts[o] += im.counts[i];
      ++valid[o];
    }
  }
  const auto full = static_cast<float>(bin * bin);
  for (std::size_t o = 0; o < n; ++o) {
    if (valid[o] == 0) continue;
    out.invalid[o] = 0;
    out.counts[o] *= full / static_cast<float>(valid[o]);
  }
  return out;
}

Product denoised_product(const Image& im, std::span<const float> estimate) {
  Product p{"denoised", std::vector<double>(estimate.size()), {im.rows, im.cols}};
  p.units = "counts";
  for (std::size_t i = 0; i < estimate.size(); ++i) {
    p.values[i] =
        im.invalid[i] != 0 ? std::numeric_limits<double>::quiet_NaN() : double{estimate[i]};
  }
  return p;
}

}  // namespace

struct DenoiseStage::Network {
  explicit Network(const std::filesystem::path& path)
      : manifest(read_manifest(path)), net(DenoiserShape::from_json(manifest.architecture_params)) {
    manifest = load_model(*net, path, "denoiser", kDenoiserArchitecture);
    net->eval();
  }
  ModelManifest manifest;
  DenoiserNet net;
};

DenoiseStage::DenoiseStage() = default;
DenoiseStage::~DenoiseStage() = default;

nlohmann::json DenoiseStage::apply_parameters(const nlohmann::json& parameters) {
  if (!parameters.is_object()) {
    throw std::invalid_argument(std::string(kName) + ": parameters must be a table");
  }
  std::string method = "cnn";
  std::string model;
  double sigma = 1.0;
  std::size_t batch = 1;
  std::optional<std::uint32_t> bin;
  for (const auto& [key, value] : parameters.items()) {
    if (key == "method") {
      if (!value.is_string()) bad_parameter(key, "must be a string");
      method = value.get<std::string>();
    } else if (key == "model") {
      if (!value.is_string()) bad_parameter(key, "must be a string (a .pt path)");
      model = value.get<std::string>();
    } else if (key == "sigma") {
      if (!value.is_number()) bad_parameter(key, "must be a number");
      sigma = value.get<double>();
      if (!(sigma > 0.0 && sigma <= 64.0)) bad_parameter(key, "must be in (0, 64] pixels");
    } else if (key == "bin") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 1 ||
          value.get<std::int64_t>() > 64) {
        bad_parameter(key, "must be an integer in 1..64");
      }
      bin = value.get<std::uint32_t>();
    } else if (key == "batch") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 1 ||
          value.get<std::int64_t>() > 1024) {
        bad_parameter(key, "must be an integer in 1..1024");
      }
      batch = value.get<std::size_t>();
    } else {
      throw std::invalid_argument(std::string(kName) + ": unknown parameter '" + key + "'");
    }
  }
  nlohmann::json effective = {{"method", method}};
  if (method == "gaussian") {
    if (!model.empty()) bad_parameter("model", "is for method 'cnn', not 'gaussian'");
    gaussian_.emplace(sigma);
    network_.reset();
    batch_ = 1;
    bin_ = bin.value_or(1);
    effective["sigma"] = sigma;
  } else if (method == "cnn") {
    if (model.empty()) bad_parameter("model", "is required for method 'cnn'");
    network_ = std::make_unique<Network>(model);  // ModelFileError names the file
    gaussian_.reset();
    batch_ = batch;
    // The model's own resolution unless overridden (SAXS denoisers work on 4 x 4 blocks).
    const auto& params = network_->manifest.architecture_params;
    const std::int64_t model_bin = params.contains("bin") && params.at("bin").is_number_integer()
                                       ? params.at("bin").get<std::int64_t>()
                                       : 1;
    if (model_bin < 1 || model_bin > 64) {
      throw ModelFileError("model " + model + ": architecture parameter \"bin\" out of range");
    }
    bin_ = bin.value_or(static_cast<std::uint32_t>(model_bin));
    effective["model"] = model;
    effective["batch"] = batch;
    effective["model_manifest"] = provenance_of(network_->manifest);
  } else {
    bad_parameter("method", "'" + method + "' is not one of: cnn, gaussian");
  }
  effective["bin"] = bin_;
  return effective;
}

void DenoiseStage::process_frame(const Frame& frame, std::vector<Product>& out) {
  const Frame* const one = &frame;
  std::vector<std::vector<Product>> outs(1);
  process_frames(std::span(&one, 1), outs);
  for (auto& p : outs[0]) out.push_back(std::move(p));
}

void DenoiseStage::process_frames(std::span<const Frame* const> frames,
                                  std::vector<std::vector<Product>>& out) {
  if (!network_ && !gaussian_) throw std::logic_error(std::string(kName) + ": not configured");
  std::vector<Image> images;
  images.reserve(frames.size());
  for (const Frame* f : frames)
    images.push_back(binned(read_image(*f), bin_));  // all checked first
  if (gaussian_) {
    for (std::size_t i = 0; i < images.size(); ++i) {
      const Image& im = images[i];
      std::vector<double> in(im.counts.begin(), im.counts.end());
      std::vector<double> filtered(in.size());
      gaussian_->apply(in, im.invalid, im.rows, im.cols, filtered);
      const std::vector<float> estimate(filtered.begin(), filtered.end());
      out[i].push_back(denoised_product(im, estimate));
    }
    return;
  }
  torch::NoGradGuard no_grad;
  // Runs of equal shape go through the network together.
  for (std::size_t begin = 0; begin < images.size();) {
    std::size_t end = begin + 1;
    while (end < images.size() && images[end].rows == images[begin].rows &&
           images[end].cols == images[begin].cols) {
      ++end;
    }
    const auto rows = static_cast<std::int64_t>(images[begin].rows);
    const auto cols = static_cast<std::int64_t>(images[begin].cols);
    auto input = torch::empty({static_cast<std::int64_t>(end - begin), 1, rows, cols});
    for (std::size_t i = begin; i < end; ++i) {
      std::memcpy(input[static_cast<std::int64_t>(i - begin)].data_ptr<float>(),
                  images[i].counts.data(), images[i].counts.size() * sizeof(float));
    }
    const auto estimate = network_->net->forward(input).contiguous();
    for (std::size_t i = begin; i < end; ++i) {
      const auto row = estimate[static_cast<std::int64_t>(i - begin)];
      out[i].push_back(denoised_product(
          images[i], std::span<const float>(row.data_ptr<float>(), images[i].counts.size())));
    }
    begin = end;
  }
}

}  // namespace edgeloop::ml
