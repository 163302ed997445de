// The acceptance test of the APT reductions: a simulated run, ranged with the simulator's own
// .rrng, must give the composition the simulated specimen really has, and its reconstruction
// must put the simulated clusters where they are.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "apt_stage_test_support.hpp"
#include "edgeloop/core/wire.hpp"
#include "edgeloop/pipeline/apt/apt_ranging_kernel.hpp"
#include "edgeloop/pipeline/apt/apt_ranging_stage.hpp"
#include "edgeloop/sims/apt_config.hpp"
#include "edgeloop/sims/apt_device.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop {
namespace {

using test::events_frame;

// A thin needle, small enough to evaporate in a second or two, with the default instrument
// (flight length, efficiency 0.6, image compression, background 1e-4 per pulse), so the
// stage's defaults fit it and the background is 2% of the hits at the default detection rate.
sims::AptConfig sim_config(std::uint64_t seed) {
  sims::AptConfig config;
  config.common.name = "sim-apt-dp-test";
  config.common.seed = seed;
  config.specimen.tip_radius_nm = 20.0;
  config.specimen.length_nm = 30.0;
  config.pulses_per_chunk = 100000;
  config.detection_rate = 0.005;
  config.voltage.start_v = 1200.0;
  config.realtime = false;
  return config;
}

// One chunk of the device as the daemon's ingest would hand it over: decoded, validated, and
// its events in a Frame.
Frame next_frame(sims::AptDevice& device, std::uint64_t sequence) {
  sims::MessageContext context;
  context.run = Uuid::from_halves(1, 2);
  context.sequence = sequence;
  const sims::DataMessage message = device.produce(context);
  const auto& part = message.parts.at(0);
  const std::span<const std::byte> bytes(part.data<std::byte>(), part.size());
  AlignedScratch scratch;
  const auto decoded = decode<wire::EventChunk>(bytes, scratch);
  if (!std::holds_alternative<const wire::EventChunk*>(decoded)) {
    ADD_FAILURE() << std::get<WireError>(decoded).detail;
    return {};
  }
  const wire::EventChunk* chunk = std::get<const wire::EventChunk*>(decoded);
  std::vector<wire::Event> events;
  if (chunk->events() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < chunk->events()->size(); ++i) {
      events.push_back(*chunk->events()->Get(i));
    }
  }
  Frame frame = events_frame(std::move(events), chunk->voltage_v(), chunk->sequence());
  frame.meta.first_pulse = chunk->first_pulse();
  frame.meta.pulses = chunk->pulses();
  return frame;
}

const Product& product(const std::vector<Product>& products, const std::string& name) {
  const auto it = std::find_if(products.begin(), products.end(),
                               [&](const Product& p) { return p.name == name; });
  if (it == products.end()) throw std::runtime_error("no product " + name);
  return *it;
}

class AptRangingSim : public test::KokkosTest {};

