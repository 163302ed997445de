#include "edgeloop/training/scan_policy_training.hpp"

#include <torch/torch.h>

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "edgeloop/controllers/scan/scan_environment.hpp"
#include "edgeloop/controllers/scan/scan_evaluation.hpp"
#include "edgeloop/controllers/scan/scan_policy_features.hpp"
#include "edgeloop/controllers/scan/scan_policy_network.hpp"
#include "edgeloop/controllers/scan/scan_random.hpp"
#include "edgeloop/controllers/scan/scan_strategy.hpp"
#include "edgeloop/core/progress_bar.hpp"

namespace edgeloop {
namespace {

using scan::ScanEnvironment;
using scan::ScanRandom;

constexpr auto kChannels = static_cast<std::int64_t>(scan::kScanFeatureChannels);

// One episode's steps, in order.
struct Trajectory {
  std::vector<float> features;  // steps x channels x positions
  std::vector<std::uint8_t> available;
  std::vector<float> teacher;  // steps x positions (imitation only)
  std::vector<std::int64_t> action;
  std::vector<float> logp;
  std::vector<float> value;
  std::vector<float> reward;
};

// Steps of all of an update's episodes, with advantages and returns.
struct Batch {
  std::vector<float> features;
  std::vector<std::uint8_t> available;
  std::vector<float> teacher;
  std::vector<std::int64_t> action;
  std::vector<float> logp;
  std::vector<float> advantage;
  std::vector<float> ret;
  std::size_t steps = 0;
};

std::size_t positions(const ScanTrainingConfig& c) {
  return static_cast<std::size_t>(c.truth.nx) * c.truth.ny;
}

std::size_t count_at(const ScanTrainingConfig& c, double fraction) {
  return std::max<std::size_t>(
      1, static_cast<std::size_t>(std::lround(fraction * static_cast<double>(positions(c)))));
}

// Softmax over the available positions, in double.
std::vector<double> probabilities(const float* logits, const ScanEnvironment& env) {
  const auto& scan = env.observation();
  std::vector<double> p(scan.size(), 0.0);
  double top = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (scan.available(static_cast<std::int64_t>(i))) top = std::max(top, double{logits[i]});
  }
  double sum = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!scan.available(static_cast<std::int64_t>(i))) continue;
    p[i] = std::exp(double{logits[i]} - top);
    sum += p[i];
  }
  for (auto& v : p) v /= sum;
  return p;
}

std::int64_t sample(const std::vector<double>& p, ScanRandom& rng) {
  const double u = rng.uniform();
  double cumulative = 0.0;
  std::int64_t last = -1;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= 0.0) continue;
    cumulative += p[i];
    last = static_cast<std::int64_t>(i);
    if (u < cumulative) break;
  }
  return last;
}

std::int64_t argmax_available(const float* values, const ScanEnvironment& env) {
  std::int64_t best = -1;
  for (std::size_t i = 0; i < env.observation().size(); ++i) {
    const auto index = static_cast<std::int64_t>(i);
    if (!env.observation().available(index)) continue;
    if (best < 0 || values[i] > values[static_cast<std::size_t>(best)]) best = index;
  }
  return best;
}

void measure_seed_grid(ScanEnvironment& env, const ScanTrainingConfig& c) {
  for (const auto s : scan::seed_grid_positions(c.truth.nx, c.truth.ny)) {
    if (!env.done()) env.step(s);
  }
}

