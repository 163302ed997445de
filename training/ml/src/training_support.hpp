// Pieces the trainers and evaluations share: owned frames to feed the stages with, Poisson
// draws from a seeded LibTorch generator, and log-uniform doses.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "edgeloop/pipeline/frame.hpp"

namespace edgeloop::ml {

// A frame whose pixels live in a vector, as the daemon's decoder would hand it over.
// dtype U16 or U32; values above the type's maximum - 1 saturate there, `invalid` pixels read
// the maximum (the detector's mark).
Frame make_frame(std::span<const float> counts, std::span<const std::uint8_t> invalid,
                 std::uint32_t rows, std::uint32_t cols, wire::DType dtype, std::uint64_t sequence,
                 std::int64_t scan_index = -1);

// A generator for noise and dropout masks, independent of LibTorch's global one.
torch::Generator make_generator(std::uint64_t seed);

// Poisson draws of `expected` (any shape, float).
torch::Tensor poisson(const torch::Tensor& expected, torch::Generator& generator);

double log_uniform(std::mt19937_64& rng, double lo, double hi);

// Whole-network SHA-256 of the parameters and buffers, for reproducibility checks.
std::string parameters_sha256(const torch::nn::Module& module);

}  // namespace edgeloop::ml