TEST_F(AptRangingSim, SimulatedRunRecoversTheSpecimensComposition) {
  testing::TempDir dir;
  sims::AptDevice device(sim_config(3));
  device.write_ranges(dir / "sim.rrng");
  AptRangingStage stage;
  // [40, 60) Da holds no peak of Al, Mg or Cu in either charge state (Cu2+ ends at 32.9,
  // Cu+ starts at 62.7). The sim's background is uniform in time of flight, hence
  // inverse_sqrt; the window is far from most ranges, where a flat model would be wrong by
  // sqrt(50 / 13) for the doubly charged peaks.
  stage.configure({{"ranges", (dir / "sim.rrng").string()},
                   {"background_window", {40.0, 60.0}},
                   {"background_model", "inverse_sqrt"},
                   {"background_subtract", true},
                   {"max_points", 1000000}});
  const nlohmann::json effective = stage.describe().parameters;
  const auto stage_elements = effective["elements"].get<std::vector<std::string>>();

  const std::vector<double> run{0.0};
  ASSERT_EQ(device.execute("pause", run, 1).status, wire::AckStatus::Done);
  // Per-event check on the way: the ranging kernel's verdict against each hit's true element.
  std::vector<double> low = effective["range_low"].get<std::vector<double>>();
  std::vector<double> high = effective["range_high"].get<std::vector<double>>();
  const auto range_ions = effective["range_ions"].get<std::vector<std::string>>();
  std::uint64_t ions = 0;
  std::uint64_t misranged = 0;
  std::uint64_t background_ranged = 0;
  double multiples = 0.0;
  std::uint64_t sequence = 0;
  std::vector<Product> per_chunk;
  while (device.has_data()) {
    const Frame frame = next_frame(device, sequence++);
    per_chunk.clear();
    stage.process(frame, per_chunk);
    ASSERT_EQ(per_chunk.size(), 3U);

    const auto events = frame.events();
    const auto& hits = device.last_hits();
    ASSERT_EQ(hits.size(), events.size());
    // Multiples from the ranks the instrument gives: a rank above 1, or a first hit followed
    // by a second.
    double in_multiples = 0.0;
    for (std::size_t i = 0; i < events.size(); ++i) {
      const bool next_is_second = i + 1 < events.size() && events[i + 1].weight() == 2.0F;
      if (events[i].weight() > 1.0F || next_is_second) in_multiples += 1.0;
    }
    const Product& chunk_ions = product(per_chunk, "chunk_ions");
    EXPECT_EQ(chunk_ions.values[0], static_cast<double>(events.size()));
    EXPECT_EQ(chunk_ions.values[3], in_multiples);
    EXPECT_EQ(chunk_ions.values[4], static_cast<double>(frame.meta.pulses));
    multiples += in_multiples;
    std::vector<double> mz(events.size());
    std::vector<std::int32_t> index(events.size());
    std::vector<std::uint64_t> spectrum(1);
    std::vector<std::uint64_t> counts(low.size() + 1);
    AptRangingOutputs out{mz, index, spectrum, counts};
    range_events_kokkos(events, frame.meta.voltage_v,
                        {{}, MassSpectrumBinning(0.0, 1.0, 1.0), low, high}, out);
    for (std::size_t i = 0; i < hits.size(); ++i) {
      if (hits[i].element == sims::AptHit::kBackground) {
        if (index[i] >= 0) ++background_ranged;
        continue;
      }
      ++ions;
      const std::string truth(device.specimen().elements()[hits[i].element]->symbol);
      if (index[i] < 0 || range_ions[static_cast<std::size_t>(index[i])] != truth) ++misranged;
    }
  }
  std::vector<Product> products;
  stage.finish(products);

  // What the simulated specimen really is: every atom whose ion reached the detector (the
  // analysed volume), counted by element as it evaporated.
  //
  // Why the measured composition should match it within counting error alone:
  // - Detection efficiency (0.6) drops each arriving ion with the same probability whatever
  //   its element or charge, so the recorded ions are a binomial thinning of the analysed atoms
  //   and their composition is unbiased. The spread of the recorded fraction about the analysed
  //   one is sqrt(p(1-p)(1-eta)/N): the stage's sqrt(p(1-p)/N) is larger by 1/sqrt(1-eta), so
  //   a 3-sigma test with it is conservative.
  // - Multiple hits: the simulator records every ion of a correlated burst (it models no
  //   detector dead time or pile-up), so multiples cost no ions; on a real detector, pile-up
  //   loses same-mass ions that arrive together and biases co-evaporating species low, which
  //   no counting error covers.
  // - Charge states: every isotope peak above 1e-3 of each element in both charge states has a
  //   range, so both states count; the few ions lost are the thermal tail beyond a range's
  //   heavy edge (10% of ions, exp(-dt/1 ns) beyond +0.4 Da: well under 1% of any element,
  //   about a tenth of sigma here) and those the timing jitter pushes out (negligible).
  // - Background (1e-4 hits per pulse, uniform in time of flight): about 2% of all hits, of
  //   which a few percent land in ranges, mostly in the many narrow Mg ranges. Uncorrected it
  //   would bias Mg (0.3 at.%) by more than sigma; the stage subtracts the estimate from the
  //   [40, 60) Da window, whose own Poisson error is far below sigma.
  const auto elements = device.specimen().elements();
  const auto& in_view = device.evaporation().in_view_per_element();
  const auto& recorded = device.evaporation().recorded_per_element();
  double in_view_total = 0.0;
  for (const auto n : in_view) in_view_total += static_cast<double>(n);

  const Product& composition = product(products, "composition");
  ASSERT_EQ(composition.values.size(), elements.size());
  ASSERT_EQ(composition.errors.size(), elements.size());
  const Product& element_counts = product(products, "element_counts");
  const std::vector<double> nominal = device.specimen().overall_composition();
  std::printf(
      "ions recorded %llu, misranged %llu, background hits in ranges %llu, hits in multiples "
      "%.0f\n",
      static_cast<unsigned long long>(ions), static_cast<unsigned long long>(misranged),
      static_cast<unsigned long long>(background_ranged), multiples);
  for (std::size_t e = 0; e < elements.size(); ++e) {
    const std::string symbol(elements[e]->symbol);
    const auto it = std::find(stage_elements.begin(), stage_elements.end(), symbol);
    ASSERT_NE(it, stage_elements.end()) << symbol;
    const auto k = static_cast<std::size_t>(it - stage_elements.begin());
    const double truth = static_cast<double>(in_view[e]) / in_view_total;
    const double measured = composition.values[k];
    const double sigma = composition.errors[k];
    std::printf(
        "%-2s true %.5f measured %.5f sigma %.5f (%.2f sigma)  nominal %.5f  recorded %llu "
        "ranged atoms %.1f\n",
        symbol.c_str(), truth, measured, sigma, (measured - truth) / sigma, nominal[e],
        static_cast<unsigned long long>(recorded[e]), element_counts.values[k]);
    EXPECT_LE(std::abs(measured - truth), 3.0 * sigma) << symbol;
    // The binomial error formula itself, from the stage's own atom counts.
    double total = 0.0;
    for (const double a : element_counts.values) total += a;
    EXPECT_NEAR(sigma, std::sqrt(measured * (1.0 - measured) / total), 1e-12);
  }
  EXPECT_GT(ions, 200000U) << "a few hundred thousand ions";
  // Ranging itself: the device's ranges give nearly every ion its own element.
  EXPECT_LT(static_cast<double>(misranged), 0.01 * static_cast<double>(ions));

  const Product& level = product(products, "background_level");
  std::printf("background level %.3f +- %.3f counts/Da at %.1f Da\n", level.values[0],
              level.errors[0], level.axes[0].values[0]);
  const Product& range_background = product(products, "range_background");
  double expected_in_ranges = 0.0;
  for (const double b : range_background.values) expected_in_ranges += b;
  std::printf("background expected in ranges %.1f, true %llu\n", expected_in_ranges,
              static_cast<unsigned long long>(background_ranged));
  // The estimator against the truth: Poisson scatter of both counts.
  EXPECT_NEAR(expected_in_ranges, static_cast<double>(background_ranged),
              4.0 * std::sqrt(static_cast<double>(background_ranged) + 1.0));
}