// Runs the policy on each environment in lockstep until every one is done; `act` picks the
// action of environment e from its probabilities and its logits.
template <class Act, class Record>
void run_lockstep(scan::ScanPolicyNet& net, std::vector<ScanEnvironment>& envs, Act act,
                  Record record) {
  const std::size_t n = envs.front().observation().size();
  const auto h = static_cast<std::int64_t>(envs.front().observation().ny());
  const auto w = static_cast<std::int64_t>(envs.front().observation().nx());
  std::vector<float> features;
  std::vector<std::uint8_t> available;
  std::vector<std::size_t> active;
  for (;;) {
    active.clear();
    for (std::size_t e = 0; e < envs.size(); ++e) {
      if (!envs[e].done()) active.push_back(e);
    }
    if (active.empty()) return;
    const auto a = static_cast<std::int64_t>(active.size());
    features.resize(active.size() * scan::kScanFeatureChannels * n);
    available.resize(active.size() * n);
    for (std::size_t k = 0; k < active.size(); ++k) {
      const auto& scan = envs[active[k]].observation();
      scan_policy_features(scan, std::span(features).subspan(k * scan::kScanFeatureChannels * n,
                                                             scan::kScanFeatureChannels * n));
      for (std::size_t i = 0; i < n; ++i) {
        available[k * n + i] = scan.available(static_cast<std::int64_t>(i)) ? 1 : 0;
      }
    }
    torch::Tensor logits;
    torch::Tensor values;
    {
      const torch::NoGradGuard no_grad;
      const auto x = torch::from_blob(features.data(), {a, kChannels, h, w}, torch::kFloat32);
      const auto m =
          torch::from_blob(available.data(), {a, static_cast<std::int64_t>(n)}, torch::kUInt8)
              .to(torch::kBool);
      std::tie(logits, values) = net->forward(x, m);
      logits = logits.contiguous();
    }
    for (std::size_t k = 0; k < active.size(); ++k) {
      const auto e = active[k];
      const float* l = logits.data_ptr<float>() + k * n;
      const auto value = values[static_cast<std::int64_t>(k)].item<float>();
      const std::int64_t action = act(e, l);
      record(e,
             std::span<const float>(features).subspan(k * scan::kScanFeatureChannels * n,
                                                      scan::kScanFeatureChannels * n),
             std::span<const std::uint8_t>(available).subspan(k * n, n), l, value, action);
    }
  }
}

