#include "edgeloop/pipeline/apt/apt_ranging_stage.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>

#include "edgeloop/core/sha256.hpp"
#include "edgeloop/pipeline/apt/apt_ranging_kernel.hpp"
#include "edgeloop/pipeline/apt/apt_reconstruction_kernel.hpp"

namespace edgeloop {
namespace {

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw std::invalid_argument("apt_ranging: 'ranges' cannot read '" + file.string() + "'");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw std::invalid_argument("apt_ranging: 'ranges' error reading '" + file.string() + "'");
  }
  return text.str();
}

ProductAxis index_axis(const char* name, std::size_t n) {
  ProductAxis axis{name, "", std::vector<double>(n)};
  for (std::size_t i = 0; i < n; ++i) axis.values[i] = static_cast<double>(i);
  return axis;
}

std::vector<double> poisson_errors(std::span<const double> counts) {
  std::vector<double> e(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) e[i] = std::sqrt(std::max(counts[i], 0.0));
  return e;
}

std::vector<double> to_double(std::span<const std::uint64_t> counts) {
  return {counts.begin(), counts.end()};
}

}  // namespace

nlohmann::json AptRangingStage::apply_parameters(const nlohmann::json& parameters) {
  AptRangingParameters p = parse_apt_ranging_parameters(parameters);
  const std::string text = read_text(p.ranges);
  formats::RangeTable table;
  try {
    // Overlapping ranges are refused here, by the reader, with both ranges named: an ion in
    // two ranges would be counted twice or arbitrarily.
    table = formats::parse_rrng(text, p.ranges.string());
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("apt_ranging: 'ranges' ") + e.what());
  }
  if (table.ranges().empty()) {
    throw std::invalid_argument("apt_ranging: 'ranges' " + p.ranges.string() + " has no ranges");
  }
  const MassSpectrumBinning binning(p.mz_min, p.mz_max, p.bin_width);
  std::optional<BackgroundEstimate> background;
  if (p.background_window) {
    const auto [low, high] = *p.background_window;
    for (const formats::Range& r : table.ranges()) {
      // A window holding a peak would count ions as background and subtract them twice.
      if (low < r.high && r.low < high) {
        throw std::invalid_argument("apt_ranging: 'background_window' [" + std::to_string(low) +
                                    ", " + std::to_string(high) + "] overlaps the range of " +
                                    r.ion_name() + " [" + std::to_string(r.low) + ", " +
                                    std::to_string(r.high) + "); choose a peak-free window");
      }
    }
    background.emplace(low, high, p.background_model);
  }

  // Everything validated: only now replace the state, so a refused configure leaves the stage
  // as it was.
  params_ = std::move(p);
  table_ = std::move(table);
  decomposition_ = IonDecomposition(table_);
  binning_ = binning;
  background_ = background;
  const std::size_t n = table_.ranges().size();
  range_low_.resize(n);
  range_high_.resize(n);
  range_share_.assign(n, 0.0);
  ion_volume_.assign(n + 1, 0.0);
  nlohmann::json ions = nlohmann::json::array();
  for (std::size_t r = 0; r < n; ++r) {
    const formats::Range& range = table_.ranges()[r];
    range_low_[r] = range.low;
    range_high_[r] = range.high;
    if (background_) range_share_[r] = background_->share(range.low, range.high);
    // The file's Vol: is the ion's volume as its author reconstructs with; 0 means unset.
    ion_volume_[r] = range.volume_nm3 > 0.0 ? range.volume_nm3 : params_.atomic_volume_nm3;
    ions.push_back(range.ion_name());
  }
  ion_volume_[n] = params_.count_unranged_volume ? params_.atomic_volume_nm3 : 0.0;

  spectrum_.assign(binning_.bins(), 0);
  range_counts_.assign(n + 1, 0);
  in_window_ = 0;
  apex_depth_nm_ = 0.0;
  reservoir_.reset();
  if (params_.reconstruction) reservoir_.emplace(params_.max_points, params_.seed);
  configured_ = true;

  nlohmann::json effective = to_json(params_);
  effective["elements"] = decomposition_.elements();
  effective["range_ions"] = std::move(ions);
  effective["range_low"] = range_low_;
  effective["range_high"] = range_high_;
  effective["spectrum_bins"] = binning_.bins();
  effective["mz_max"] = binning_.mz_max();
  effective["ranges_sha256"] = to_hex(Sha256::of(std::string_view(text)));
  return effective;
}

