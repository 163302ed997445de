#include "edgeloop/pipeline/lossy/electron_counting_stage.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "edgeloop/pipeline/lossy/frame_pixels.hpp"
#include "parameter_reader.hpp"

namespace edgeloop::lossy {
namespace {

constexpr const char* kName = "electron_counting";
constexpr std::uint64_t kMostStoredEvents = 100'000'000;
constexpr std::size_t kEventColumns = 5;

Product scalar(const char* name, double value) {
  return Product{name, {value}, {1}};
}

}  // namespace

ElectronCountingStage::ElectronCountingStage() = default;

nlohmann::json ElectronCountingStage::apply_parameters(const nlohmann::json& parameters) {
  const detail::ParameterReader read(kName);
  if (!parameters.is_object()) {
    throw std::invalid_argument(std::string(kName) + ": parameters must be a table");
  }
  double gain = 1.0;
  std::optional<double> threshold;
  std::optional<double> min_cluster;
  double pedestal = 0.0;
  bool weight_by_charge = false;
  std::uint64_t max_stored = kDefaultMaxStoredEvents;
  std::string backend = "loop";
  for (const auto& [key, value] : parameters.items()) {
    if (key == "gain_adu") {
      gain = read.number(key, value, 0.0, false);
    } else if (key == "threshold_adu") {
      threshold = read.number(key, value, 0.0, true);
    } else if (key == "min_cluster_adu") {
      min_cluster = read.number(key, value, 0.0, true);
    } else if (key == "pedestal_adu") {
      pedestal = read.number(key, value, -std::numeric_limits<double>::max(), true);
    } else if (key == "weight_by_charge") {
      weight_by_charge = read.boolean(key, value);
    } else if (key == "max_stored_events") {
      max_stored = read.integer(key, value, 0, kMostStoredEvents);
    } else if (key == "backend") {
      if (!value.is_string()) read.fail(key, "must be a string");
      backend = value.get<std::string>();
      if (backend != "loop" && backend != "kokkos") {
        read.fail(key, "'" + backend + "' is not one of: loop, kokkos");
      }
    } else {
      read.unknown(key);
    }
  }
  ElectronCounterSettings s;
  s.gain_adu = gain;
  s.threshold_adu = threshold.value_or(0.15 * gain);
  s.min_cluster_adu = min_cluster.value_or(0.5 * gain);
  s.pedestal_adu = pedestal;
  s.weight_by_charge = weight_by_charge;

  // Everything is valid: commit, and start the run's state afresh.
  counter_.emplace(s);
  kokkos_.reset();
  if (backend == "kokkos") kokkos_.emplace(s);
  max_stored_events_ = static_cast<std::size_t>(max_stored);
  {
    const std::lock_guard lock(mutex_);
    rows_.clear();
    event_table_.clear();
    events_not_kept_ = 0;
    raw_bytes_ = 0.0;
  }
  return {{"gain_adu", s.gain_adu},
          {"threshold_adu", s.threshold_adu},
          {"min_cluster_adu", s.min_cluster_adu},
          {"pedestal_adu", s.pedestal_adu},
          {"weight_by_charge", s.weight_by_charge},
          {"max_stored_events", max_stored},
          {"backend", backend}};
}

void ElectronCountingStage::process_frame(const Frame& frame, std::vector<Product>& out) {
  if (!counter_) throw std::logic_error(std::string(kName) + ": not configured");
  const ImageShape shape = image_pixels(frame, kName, pixels_);
  events_.clear();
  const std::size_t raw_bytes = frame.pixels().size();
  CountingReport r;
  if (kokkos_) {
    const double charge = kokkos_->detect(pixels_, shape, events_);
    r = counter_->report(pixels_, shape, raw_bytes, events_, charge);
  } else {
    r = counter_->count(pixels_, shape, raw_bytes, events_);
  }

  double offset = -1.0;
  {
    const std::lock_guard lock(mutex_);
    const std::size_t kept = event_table_.size() / kEventColumns;
    if (!events_.empty() && kept + events_.size() <= max_stored_events_) {
      offset = static_cast<double>(kept);
      const auto sequence = static_cast<double>(frame.meta.sequence);
      for (const CountedEvent& e : events_) {
        event_table_.insert(event_table_.end(), {sequence, e.x, e.y, e.charge_adu, e.electrons});
      }
    } else {
      // A frame's events are kept whole or not at all, so an offset always means all of them.
      events_not_kept_ += events_.size();
    }
    rows_.push_back({static_cast<double>(frame.meta.sequence), static_cast<double>(r.events),
                     r.electrons_counted, r.electrons_integrated, r.counting_loss,
                     r.compression_ratio});
    raw_bytes_ += static_cast<double>(raw_bytes);
  }
  out.push_back(scalar("counted_electrons", r.electrons_counted));
  Product integrated = scalar("integrated_electrons", r.electrons_integrated);
  integrated.errors = {r.counting_loss_error * std::max(r.electrons_integrated, 1.0)};
  out.push_back(std::move(integrated));
  Product loss = scalar("counting_loss", r.counting_loss);
  loss.errors = {r.counting_loss_error};
  out.push_back(std::move(loss));
  out.push_back(scalar("counting_events", static_cast<double>(r.events)));
  out.push_back(scalar("counting_compression_ratio", r.compression_ratio));
  out.push_back(scalar("counting_event_offset", offset));
}

void ElectronCountingStage::snapshot_products(std::vector<Product>& out) const {
  const std::lock_guard lock(mutex_);
  double events = 0.0;
  double counted = 0.0;
  double integrated = 0.0;
  Product loss{"counting_loss_by_frame"};
  ProductAxis sequence{"sequence", "", {}};
  for (const FrameRow& row : rows_) {
    events += row.events;
    counted += row.counted;
    integrated += row.integrated;
    loss.values.push_back(row.loss);
    sequence.values.push_back(row.sequence);
  }
  const double kept = static_cast<double>(event_table_.size() / kEventColumns);
  const double event_bytes = std::max(events, 1.0) * static_cast<double>(sizeof(wire::Event));
  out.push_back(Product{"counting_summary",
                        {static_cast<double>(rows_.size()), events, counted, integrated,
                         (integrated - counted) / std::max(integrated, 1.0),
                         raw_bytes_ / event_bytes, kept, static_cast<double>(events_not_kept_)},
                        {8}});
  if (!rows_.empty()) {
    loss.shape = {static_cast<std::uint32_t>(rows_.size())};
    loss.axes.push_back(std::move(sequence));
    out.push_back(std::move(loss));
  }
}

void ElectronCountingStage::finish_products(std::vector<Product>& out) {
  snapshot_products(out);
  const std::lock_guard lock(mutex_);
  if (!rows_.empty()) {
    Product table{"counting_by_frame"};
    table.shape = {static_cast<std::uint32_t>(rows_.size()), 6};
    table.values.reserve(rows_.size() * 6);
    for (const FrameRow& r : rows_) {
      table.values.insert(table.values.end(), {r.sequence, r.events, r.counted, r.integrated,
                                               r.loss, r.compression_ratio});
    }
    out.push_back(std::move(table));
  }
  if (!event_table_.empty()) {
    out.push_back(Product{"electron_events",
                          event_table_,
                          {static_cast<std::uint32_t>(event_table_.size() / kEventColumns),
                           static_cast<std::uint32_t>(kEventColumns)},
                          {},
                          {},
                          ""});  // mixed columns: frame, px, px, ADU, electrons
  }
}

}  // namespace edgeloop::lossy