// Greedy (argmax) errors at the evaluation dose, one per truth image.
std::vector<double> validate(scan::ScanPolicyNet& net,
                             const std::vector<std::vector<double>>& truths,
                             const ScanTrainingConfig& c) {
  std::vector<ScanEnvironment> envs;
  for (const auto& t : truths) {
    envs.emplace_back(c.truth.nx, c.truth.ny, t, count_at(c, c.eval_fraction));
    measure_seed_grid(envs.back(), c);
  }
  net->eval();
  run_lockstep(
      net, envs, [&](std::size_t e, const float* l) { return argmax_available(l, envs[e]); },
      [&](std::size_t e, auto, auto, const float*, float, std::int64_t action) {
        envs[e].step(action);
      });
  std::vector<double> errors;
  for (const auto& env : envs) errors.push_back(env.error());
  return errors;
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

Batch collect(scan::ScanPolicyNet& net, const std::vector<std::vector<double>>& truths,
              const ScanTrainingConfig& c, ScanRandom& rng, bool imitation, double beta) {
  const std::size_t n = positions(c);
  std::vector<ScanEnvironment> envs;
  for (int e = 0; e < c.envs; ++e) {
    envs.emplace_back(c.truth.nx, c.truth.ny, truths[rng.below(truths.size())],
                      count_at(c, c.horizon_fraction));
    measure_seed_grid(envs.back(), c);
  }
  std::vector<Trajectory> traj(envs.size());
  std::vector<std::vector<float>> targets(envs.size());
  net->eval();
  run_lockstep(
      net, envs,
      [&](std::size_t e, const float* l) -> std::int64_t {
        const auto p = probabilities(l, envs[e]);
        if (!imitation) return sample(p, rng);
        // The oracle: the exact drop in squared error each position would bring now.
        const auto gain = envs[e].error_reductions();
        double best = 0.0;
        std::int64_t greedy = -1;
        for (std::size_t i = 0; i < n; ++i) {
          if (!envs[e].observation().available(static_cast<std::int64_t>(i))) continue;
          if (greedy < 0 || gain[i] > best) {
            best = gain[i];
            greedy = static_cast<std::int64_t>(i);
          }
        }
        auto& q = targets[e];
        q.assign(n, 0.0F);
        const double scale = best > 0.0 ? c.teacher_temperature * best : 1.0;
        double sum = 0.0;
        std::vector<double> qd(n, 0.0);
        for (std::size_t i = 0; i < n; ++i) {
          if (!envs[e].observation().available(static_cast<std::int64_t>(i))) continue;
          qd[i] = best > 0.0 ? std::exp((gain[i] - best) / scale) : 1.0;
          sum += qd[i];
        }
        for (std::size_t i = 0; i < n; ++i) q[i] = static_cast<float>(qd[i] / sum);
        return rng.uniform() < beta ? greedy : sample(p, rng);
      },
      [&](std::size_t e, std::span<const float> f, std::span<const std::uint8_t> avail,
          const float* l, float value, std::int64_t action) {
        auto& t = traj[e];
        const auto p = probabilities(l, envs[e]);
        t.features.insert(t.features.end(), f.begin(), f.end());
        t.available.insert(t.available.end(), avail.begin(), avail.end());
        if (imitation) t.teacher.insert(t.teacher.end(), targets[e].begin(), targets[e].end());
        t.action.push_back(action);
        t.logp.push_back(
            static_cast<float>(std::log(std::max(p[static_cast<std::size_t>(action)], 1e-30))));
        t.value.push_back(value);
        t.reward.push_back(static_cast<float>(c.reward_scale * envs[e].step(action).reward));
      });
  Batch b;
  for (const auto& t : traj) {
    const std::size_t steps = t.action.size();
    std::vector<float> adv(steps);
    double running = 0.0;
    for (std::size_t s = steps; s-- > 0;) {
      const double next_value = s + 1 < steps ? double{t.value[s + 1]} : 0.0;
      const double delta = double{t.reward[s]} + c.gamma * next_value - double{t.value[s]};
      running = delta + c.gamma * c.gae_lambda * running;
      adv[s] = static_cast<float>(running);
    }
    b.features.insert(b.features.end(), t.features.begin(), t.features.end());
    b.available.insert(b.available.end(), t.available.begin(), t.available.end());
    b.teacher.insert(b.teacher.end(), t.teacher.begin(), t.teacher.end());
    b.action.insert(b.action.end(), t.action.begin(), t.action.end());
    b.logp.insert(b.logp.end(), t.logp.begin(), t.logp.end());
    for (std::size_t s = 0; s < steps; ++s) {
      b.advantage.push_back(adv[s]);
      b.ret.push_back(adv[s] + t.value[s]);
    }
    b.steps += steps;
  }
  return b;
}

// Gradient steps on a share of the batch: PPO's clipped objective, or (imitation) the
// cross-entropy to the oracle's soft choice; both with the critic's squared error.
double learn(scan::ScanPolicyNet& net, torch::optim::Adam& optimizer, Batch& b,
             const ScanTrainingConfig& c, ScanRandom& rng, bool imitation) {
  const std::size_t n = positions(c);
  const auto steps = static_cast<std::int64_t>(b.steps);
  const auto nn = static_cast<std::int64_t>(n);
  const auto h = static_cast<std::int64_t>(c.truth.ny);
  const auto w = static_cast<std::int64_t>(c.truth.nx);
  const auto features = torch::from_blob(b.features.data(), {steps, kChannels, h, w});
  const auto available =
      torch::from_blob(b.available.data(), {steps, nn}, torch::kUInt8).to(torch::kBool);
  const auto action = torch::from_blob(b.action.data(), {steps}, torch::kInt64);
  const auto old_logp = torch::from_blob(b.logp.data(), {steps});
  auto advantage = torch::from_blob(b.advantage.data(), {steps}).clone();
  advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8);
  const auto ret = torch::from_blob(b.ret.data(), {steps});
  const auto teacher =
      imitation ? torch::from_blob(b.teacher.data(), {steps, nn}) : torch::Tensor();

  std::vector<std::int64_t> order(b.steps);
  std::iota(order.begin(), order.end(), 0);
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  order.resize(std::max<std::size_t>(
      1, static_cast<std::size_t>(c.train_share * static_cast<double>(order.size()))));
  net->train();
  double total = 0.0;
  int count = 0;
  for (int epoch = 0; epoch < c.epochs; ++epoch) {
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    for (std::size_t start = 0; start < order.size();
         start += static_cast<std::size_t>(c.minibatch)) {
      const std::size_t end = std::min(order.size(), start + static_cast<std::size_t>(c.minibatch));
      const auto idx = torch::from_blob(order.data() + start,
                                        {static_cast<std::int64_t>(end - start)}, torch::kInt64);
      const auto [logits, value] =
          net->forward(features.index_select(0, idx), available.index_select(0, idx));
      const auto logsm = torch::log_softmax(logits, 1);
      torch::Tensor policy_loss;
      if (imitation) {
        policy_loss = -(teacher.index_select(0, idx) * logsm).sum(1).mean();
      } else {
        const auto a = action.index_select(0, idx).unsqueeze(1);
        const auto new_logp = logsm.gather(1, a).squeeze(1);
        const auto ratio = torch::exp(new_logp - old_logp.index_select(0, idx));
        const auto adv = advantage.index_select(0, idx);
        const auto clipped = torch::clamp(ratio, 1.0 - c.clip, 1.0 + c.clip);
        const auto entropy = -(torch::softmax(logits, 1) * logsm).sum(1).mean();
        policy_loss = -torch::min(ratio * adv, clipped * adv).mean() - c.entropy * entropy;
      }
      const auto value_loss = (value - ret.index_select(0, idx)).pow(2).mean();
      const auto loss = policy_loss + c.value_coef * value_loss;
      optimizer.zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(net->parameters(), 0.5);
      optimizer.step();
      total += loss.item<double>();
      ++count;
    }
  }
  return count > 0 ? total / count : 0.0;
}