// How well a reconstruction shows the clusters the simulated specimen holds.
struct ClusterFinding {
  std::size_t checked = 0;      // clusters wholly inside the analysed volume
  std::size_t enriched = 0;     // of those, with most of the solute excess a true cluster gives
  double mean_offset_nm = 0.0;  // mean distance of the nearby solute centroid from the truth
  double max_depth_nm = 0.0;
};

ClusterFinding find_clusters(const sims::AptSpecimen& specimen, const Product& cloud,
                             const std::vector<std::string>& range_ions, const char* label) {
  struct Point {
    double x, y, z;
    bool solute;
  };
  std::vector<Point> points;
  ClusterFinding f;
  for (std::size_t i = 0; i < cloud.shape.at(0); ++i) {
    const double* row = &cloud.values[4 * i];
    if (row[3] < 0.0) continue;  // unranged: background
    const std::string& ion = range_ions.at(static_cast<std::size_t>(row[3]));
    points.push_back({row[0], row[1], row[2], ion == "Cu" || ion == "Mg"});
    f.max_depth_nm = std::max(f.max_depth_nm, row[2]);
  }
  double solute = 0.0;
  for (const Point& p : points) solute += p.solute ? 1.0 : 0.0;
  const double overall = solute / static_cast<double>(points.size());

  // The clusters wholly inside the analysed volume: below the first few nm (the apex needs a
  // few layers to reach its steady shape), above the end of the needle, and well inside the
  // field of view (the cap radius times the sine of the largest launch angle).
  const double length = specimen.settings().length_nm;
  const double sin_view = std::sin(PointProjection{}.max_launch_angle());
  // Solute: everything but the base element (listed first).
  const double cluster_solute = 1.0 - specimen.cluster_composition().front();
  const double matrix_solute = 1.0 - specimen.matrix_composition().front();
  for (const sims::AptCluster& c : specimen.clusters()) {
    const double rho = std::hypot(c.x, c.y);
    // Clusters under 1 nm hold a few dozen atoms, too few to tell from the matrix's noise.
    if (c.radius < 1.0) continue;
    if (c.depth - c.radius < 3.0 || c.depth + c.radius > length - 2.0) continue;
    if (rho + c.radius > 0.8 * sin_view * specimen.cap_radius(c.depth)) continue;
    // The solute fraction within the cluster's radius plus 1 nm of where it truly is. A
    // perfectly placed cluster fills (r / (r + 1))^3 of that sphere, 0.13 to 0.30 for radii of
    // 1 to 2 nm, so the fraction there would be about 0.06 to 0.11 against 0.02 to 0.025
    // overall; a cluster counts as found when at least half that excess is there. The
    // centroid of the solute ions within 3 nm more measures the offset.
    const double filled = std::pow(c.radius / (c.radius + 1.0), 3.0);
    const double expected = filled * cluster_solute + (1.0 - filled) * matrix_solute;
    double near = 0.0;
    double near_solute = 0.0;
    std::array<double, 3> centroid{0.0, 0.0, 0.0};
    double in_centroid = 0.0;
    for (const Point& p : points) {
      const double d = std::sqrt((p.x - c.x) * (p.x - c.x) + (p.y - c.y) * (p.y - c.y) +
                                 (p.z - c.depth) * (p.z - c.depth));
      if (d < c.radius + 1.0) {
        near += 1.0;
        near_solute += p.solute ? 1.0 : 0.0;
      }
      if (d < c.radius + 3.0 && p.solute) {
        centroid[0] += p.x;
        centroid[1] += p.y;
        centroid[2] += p.z;
        in_centroid += 1.0;
      }
    }
    ++f.checked;
    const double fraction = near > 0.0 ? near_solute / near : 0.0;
    if (fraction >= overall + 0.5 * (expected - overall)) ++f.enriched;
    std::array<double, 3> offset{0.0, 0.0, 0.0};
    if (in_centroid > 0.0) {
      offset = {centroid[0] / in_centroid - c.x, centroid[1] / in_centroid - c.y,
                centroid[2] / in_centroid - c.depth};
    }
    f.mean_offset_nm += std::hypot(offset[0], offset[1], offset[2]);
    std::printf(
        "%s: cluster at (%6.2f, %6.2f, %6.2f) r %.2f: solute %.3f of %4.0f ions near "
        "(placed perfectly %.3f, overall %.4f), solute centroid off by (%5.2f, %5.2f, %5.2f)\n",
        label, c.x, c.y, c.depth, c.radius, fraction, near, expected, overall, offset[0], offset[1],
        offset[2]);
  }
  if (f.checked > 0) f.mean_offset_nm /= static_cast<double>(f.checked);
  std::printf(
      "%s: reconstructed depth %.2f nm of a %.1f nm needle; %zu clusters, %zu enriched, "
      "mean offset %.2f nm\n",
      label, f.max_depth_nm, length, f.checked, f.enriched, f.mean_offset_nm);
  return f;
}

