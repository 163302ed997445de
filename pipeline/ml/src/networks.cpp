#include "edgeloop/pipeline/ml/networks.hpp"

#include <torch/nn/functional/pooling.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/pooling.h>
#include <torch/torch.h>

#include <string>

#include "edgeloop/pipeline/ml/model_file.hpp"

namespace edgeloop::ml {
namespace {

template <typename T>
T param(const nlohmann::json& json, const char* key, T fallback) {
  if (!json.is_object() || !json.contains(key)) return fallback;
  try {
    return json.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw ModelFileError(std::string("architecture parameter \"") + key + "\" has the wrong type");
  }
}

torch::nn::Conv2d conv3(std::int64_t in, std::int64_t out) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1));
}

}  // namespace

nlohmann::json DenoiserShape::to_json() const {
  return {{"channels", channels}, {"depth", depth}};
}

DenoiserShape DenoiserShape::from_json(const nlohmann::json& json) {
  DenoiserShape s;
  s.channels = param<std::int64_t>(json, "channels", s.channels);
  s.depth = param<std::int64_t>(json, "depth", s.depth);
  if (s.channels < 1 || s.channels > 256 || s.depth < 2 || s.depth > 64) {
    throw ModelFileError("denoiser architecture parameters out of range");
  }
  return s;
}

DenoiserNetImpl::DenoiserNetImpl(const DenoiserShape& shape) {
  torch::nn::Sequential body;
  body->push_back(conv3(1, shape.channels));
  body->push_back(torch::nn::ReLU());
  for (std::int64_t i = 0; i < shape.depth - 2; ++i) {
    body->push_back(conv3(shape.channels, shape.channels));
    body->push_back(torch::nn::ReLU());
  }
  body->push_back(conv3(shape.channels, 1));
  body_ = register_module("body", body);
}

torch::Tensor DenoiserNetImpl::forward(const torch::Tensor& counts) {
  const auto a = 2.0 * torch::sqrt(torch::clamp_min(counts, 0.0) + 0.375);
  const auto scale = a.mean({2, 3}, true) + 1e-3;
  const auto z = a + scale * body_->forward(a / scale);
  // Inverse of the Anscombe transform (the algebraic one: the network absorbs its bias), kept
  // positive so the Poisson likelihood stays finite.
  return torch::clamp_min(z * z * 0.25 - 0.375, 1e-4);
}

nlohmann::json ClassifierShape::to_json() const {
  return {
      {"classes", classes}, {"pool_size", pool_size}, {"channels", channels}, {"dropout", dropout}};
}

ClassifierShape ClassifierShape::from_json(const nlohmann::json& json) {
  ClassifierShape s;
  s.classes = param<std::int64_t>(json, "classes", s.classes);
  s.pool_size = param<std::int64_t>(json, "pool_size", s.pool_size);
  s.channels = param<std::int64_t>(json, "channels", s.channels);
  s.dropout = param<double>(json, "dropout", s.dropout);
  if (s.classes < 2 || s.classes > 1024 || s.pool_size < 8 || s.pool_size > 1024 ||
      s.channels < 1 || s.channels > 256 || !(s.dropout >= 0.0 && s.dropout < 1.0)) {
    throw ModelFileError("classifier architecture parameters out of range");
  }
  return s;
}

ClassifierNetImpl::ClassifierNetImpl(const ClassifierShape& shape) : shape_(shape) {
  const std::int64_t c = shape.channels;
  torch::nn::Sequential f;
  f->push_back(conv3(2, c));
  f->push_back(torch::nn::ReLU());
  f->push_back(torch::nn::MaxPool2d(2));
  f->push_back(conv3(c, 2 * c));
  f->push_back(torch::nn::ReLU());
  f->push_back(torch::nn::MaxPool2d(2));
  f->push_back(conv3(2 * c, 2 * c));
  f->push_back(torch::nn::ReLU());
  f->push_back(torch::nn::MaxPool2d(2));
  f->push_back(conv3(2 * c, 4 * c));
  f->push_back(torch::nn::ReLU());
  features_ = register_module("features", f);
  hidden_ = register_module("hidden", torch::nn::Linear(8 * c, 32));
  out_ = register_module("out", torch::nn::Linear(32, shape.classes));
  temperature_ = register_buffer("temperature", torch::ones({1}));
}

torch::Tensor ClassifierNetImpl::embed(const torch::Tensor& counts) {
  namespace F = torch::nn::functional;
  auto x =
      F::adaptive_avg_pool2d(torch::clamp_min(counts, 0.0),
                             F::AdaptiveAvgPool2dFuncOptions({shape_.pool_size, shape_.pool_size}));
  x = torch::log1p(x / (x.mean({2, 3}, true) + 1e-6));
  const auto n = shape_.pool_size;
  const auto coord = (torch::arange(n, x.options()) - 0.5 * static_cast<double>(n - 1)) /
                     (0.5 * static_cast<double>(n));
  const auto r = torch::sqrt(coord.view({n, 1}).pow(2) + coord.view({1, n}).pow(2));
  x = torch::cat({x, r.expand({x.size(0), 1, n, n})}, 1);
  x = features_->forward(x);
  // Mean and max over positions: the mean sees how much of a feature there is, the max
  // whether a faint one (a weak disc at low dose) is anywhere at all.
  return torch::cat({x.mean({2, 3}), x.amax({2, 3})}, 1);
}

torch::Tensor ClassifierNetImpl::dropout(const torch::Tensor& x,
                                         std::optional<torch::Generator>& generator) const {
  if (!generator || shape_.dropout <= 0.0) return x;
  const double keep = 1.0 - shape_.dropout;
  const auto mask = torch::bernoulli(torch::full_like(x, keep), *generator);
  return x * mask / keep;
}

torch::Tensor ClassifierNetImpl::head(const torch::Tensor& embedding,
                                      std::optional<torch::Generator> generator) {
  auto x = dropout(embedding, generator);
  x = torch::relu(hidden_->forward(x));
  x = dropout(x, generator);
  return out_->forward(x);
}

torch::Tensor ClassifierNetImpl::forward(const torch::Tensor& counts,
                                         std::optional<torch::Generator> generator) {
  return head(embed(counts), std::move(generator)) / temperature_;
}

void ClassifierNetImpl::set_temperature(double t) {
  torch::NoGradGuard no_grad;
  temperature_.fill_(t);
}

double ClassifierNetImpl::temperature() const {
  return temperature_.item<double>();
}

}  // namespace edgeloop::ml