nlohmann::json config_json(const ScanTrainingConfig& c) {
  return {{"method", "imitation warm start (DAgger to the one-step oracle) then PPO with GAE"},
          {"seed", c.seed},
          {"imitation_updates", c.imitation_updates},
          {"updates", c.updates},
          {"threads", c.threads},
          {"envs", c.envs},
          {"train_specimens", c.train_specimens},
          {"validation_specimens", c.validation_specimens},
          {"grid", {c.truth.nx, c.truth.ny}},
          {"step_nm", c.truth.step},
          {"field_nm", c.truth.field},
          {"detector_size", c.truth.detector_size},
          {"annulus_bf_radii", {c.truth.annulus_inner, c.truth.annulus_outer}},
          {"pattern_model", "kinematic"},
          {"horizon_fraction", c.horizon_fraction},
          {"eval_fraction", c.eval_fraction},
          {"imitation_lr", c.imitation_lr},
          {"ppo_lr", c.ppo_lr},
          {"gamma", c.gamma},
          {"gae_lambda", c.gae_lambda},
          {"clip", c.clip},
          {"entropy", c.entropy},
          {"value_coef", c.value_coef},
          {"reward_scale", c.reward_scale},
          {"epochs", c.epochs},
          {"train_share", c.train_share},
          {"minibatch", c.minibatch},
          {"teacher_temperature", c.teacher_temperature},
          {"reward", "(normalised RMSE before - after) / dose, dose = 1/positions per position"}};
}

}  // namespace

std::uint64_t scan_specimen_seed(ScanSpecimenSet set, std::uint64_t data_seed, std::size_t i) {
  switch (set) {
    case ScanSpecimenSet::Train:
      return 1000 + data_seed * 100000 + i;
    case ScanSpecimenSet::Validation:
      return 50000000 + i;
    case ScanSpecimenSet::HeldOut:
      return 90000000 + i;
  }
  return 0;
}