void AptRangingStage::process_frame(const Frame& frame, std::vector<Product>& out) {
  if (!configured_) throw std::logic_error("apt_ranging: process before configure");
  if (frame.meta.kind != FrameKind::Events) {
    throw std::invalid_argument("apt_ranging: frame " + std::to_string(frame.meta.sequence) +
                                " is not an event chunk");
  }
  const double voltage = frame.meta.voltage_v;
  if (!(voltage > 0.0) || !std::isfinite(voltage)) {
    throw std::invalid_argument("apt_ranging: chunk " + std::to_string(frame.meta.sequence) +
                                " has voltage " + std::to_string(voltage) +
                                " V; mass-to-charge needs a positive standing voltage");
  }
  const std::span<const wire::Event> events = frame.events();
  const std::size_t n = events.size();
  const std::size_t ranges = range_low_.size();
  mass_to_charge_.resize(n);
  range_index_.resize(n);
  chunk_counts_.assign(ranges + 1, 0);

  const AptRangingTables tables{params_.geometry,
                                binning_,
                                range_low_,
                                range_high_,
                                background_ ? background_->low() : 0.0,
                                background_ ? background_->high() : 0.0};
  AptRangingOutputs tally{mass_to_charge_, range_index_, spectrum_, chunk_counts_};
  range_events_kokkos(events, voltage, tables, tally);
  for (std::size_t r = 0; r <= ranges; ++r) range_counts_[r] += chunk_counts_[r];
  in_window_ += tally.in_window;

  if (reservoir_) {
    xyz_.resize(3 * n);
    reconstruct_events_kokkos(events, range_index_, ion_volume_, params_.projection, voltage,
                              apex_depth_nm_, xyz_);
    for (std::size_t i = 0; i < n; ++i) {
      reservoir_->offer(xyz_[3 * i], xyz_[3 * i + 1], xyz_[3 * i + 2], range_index_[i]);
    }
  }

  out.push_back(composition_product(chunk_counts_, tally.in_window));
  out.push_back(range_counts_product("ion_counts", chunk_counts_));
  const std::uint64_t unranged = chunk_counts_[ranges];
  out.push_back(Product{
      "chunk_ions",
      {static_cast<double>(n), static_cast<double>(n - unranged), static_cast<double>(unranged),
       static_cast<double>(tally.in_multiples), static_cast<double>(frame.meta.pulses)}});
}

std::vector<double> AptRangingStage::corrected_counts(std::span<const std::uint64_t> counts,
                                                      std::uint64_t in_window) const {
  std::vector<double> c = to_double(counts);
  if (params_.background_subtract && background_) {
    const auto window = static_cast<double>(in_window);
    for (std::size_t r = 0; r < range_share_.size(); ++r) c[r] -= window * range_share_[r];
  }
  return c;
}

Product AptRangingStage::composition_product(std::span<const std::uint64_t> counts,
                                             std::uint64_t in_window) const {
  const ElementComposition c = decomposition_.composition(corrected_counts(counts, in_window));
  return Product{
      "composition", c.fraction, {}, c.error, {index_axis("element", c.fraction.size())}, ""};
}

Product AptRangingStage::range_counts_product(const char* name,
                                              std::span<const std::uint64_t> counts) const {
  std::vector<double> values = to_double(counts);
  std::vector<double> errors = poisson_errors(values);
  return Product{
      name, std::move(values), {}, std::move(errors), {index_axis("range", counts.size())}, ""};
}

void AptRangingStage::snapshot_products(std::vector<Product>& out) const {
  if (!configured_) return;
  {
    std::vector<double> counts = to_double(spectrum_);
    std::vector<double> errors = poisson_errors(counts);
    out.push_back(Product{"mass_spectrum",
                          std::move(counts),
                          {},
                          std::move(errors),
                          {ProductAxis{"mass_to_charge", "Da", binning_.centres()}},
                          ""});
  }
  out.push_back(composition_product(range_counts_, in_window_));
  out.push_back(range_counts_product("ranged_counts", range_counts_));
  {
    const ElementComposition c =
        decomposition_.composition(corrected_counts(range_counts_, in_window_));
    std::vector<double> errors = poisson_errors(c.atoms);
    out.push_back(Product{"element_counts",
                          c.atoms,
                          {},
                          std::move(errors),
                          {index_axis("element", c.atoms.size())},
                          ""});
  }
  if (background_) {
    const auto window = static_cast<double>(in_window_);
    const double centre = 0.5 * (background_->low() + background_->high());
    const double level = background_->level(window, centre);
    // A Poisson count's relative error carries over to any scale derived from it.
    const double level_error = window > 0.0 ? level / std::sqrt(window) : 0.0;
    out.push_back(Product{"background_level",
                          {level},
                          {},
                          {level_error},
                          {ProductAxis{"mass_to_charge", "Da", {centre}}},
                          "counts/Da"});
    std::vector<double> expected(range_share_.size());
    std::vector<double> errors(range_share_.size());
    for (std::size_t r = 0; r < range_share_.size(); ++r) {
      expected[r] = window * range_share_[r];
      errors[r] = std::sqrt(window) * range_share_[r];
    }
    out.push_back(Product{"range_background",
                          std::move(expected),
                          {},
                          std::move(errors),
                          {index_axis("range", range_share_.size())},
                          ""});
  }
  if (reservoir_) {
    const auto points = reservoir_->points();
    out.push_back(Product{"reconstruction",
                          {points.begin(), points.end()},
                          {static_cast<std::uint32_t>(reservoir_->size()),
                           static_cast<std::uint32_t>(PointCloudReservoir::kColumns)},
                          {},
                          {},
                          "nm"});
  }
}

}  // namespace edgeloop