TEST_F(AptRangingSim, ReconstructionPutsTheClustersWhereTheyAre) {
  testing::TempDir dir;
  const sims::AptConfig config = sim_config(5);
  sims::AptDevice device(config);
  device.write_ranges(dir / "sim.rrng");
  // Two reconstructions of the same run. With the instrument's nominal k_f the tip radius
  // from the voltage comes out short: the controller holds the voltage where the apex
  // evaporates `ions per pulse`, i.e. at V = V_e (1 + s ln(ions per pulse)) with s the voltage
  // sensitivity, about 5% below V_e = k_f F R at 0.008 ions per pulse, so R is 5% small and the
  // depth (∝ 1 / R^2) 10% long. Calibrating k_f to that, as an analyst calibrates k_f against
  // a known length or plane spacing, removes both errors.
  const double ions_per_pulse = (config.detection_rate - config.evaporation.background_per_pulse) /
                                config.detector.efficiency;
  const double calibrated_kf =
      config.evaporation.field_factor *
      (1.0 + config.evaporation.voltage_sensitivity * std::log(ions_per_pulse));
  AptRangingStage nominal;
  AptRangingStage calibrated;
  nominal.configure({{"ranges", (dir / "sim.rrng").string()}, {"max_points", 1000000}});
  calibrated.configure({{"ranges", (dir / "sim.rrng").string()},
                        {"max_points", 1000000},
                        {"field_factor", calibrated_kf}});
  const auto range_ions =
      nominal.describe().parameters["range_ions"].get<std::vector<std::string>>();
  const std::vector<double> run{0.0};
  ASSERT_EQ(device.execute("pause", run, 1).status, wire::AckStatus::Done);
  std::uint64_t sequence = 0;
  std::vector<Product> per_chunk;
  while (device.has_data()) {
    const Frame frame = next_frame(device, sequence++);
    per_chunk.clear();
    nominal.process(frame, per_chunk);
    calibrated.process(frame, per_chunk);
  }
  std::vector<Product> nominal_products;
  std::vector<Product> calibrated_products;
  nominal.finish(nominal_products);
  calibrated.finish(calibrated_products);
  const Product& cloud = product(calibrated_products, "reconstruction");
  ASSERT_EQ(cloud.shape.size(), 2U);
  ASSERT_EQ(cloud.shape[1], 4U);
  ASSERT_EQ(cloud.values.size(), 4 * std::size_t{cloud.shape[0]});
  EXPECT_TRUE(cloud.units == "nm");

  const double length = device.specimen().settings().length_nm;
  const ClusterFinding coarse = find_clusters(
      device.specimen(), product(nominal_products, "reconstruction"), range_ions, "nominal k_f");
  const ClusterFinding fine = find_clusters(device.specimen(), cloud, range_ions, "calibrated");
  ASSERT_GE(fine.checked, 3U) << "the seed should put a few clusters in view";
  // Nominal: the right shape, depth long by the expected 10% or so (edge ions sit up to
  // R (1 - cos theta_max), 3 nm, below the apex), most clusters still found.
  EXPECT_NEAR(coarse.max_depth_nm, 1.1 * length, 0.15 * length);
  EXPECT_GE(static_cast<double>(coarse.enriched), 0.5 * static_cast<double>(coarse.checked));
  // Calibrated: every cluster in view enriched where it truly is, to within a nanometre.
  EXPECT_EQ(fine.enriched, fine.checked);
  EXPECT_LT(fine.mean_offset_nm, 1.0);
  EXPECT_LT(fine.max_depth_nm, length + 4.0);
}