ml::ModelManifest train_scan_policy(const ScanTrainingConfig& c) {
  if (c.envs < 1 || c.train_specimens < 1 || c.validation_specimens < 1 || c.minibatch < 1 ||
      c.epochs < 1 || c.imitation_updates < 0 || c.updates < 0 || c.threads < 1) {
    throw std::invalid_argument("scan-policy training: counts must be positive");
  }
  const auto started = std::chrono::steady_clock::now();
  torch::set_num_threads(c.threads);
  torch::manual_seed(c.seed);
  ScanRandom rng(c.seed);
  std::vector<std::vector<double>> train;
  std::vector<std::vector<double>> validation;
  for (int i = 0; i < c.train_specimens; ++i) {
    train.push_back(render_scan_truth(
        scan_specimen_seed(ScanSpecimenSet::Train, c.data_seed, static_cast<std::size_t>(i)),
        c.truth));
  }
  for (int i = 0; i < c.validation_specimens; ++i) {
    validation.push_back(render_scan_truth(
        scan_specimen_seed(ScanSpecimenSet::Validation, 0, static_cast<std::size_t>(i)), c.truth));
  }

  scan::ScanPolicyNet net(c.width);
  torch::optim::Adam imitation_opt(net->parameters(), torch::optim::AdamOptions(c.imitation_lr));
  torch::optim::Adam ppo_opt(net->parameters(), torch::optim::AdamOptions(c.ppo_lr));
  std::vector<torch::Tensor> best;
  double best_error = std::numeric_limits<double>::infinity();
  std::string best_phase = "initial";
  int best_update = 0;
  const auto keep_if_best = [&](const std::string& phase, int update) {
    const double e = mean(validate(net, validation, c));
    if (e < best_error) {
      best_error = e;
      best_phase = phase;
      best_update = update;
      best.clear();
      for (const auto& p : net->parameters()) best.push_back(p.detach().clone());
    }
    return e;
  };
  keep_if_best("initial", 0);
  const int total = c.imitation_updates + c.updates;
  std::optional<ProgressBar> bar;
  if (c.progress) bar.emplace("scan-policy", static_cast<std::uint64_t>(std::max(total, 1)));
  nlohmann::json history = nlohmann::json::array();
  const int validate_every = std::max(1, total / 20);
  for (int u = 0; u < total; ++u) {
    const bool imitation = u < c.imitation_updates;
    // DAgger: follow the oracle at first, then ever more the policy's own choices.
    const double beta =
        imitation ? 1.0 - static_cast<double>(u) / std::max(1, c.imitation_updates) : 0.0;
    auto batch = collect(net, train, c, rng, imitation, beta);
    double mean_reward = 0.0;
    for (const float r : batch.ret) mean_reward += double{r};
    const double loss = learn(net, imitation ? imitation_opt : ppo_opt, batch, c, rng, imitation);
    std::string status = fmt::format("{} loss {:.4f}", imitation ? "imitation" : "ppo", loss);
    if ((u + 1) % validate_every == 0 || u + 1 == total || u + 1 == c.imitation_updates) {
      const double e = keep_if_best(imitation ? "imitation" : "ppo", u + 1);
      history.push_back({{"update", u + 1},
                         {"phase", imitation ? "imitation" : "ppo"},
                         {"loss", loss},
                         {"validation_error", e}});
      status += fmt::format(" val {:.4f}", e);
    }
    if (bar) bar->update(static_cast<std::uint64_t>(u + 1), status);
  }
  if (bar) bar->finish(fmt::format("best val {:.4f} ({})", best_error, best_phase));
  {
    const torch::NoGradGuard no_grad;
    auto params = net->parameters();
    for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(best[i]);
  }
  // Baselines on the same validation images at the same dose.
  const std::size_t count = count_at(c, c.eval_fraction);
  std::vector<double> raster;
  std::vector<double> random;
  for (std::size_t i = 0; i < validation.size(); ++i) {
    scan::ScanStrategyOptions o{.nx = c.truth.nx, .ny = c.truth.ny, .positions = count, .seed = i};
    auto r = scan::make_scan_strategy("raster_subsampled", o);
    const auto rc = scan::run_scan_strategy(
        *r, c.truth.nx, c.truth.ny, validation[i],
        scan::raster_subsample_positions(c.truth.nx, c.truth.ny, count).size());
    raster.push_back(rc.error.back());
    auto q = scan::make_scan_strategy("random", o);
    random.push_back(
        scan::run_scan_strategy(*q, c.truth.nx, c.truth.ny, validation[i], count).error.back());
  }
  const double learned = mean(validate(net, validation, c));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ml::ModelManifest manifest;
  manifest.kind = scan::kScanPolicyKind;
  manifest.architecture = scan::kScanPolicyArchitecture;
  manifest.architecture_params = {
      {"width", c.width},
      {"channels", scan::kScanFeatureChannels},
      {"features", "value, mask, nn-reconstruction, distance, local range, dose"}};
  manifest.training = config_json(c);
  manifest.data_seed = c.data_seed;
  manifest.metrics = {{"validation_fraction", c.eval_fraction},
                      {"validation_specimens", c.validation_specimens},
                      {"validation_nrmse_learned", learned},
                      {"validation_nrmse_raster_subsampled", mean(raster)},
                      {"validation_nrmse_random", mean(random)},
                      {"ratio_to_raster", learned / mean(raster)},
                      {"ratio_to_random", learned / mean(random)},
                      {"best_phase", best_phase},
                      {"best_update", best_update},
                      {"training_seconds", seconds},
                      {"history", history}};
  return ml::save_model(*net, c.out, manifest);
}

}  // namespace edgeloop
