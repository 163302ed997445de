#include "edgeloop/controllers/run_plan.hpp"

#include <stdexcept>
#include <utility>

namespace edgeloop {

namespace {

class RasterPlan final : public RunPlan {
 public:
  RasterPlan(std::uint32_t nx, std::uint32_t ny) : nx_(nx), ny_(ny), scan_(nx, ny) {}

  std::optional<PlanStep> next(const PlanProgress& /*progress*/) override {
    const auto point = scan_.next();
    if (!point) return std::nullopt;
    return PlanStep{.actuator = "scan_position",
                    .target = {point->x, point->y},
                    .cause = "raster_scan index=" + std::to_string(point->index),
                    .scan_index = point->index,
                    .frames = 1};
  }
  bool done() const override { return scan_.issued() >= scan_.size(); }
  std::uint64_t max_frames() const override { return scan_.size(); }
  std::vector<double> point_coordinates(std::int64_t i) const override {
    if (i < 0 || nx_ == 0) return {};
    const auto u = static_cast<std::uint64_t>(i);
    return {static_cast<double>(u % nx_), static_cast<double>(u / nx_)};
  }
  nlohmann::json to_json() const override { return {{"kind", "raster"}, {"nx", nx_}, {"ny", ny_}}; }

 private:
  std::uint32_t nx_;
  std::uint32_t ny_;
  RasterScan scan_;
};

class AcquisitionPlan final : public RunPlan {
 public:
  AcquisitionPlan(std::vector<std::vector<double>> points, std::uint32_t frames)
      : points_(std::move(points)), frames_(frames) {
    if (points_.empty() || frames_ == 0) {
      throw std::invalid_argument("an acquisition plan needs points and frames per point");
    }
    for (const auto& p : points_) {
      if (p.size() != 2 && p.size() != 3) {
        throw std::invalid_argument("an acquisition point is [x_mm, y_mm] or [x_mm, y_mm, T_c]");
      }
    }
  }

  std::optional<PlanStep> next(const PlanProgress& /*progress*/) override {
    if (done()) return std::nullopt;
    const auto& p = points_[point_];
    const auto index = static_cast<std::int64_t>(point_);
    const std::string where = "acquisition point=" + std::to_string(point_);
    PlanStep step;
    switch (substep_) {
      case 0:
        step = {.actuator = "stage_x", .target = {p[0]}, .cause = where, .scan_index = index};
        break;
      case 1:
        step = {.actuator = "stage_y", .target = {p[1]}, .cause = where, .scan_index = index};
        break;
      case 2:
        step = {.actuator = "temperature", .target = {p[2]}, .cause = where, .scan_index = index};
        break;
      default:
        step = {.actuator = "acquire",
                .target = {static_cast<double>(frames_)},
                .cause = where,
                .scan_index = index,
                .frames = frames_};
        break;
    }
    ++substep_;
    if (substep_ == 2 && p.size() == 2) substep_ = 3;  // no temperature at this point
    if (substep_ > 3) {
      substep_ = 0;
      ++point_;
    }
    return step;
  }
  bool done() const override { return point_ >= points_.size(); }
  std::uint64_t max_frames() const override {
    return static_cast<std::uint64_t>(points_.size()) * frames_;
  }
  std::vector<double> point_coordinates(std::int64_t i) const override {
    if (i < 0 || static_cast<std::size_t>(i) >= points_.size()) return {};
    return points_[static_cast<std::size_t>(i)];
  }
  nlohmann::json to_json() const override {
    return {{"kind", "acquisitions"}, {"points", points_}, {"frames_per_point", frames_}};
  }

 private:
  std::vector<std::vector<double>> points_;
  std::uint32_t frames_;
  std::size_t point_ = 0;
  int substep_ = 0;
};

class StreamPlan final : public RunPlan {
 public:
  StreamPlan(std::uint64_t chunks, double pulse_rate_hz, double detection_rate)
      : chunks_(chunks), pulse_rate_hz_(pulse_rate_hz), detection_rate_(detection_rate) {
    if (chunks_ == 0) throw std::invalid_argument("a stream plan needs at least one chunk");
  }

  std::optional<PlanStep> next(const PlanProgress& progress) override {
    switch (step_) {
      case 0:
        ++step_;
        return PlanStep{.actuator = "pulse_rate", .target = {pulse_rate_hz_}, .cause = "stream"};
      case 1:
        ++step_;
        return PlanStep{
            .actuator = "detection_rate", .target = {detection_rate_}, .cause = "stream"};
      case 2:
        ++step_;
        return PlanStep{.actuator = "pause",
                        .target = {0.0},
                        .cause = "stream open chunks=" + std::to_string(chunks_),
                        .opens_stream = true};
      case 3:
        if (progress.frames_received < chunks_) return std::nullopt;
        ++step_;
        return PlanStep{.actuator = "pause",
                        .target = {1.0},
                        .cause = "stream close after " + std::to_string(chunks_) + " chunks"};
      default:
        return std::nullopt;
    }
  }
  bool done() const override { return step_ >= 4; }
  // A stream that never opened has nothing to close: without this the run would wait for
  // chunks that cannot come.
  void refused(const PlanRefusal& refusal) override {
    if (refusal.actuator == "pause" && !refusal.target.empty() && refusal.target.front() == 0.0) {
      step_ = 4;
    }
  }
  // Chunks already on their way when the stream closes are still taken.
  std::uint64_t max_frames() const override { return chunks_ + kLateChunks; }
  std::uint64_t planned_frames() const override { return chunks_; }
  std::vector<double> point_coordinates(std::int64_t /*i*/) const override { return {}; }
  nlohmann::json to_json() const override {
    return {{"kind", "stream"},
            {"chunks", chunks_},
            {"pulse_rate_hz", pulse_rate_hz_},
            {"detection_rate", detection_rate_}};
  }

 private:
  static constexpr std::uint64_t kLateChunks = 1024;
  std::uint64_t chunks_;
  double pulse_rate_hz_;
  double detection_rate_;
  int step_ = 0;
};

class ExternalPlan final : public RunPlan {
 public:
  explicit ExternalPlan(std::uint64_t frames) : frames_(frames) {}
  std::optional<PlanStep> next(const PlanProgress& /*progress*/) override { return std::nullopt; }
  bool done() const override { return true; }
  std::uint64_t max_frames() const override { return frames_; }
  std::vector<double> point_coordinates(std::int64_t /*i*/) const override { return {}; }
  nlohmann::json to_json() const override { return {{"kind", "external"}, {"frames", frames_}}; }

 private:
  std::uint64_t frames_;
};

}  // namespace

std::unique_ptr<RunPlan> make_raster_plan(std::uint32_t nx, std::uint32_t ny) {
  return std::make_unique<RasterPlan>(nx, ny);
}

std::unique_ptr<RunPlan> make_acquisition_plan(std::vector<std::vector<double>> points,
                                               std::uint32_t frames_per_point) {
  return std::make_unique<AcquisitionPlan>(std::move(points), frames_per_point);
}

std::unique_ptr<RunPlan> make_stream_plan(std::uint64_t chunks, double pulse_rate_hz,
                                          double detection_rate) {
  return std::make_unique<StreamPlan>(chunks, pulse_rate_hz, detection_rate);
}

std::unique_ptr<RunPlan> make_external_plan(std::uint64_t frames) {
  return std::make_unique<ExternalPlan>(frames);
}

}  // namespace edgeloop