// Not a test: how the composition pulls (measured - true) / sigma spread over seeds, with and
// without the background subtracted. Run with --gtest_also_run_disabled_tests.
TEST_F(AptRangingSim, DISABLED_CompositionPullsOverSeeds) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    testing::TempDir dir;
    sims::AptDevice device(sim_config(seed));
    device.write_ranges(dir / "sim.rrng");
    AptRangingStage raw;
    AptRangingStage corrected;
    raw.configure({{"ranges", (dir / "sim.rrng").string()}, {"reconstruction", false}});
    corrected.configure({{"ranges", (dir / "sim.rrng").string()},
                         {"reconstruction", false},
                         {"background_window", {40.0, 60.0}},
                         {"background_model", "inverse_sqrt"},
                         {"background_subtract", true}});
    const std::vector<double> run{0.0};
    ASSERT_EQ(device.execute("pause", run, 1).status, wire::AckStatus::Done);
    std::uint64_t sequence = 0;
    std::vector<Product> out;
    while (device.has_data()) {
      const Frame frame = next_frame(device, sequence++);
      raw.process(frame, out);
      corrected.process(frame, out);
      out.clear();
    }
    std::vector<Product> a;
    std::vector<Product> b;
    raw.finish(a);
    corrected.finish(b);
    const auto& in_view = device.evaporation().in_view_per_element();
    double total = 0.0;
    for (const auto n : in_view) total += static_cast<double>(n);
    const auto elements = raw.describe().parameters["elements"].get<std::vector<std::string>>();
    std::printf("seed %2llu:", static_cast<unsigned long long>(seed));
    for (std::size_t e = 0; e < in_view.size(); ++e) {
      const std::string symbol(device.specimen().elements()[e]->symbol);
      const auto k = static_cast<std::size_t>(std::find(elements.begin(), elements.end(), symbol) -
                                              elements.begin());
      const double truth = static_cast<double>(in_view[e]) / total;
      const Product& ca = product(a, "composition");
      const Product& cb = product(b, "composition");
      std::printf("  %s raw %+5.2f corrected %+5.2f", symbol.c_str(),
                  (ca.values[k] - truth) / ca.errors[k], (cb.values[k] - truth) / cb.errors[k]);
    }
    std::printf("\n");
  }
}

// Not a test: the stage's rate on this machine over a whole simulated default specimen
// (30 nm tip, 100 nm long: about 3.6 million hits at 0.005 hits per pulse), in chunks of the
// instrument's default 10 000 pulses (about 50 hits each) and of 10 and 100 times that. The
// chunks are produced beforehand so only the stage is timed. Run with
// --gtest_also_run_disabled_tests.
TEST_F(AptRangingSim, DISABLED_StageRate) {
  testing::TempDir dir;
  for (const std::uint64_t pulses : {10000U, 100000U, 1000000U}) {
    sims::AptConfig config = sim_config(1);
    config.specimen.tip_radius_nm = 30.0;
    config.specimen.length_nm = 100.0;
    config.pulses_per_chunk = pulses;
    sims::AptDevice device(config);
    device.write_ranges(dir / "sim.rrng");
    const std::vector<double> run{0.0};
    ASSERT_EQ(device.execute("pause", run, 1).status, wire::AckStatus::Done);
    std::vector<Frame> frames;
    std::size_t events = 0;
    while (device.has_data()) {
      frames.push_back(next_frame(device, frames.size()));
      events += frames.back().events().size();
    }
    const auto rate = [&](const char* label, const nlohmann::json& extra) {
      nlohmann::json parameters{{"ranges", (dir / "sim.rrng").string()}};
      parameters.update(extra);
      AptRangingStage stage;
      stage.configure(parameters);
      std::vector<Product> out;
      const auto start = std::chrono::steady_clock::now();
      for (const Frame& f : frames) {
        out.clear();
        stage.process(f, out);
      }
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const auto snap_start = std::chrono::steady_clock::now();
      out.clear();
      stage.snapshot(out);
      const double snap_ms =
          1e3 *
          std::chrono::duration<double>(std::chrono::steady_clock::now() - snap_start).count();
      std::printf(
          "%7llu pulses/chunk (%5.0f hits): %-30s %.2f million hits/s (%.1f us/chunk); "
          "snapshot %.1f ms\n",
          static_cast<unsigned long long>(pulses),
          static_cast<double>(events) / static_cast<double>(frames.size()), label,
          static_cast<double>(events) / seconds / 1e6,
          1e6 * seconds / static_cast<double>(frames.size()), snap_ms);
    };
    rate("ranging", {{"reconstruction", false}});
    rate("ranging, background", {{"reconstruction", false},
                                 {"background_window", {40.0, 60.0}},
                                 {"background_subtract", true}});
    rate("ranging, reconstruction 200k", nlohmann::json::object());
    rate("ranging, reconstruction 5M", {{"max_points", 5000000}});
  }
}

}  // namespace
}  // namespace edgeloop
