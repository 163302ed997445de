#include "edgeloop/sims/phase_object_model.hpp"

#include <fftw3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <limits>
#include <new>
#include <numbers>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "edgeloop/sims/detector_psf.hpp"

namespace edgeloop::sims {
namespace {

using Complex = std::complex<double>;
constexpr double kTwoPi = 2.0 * std::numbers::pi;

// Two FFT pixels per detector pixel and axis, summed 2 x 2 into each detector pixel, as a
// pixel integrates the intensity over its area. Sampling spatial frequency this finely makes
// the real-space window twice as wide as the detector's pixel pitch would: wide enough to hold
// the probe's tails, which would otherwise wrap around the periodic window, meet the specimen
// on the wrong side and paint pixel-scale fringes across every disc.
constexpr std::uint32_t kOversample = 2;
// The grid spans 1.5 detector widths of spatial frequency (+-9 bright-field radii against the
// detector's +-6), so reflections and harmonics out to 12 radii fold onto frequencies off the
// detector rather than onto it; the weak third-order harmonics beyond are all that can fold on.
constexpr std::uint32_t kGridPerPixels = 3;  // N = kGridPerPixels x size
// The probe is apodised, multiplied by 1 out to kTaperStart of the window's half-width and then
// by a cosine taper to 0 at the half-width, so the last of its tails cannot wrap either. The
// defocused probe, |df| alpha + |Cs| alpha^3 in radius, must fit within kProbeFill of the
// half-width, inside the taper.
constexpr double kTaperStart = 0.8;
constexpr double kProbeFill = 0.6;
// The aperture's rim is at least this many detector pixels wide: a detector pixel cannot show
// a sharper one, and the probe's tails grow too long for the window as the rim sharpens.
constexpr double kMinimumRimPx = 1.0;
// Reflections closer than this to the grid's Nyquist frequency are left out of the potential:
// they land far off the detector, and sampling them would alias.
constexpr double kNyquistMargin = 0.9;
// Cosine terms of the potential: one per +-g pair of the first two shells (3 + 3 hexagonal).
constexpr std::size_t kMaxTerms = 6;
// Where the specimen is not one crystal, it is classified in blocks of 2 x 2 FFT pixels: block
// edges then show only at the grid's Nyquist frequency, off the detector, and a block (0.11 nm
// at 96 px, 300 kV, 2 mrad) is far finer than the probe.
constexpr std::uint32_t kBlock = 2;
constexpr std::uint32_t kTileBlocks = 8;
// Within one crystal the thickness is interpolated from a grid of nodes this many pixels apart.
constexpr std::uint32_t kNodeStep = 8;

struct FftwFree {
  void operator()(Complex* p) const noexcept { fftw_free(p); }
};
struct PlanDestroy {
  void operator()(fftw_plan p) const noexcept { fftw_destroy_plan(p); }
};
using Buffer = std::unique_ptr<Complex[], FftwFree>;
using Plan = std::unique_ptr<std::remove_pointer_t<fftw_plan>, PlanDestroy>;

Buffer allocate(std::size_t count) {
  // fftw_malloc aligns for FFTW's SIMD kernels, so any buffer can run any plan.
  void* p = fftw_malloc(sizeof(Complex) * count);
  if (p == nullptr) throw std::bad_alloc();
  return Buffer(static_cast<Complex*>(p));
}

// std::complex<double> and fftw_complex share their layout (FFTW manual 4.1.1).
fftw_complex* raw(Complex* p) {
  return reinterpret_cast<fftw_complex*>(p);
}

// Copies columns first, first + 1, ... (count of them, wrapping around) of an n x n
// row-major grid into the rows of `out` (count x n), eight rows at a time, so that reads and
// writes both stay within a few cache lines.
void gather_columns(const Complex* in, Complex* out, std::uint32_t n, std::uint32_t first,
                    std::uint32_t count) {
  constexpr std::uint32_t kTile = 8;
  for (std::uint32_t r0 = 0; r0 < n; r0 += kTile) {
    const std::uint32_t r1 = std::min(n, r0 + kTile);
    for (std::uint32_t c = 0; c < count; ++c) {
      const std::uint32_t column = (first + c) % n;
      Complex* dst = out + std::size_t{c} * n;
      for (std::uint32_t r = r0; r < r1; ++r) dst[r] = in[std::size_t{r} * n + column];
    }
  }
}

// exp(i x) for |x| up to about 1e6: reduced to [-pi/4, pi/4] by quarter turns, then Taylor
// polynomials good to 2e-14. The transmission function needs one per pixel, and libm's sincos
// call cost more than the FFTs; this is a few multiply-adds and no branches.
Complex unit_phasor(double x) {
  constexpr double kTwoOverPi = 2.0 / std::numbers::pi;
  // pi/2 split in two, so that q pi/2 is subtracted exactly for any q up to 2^20.
  constexpr double kHalfPiHigh = 1.5707963267341256;
  constexpr double kHalfPiLow = 6.077100506506192e-11;
  // Adding and subtracting 1.5 x 2^52 rounds to the nearest integer without a libm call.
  constexpr double kRound = 6755399441055744.0;
  const double q = (x * kTwoOverPi + kRound) - kRound;
  const double r = (x - q * kHalfPiHigh) - q * kHalfPiLow;
  const double r2 = r * r;
  const double sine =
      r *
      (1.0 + r2 * (-1.0 / 6.0 +
                   r2 * (1.0 / 120.0 +
                         r2 * (-1.0 / 5040.0 + r2 * (1.0 / 362880.0 + r2 * (-1.0 / 39916800.0 +
                                                                            r2 / 6227020800.0))))));
  const double cosine =
      1.0 + r2 * (-0.5 + r2 * (1.0 / 24.0 +
                               r2 * (-1.0 / 720.0 +
                                     r2 * (1.0 / 40320.0 +
                                           r2 * (-1.0 / 3628800.0 +
                                                 r2 * (1.0 / 479001600.0 - r2 / 87178291200.0))))));
  // Quarter turn k: (sin, cos) of r + k pi/2 is (s, c), (c, -s), (-s, -c) or (-c, s).
  const auto k = static_cast<std::uint64_t>(static_cast<std::int64_t>(q));
  const bool swap = (k & 1U) != 0U;
  const double sin_sign = (k & 2U) != 0U ? -1.0 : 1.0;
  const double cos_sign = ((k + 1U) & 2U) != 0U ? -1.0 : 1.0;
  return {cos_sign * (swap ? sine : cosine), sin_sign * (swap ? cosine : sine)};
}

// Grid index to signed offset from the probe (real space) or frequency index (reciprocal).
double signed_index(std::uint32_t i, std::uint32_t n) {
  return i < n / 2 ? static_cast<double>(i) : static_cast<double>(i) - static_cast<double>(n);
}

// The crystal potential of one lattice near the probe, as cosine terms separable over the
// window's columns and rows: cos(2 pi g . (r - origin)) = Re(column[m] row[n]).
struct Region {
  int phase = -1;
  LatticeFrame frame{};
  std::size_t terms = 0;
  std::array<double, kMaxTerms> amplitude{};         // phase per thickness unit, rad
  std::array<std::array<double, 2>, kMaxTerms> g{};  // 1/nm
  std::vector<Complex> column;                       // terms x N
  std::vector<Complex> row;                          // terms x N
};

}  // namespace

void PhaseObjectSettings::validate() const {
  if (!std::isfinite(thickness_unit_nm) || thickness_unit_nm <= 0.0 || thickness_unit_nm > 1e4) {
    throw std::invalid_argument(
        "PhaseObjectSettings: thickness_unit_nm must be within (0, 1e4], got " +
        std::to_string(thickness_unit_nm));
  }
  if (!std::isfinite(absorption_per_unit) || absorption_per_unit < 0.0 ||
      absorption_per_unit > 100.0) {
    throw std::invalid_argument(
        "PhaseObjectSettings: absorption_per_unit must be within 0..100, got " +
        std::to_string(absorption_per_unit));
  }
}

// Buffers for one computation of a pattern: render() keeps one in the engine, expected()
// makes its own.
struct PhaseObjectModel::Workspace {
  Workspace(std::uint32_t n, std::uint32_t size)
      : probe(allocate(std::size_t{n} * n)),
        wave(allocate(std::size_t{n} * n)),
        spectrum(allocate(std::size_t{n} * n)),
        columns(allocate(std::size_t{n} * n)),
        pattern(std::size_t{size} * size) {}

  Buffer probe;     // real-space probe, normalised so that its FFT has unit power
  Buffer wave;      // exit wave
  Buffer spectrum;  // its FFT along rows (also the reciprocal-space probe while one is built)
  Buffer columns;   // transposed columns, transformed again: the 2-D FFT, column by column
  double probe_defocus = std::numeric_limits<double>::quiet_NaN();  // what `probe` holds
  std::vector<double> pattern;         // expected counts on the detector, without dark counts
  std::vector<double> vacuum_pattern;  // the probe's own pattern, per electron
  double coherent = 1.0;               // share of the beam left in the elastic wave
  bool vacuum = false;  // the whole window is in the hole: the pattern is the probe's
  // Specimen sampling scratch.
  std::vector<Region> regions;
  std::vector<int> block_region;  // index into regions; -1: vacuum
  std::vector<double> block_thickness;
  std::vector<double> block_amplitude;  // exp(-absorption x thickness / 2)
  std::vector<int> block_strain;        // index into strain (x kMaxTerms); -1: none
  std::vector<Complex> strain;          // exp(-2 pi i g . u) per displaced block and term
  std::vector<double> node_thickness;
  std::vector<double> node_amplitude;
  std::vector<double> row_sum;
};

// The 2-D FFTs are made of contiguous 1-D transforms with cache-blocked transposes between
// them: FFTW_ESTIMATE's own 2-D plans walk the columns with a stride of a whole row and run up
// to ten times slower, and FFTW_MEASURE, which finds fast ones, takes a fraction of a second to
// plan and may pick different algorithms in different processes (frames would then differ in
// the last bit). The forward transform also skips the columns the detector does not see.
struct PhaseObjectModel::Engine {
  Engine(std::uint32_t n, std::uint32_t size, double psf_sigma) : work(n, size), psf(psf_sigma) {
    int length = static_cast<int>(n);
    const int all = static_cast<int>(n);
    rows_forward.reset(fftw_plan_many_dft(1, &length, all, raw(work.wave.get()), nullptr, 1, length,
                                          raw(work.spectrum.get()), nullptr, 1, length,
                                          FFTW_FORWARD, FFTW_ESTIMATE));
    columns_forward.reset(fftw_plan_many_dft(
        1, &length, static_cast<int>(kOversample * size), raw(work.columns.get()), nullptr, 1,
        length, raw(work.columns.get()), nullptr, 1, length, FFTW_FORWARD, FFTW_ESTIMATE));
    rows_backward.reset(fftw_plan_many_dft(1, &length, all, raw(work.columns.get()), nullptr, 1,
                                           length, raw(work.columns.get()), nullptr, 1, length,
                                           FFTW_BACKWARD, FFTW_ESTIMATE));
    if (!rows_forward || !columns_forward || !rows_backward) {
      throw std::runtime_error("PhaseObjectModel: FFTW planning failed");
    }
  }

  Workspace work;            // render()'s
  GaussianPsf psf;           // render()'s
  Plan rows_forward;         // wave -> spectrum, every row
  Plan columns_forward;      // in place on columns: the detector's columns
  Plan rows_backward;        // in place, every row
  std::vector<double> halo;  // diffuse halo, sums to 1
  // Per window row or column: the interval of thickness nodes it lies in, and where in it.
  std::vector<std::uint32_t> column_k;
  std::vector<double> column_f;
  // The apodised probe is 0 outside a disc of n/2 pixels: pixel (row, m) lies in it when
  // column_offset[m] <= row_reach[row] (row_reach is -1 for a row that misses it).
  std::vector<std::uint32_t> column_offset;
  std::vector<std::int64_t> row_reach;
};

PhaseObjectModel::PhaseObjectModel(Stem4DSpecimen specimen, DetectorSettings detector,
                                   ProbeOptics optics, PhaseObjectSettings settings,
                                   std::uint64_t seed)
    : PatternModel(std::move(specimen), detector, optics, seed),
      settings_(settings),
      grid_(kGridPerPixels * detector.size),
      window_nm_(kOversample * bright_field_radius() / this->optics().aperture_per_nm()) {
  settings.validate();
  // The grid (3 size) must split into halves of whole 2 x 2 blocks.
  if (detector.size % 4 != 0) {
    throw std::invalid_argument("PhaseObjectModel: detector size " + std::to_string(detector.size) +
                                " is not a multiple of 4");
  }
  const double alpha = this->optics().convergence_mrad * 1e-3;
  const double cs_nm = this->optics().cs_mm * 1e6;
  // Geometric radius of the probe: |df| alpha, plus Cs alpha^3 of spherical aberration.
  max_defocus_nm_ = std::max(
      0.0, (kProbeFill * 0.5 * window_nm_ - std::abs(cs_nm) * alpha * alpha * alpha) / alpha);
  engine_ = std::make_unique<Engine>(grid_, size(), detector.psf_sigma_px);
  engine_->halo = gaussian_halo(size() / 6.0);

  const std::uint32_t n = grid_;
  // Bilinear interpolation of node values across columns: node interval and fraction.
  const std::uint32_t nodes = (n + kNodeStep - 1) / kNodeStep;  // intervals
  engine_->column_offset.resize(n);
  engine_->row_reach.resize(n);
  for (std::uint32_t m = 0; m < n; ++m) {
    const double offset = std::abs(signed_index(m, n));
    engine_->column_offset[m] = static_cast<std::uint32_t>(offset);
    // The largest integer a with a^2 + offset^2 < (n/2)^2.
    const double room = 0.25 * n * n - offset * offset;
    auto a = room > 0.0 ? static_cast<std::int64_t>(std::ceil(std::sqrt(room))) - 1 : -1;
    while (a >= 0 &&
           static_cast<double>(a) * static_cast<double>(a) + offset * offset >= 0.25 * n * n)
      --a;
    engine_->row_reach[m] = a;
  }
  engine_->column_k.resize(n);
  engine_->column_f.resize(n);
  for (std::uint32_t m = 0; m < n; ++m) {
    const double position = (signed_index(m, n) + 0.5 * n) / kNodeStep;
    const auto k = std::min(static_cast<std::uint32_t>(position), nodes - 1);
    engine_->column_k[m] = k;
    engine_->column_f[m] = position - k;
  }
}

PhaseObjectModel::~PhaseObjectModel() = default;
PhaseObjectModel::PhaseObjectModel(PhaseObjectModel&& other) noexcept = default;

void PhaseObjectModel::build_probe(double defocus_nm, Workspace& work) const {
  const std::uint32_t n = grid_;
  const double dk = 1.0 / window_nm_;
  const double k_alpha = optics().aperture_per_nm();
  const double wavelength = optics().wavelength_nm();
  const double edge =
      std::max(optics().aperture_edge_mrad * 1e-3 / wavelength, kMinimumRimPx * kOversample * dk);
  const double reach = k_alpha + 0.5 * edge;
  // Samples sit at half-integer frequencies, (index + 1/2) dk: the pattern's centre then falls
  // between FFT pixels, and between the four middle detector pixels, where
  // PatternModel::centre() puts it.
  double power = 0.0;
  for (std::uint32_t u = 0; u < n; ++u) {
    const double ky = (signed_index(u, n) + 0.5) * dk;
    for (std::uint32_t v = 0; v < n; ++v) {
      const double kx = (signed_index(v, n) + 0.5) * dk;
      const double k2 = kx * kx + ky * ky;
      Complex& p = work.spectrum[std::size_t{u} * n + v];
      if (k2 > reach * reach) {
        p = 0.0;
        continue;
      }
      const double k = std::sqrt(k2);
      // A soft rim: the amplitude falls as a raised cosine across `edge`, centred on
      // alpha / lambda; without kinks, the probe's tails fade fast enough for the window.
      const double across = std::clamp((k - k_alpha) / edge + 0.5, 0.0, 1.0);
      const double aperture = 0.5 + 0.5 * std::cos(std::numbers::pi * across);
      p = std::polar(aperture, -optics().aberration(k2, defocus_nm));
      power += aperture * aperture;
    }
  }
  const double scale = 1.0 / std::sqrt(power);
  for (std::size_t p = 0; p < std::size_t{n} * n; ++p) work.spectrum[p] *= scale;
  // Rows, transpose, rows again (the columns), transpose back; the spectrum keeps P(k).
  fftw_plan rows = engine_->rows_backward.get();
  gather_columns(work.spectrum.get(), work.columns.get(), n, 0, n);
  fftw_execute_dft(rows, raw(work.columns.get()), raw(work.columns.get()));
  gather_columns(work.columns.get(), work.wave.get(), n, 0, n);
  fftw_execute_dft(rows, raw(work.wave.get()), raw(work.wave.get()));
  // FFTW's transforms are unnormalised: forward after backward multiplies by N^2.
  const double inverse = 1.0 / (static_cast<double>(n) * n);
  const double taper_start = kTaperStart * 0.5 * window_nm_;
  const double taper_width = 0.5 * window_nm_ - taper_start;
  const double dx = window_nm_ / n;
  double kept = 0.0;
  for (std::uint32_t row = 0; row < n; ++row) {
    const double ry = signed_index(row, n) * dx;
    for (std::uint32_t m = 0; m < n; ++m) {
      const double r = std::hypot(signed_index(m, n) * dx, ry);
      const double w =
          r <= taper_start ? 1.0
          : r >= 0.5 * window_nm_
              ? 0.0
              : 0.5 + 0.5 * std::cos(std::numbers::pi * (r - taper_start) / taper_width);
      const std::size_t p = std::size_t{row} * n + m;
      work.probe[p] = w * inverse * work.wave[p];
      kept += std::norm(work.probe[p]);
    }
  }
  // Unit power again (Parseval: 1/N^2 in real space), then the probe's own pattern.
  const double renormalise = 1.0 / (std::sqrt(kept) * n);
  for (std::size_t p = 0; p < std::size_t{n} * n; ++p) {
    work.probe[p] *= renormalise;
    work.wave[p] = work.probe[p];
  }
  transform_to_detector(work, 1.0, work.vacuum_pattern);
  work.probe_defocus = defocus_nm;
}

void PhaseObjectModel::fill_exit_wave(double x, double y, Workspace& work) const {
  const std::uint32_t n = grid_;
  const Stem4DSpecimen& sample = specimen();
  const double unit = sample.nm_per_unit();
  const double dx = window_nm_ / n;  // nm per real-space pixel
  const double sigma = optics().interaction_constant();
  const double nyquist = kNyquistMargin * 0.5 * n / window_nm_;
  const double absorption = settings_.absorption_per_unit;
  const auto offset = [&](double index) { return index * dx / unit; };  // scan units

  const Stem4DSpecimen::Neighbourhood near =
      sample.neighbourhood(x, y, 0.5 * std::numbers::sqrt2 * window_nm_ / unit);
  work.vacuum = false;
  work.regions.clear();
  const auto region_for = [&](int phase, const LatticeFrame& frame) -> int {
    for (std::size_t r = 0; r < work.regions.size(); ++r) {
      const Region& known = work.regions[r];
      if (known.phase == phase && known.frame.orientation == frame.orientation &&
          known.frame.origin == frame.origin) {
        return static_cast<int>(r);
      }
    }
    const Phase& p = Stem4DSpecimen::phases()[static_cast<std::size_t>(phase)];
    Region region;
    region.phase = phase;
    region.frame = frame;
    // The position of the window's centre relative to the lattice origin, in cycles of each
    // reflection, reduced to a fraction so the large scan coordinates cost no precision.
    const double rx = (x - frame.origin[0]) * unit;
    const double ry = (y - frame.origin[1]) * unit;
    for (const Reflection& r : reflections(p.lattice)) {
      // One term per +-g pair; V(-g) = V(g) is real (a centrosymmetric potential), so each
      // pair contributes 2 V(g) cos(2 pi g . r). Second-order coefficients are half as strong.
      if (r.angle >= std::numbers::pi - 1e-9 || p.g_per_nm * r.length >= nyquist) continue;
      const double potential = r.order == 1 ? p.potential_v : 0.5 * p.potential_v;
      const double angle = frame.orientation + r.angle;
      const std::size_t t = region.terms++;
      region.amplitude[t] = 2.0 * sigma * potential * settings_.thickness_unit_nm;
      region.g[t] = {p.g_per_nm * r.length * std::cos(angle),
                     p.g_per_nm * r.length * std::sin(angle)};
    }
    region.column.resize(region.terms * n);
    region.row.resize(region.terms * n);
    for (std::size_t t = 0; t < region.terms; ++t) {
      const auto [gx, gy] = region.g[t];
      double cycles = gx * rx + gy * ry;
      cycles -= std::floor(cycles);
      for (std::uint32_t i = 0; i < n; ++i) {
        const double s = signed_index(i, n) * dx;
        region.column[t * n + i] = unit_phasor(kTwoPi * gx * s);
        region.row[t * n + i] = unit_phasor(kTwoPi * (cycles + gy * s));
      }
    }
    work.regions.push_back(std::move(region));
    return static_cast<int>(work.regions.size() - 1);
  };

  const Complex* probe = work.probe.get();
  Complex* wave = work.wave.get();
  const auto& reach = engine_->row_reach;
  const auto& column_offset = engine_->column_offset;
  double coherent = 0.0;
  work.row_sum.resize(n);

  if (near.uniform) {
    const SpecimenPoint centre = sample.at(x, y, near);
    if (centre.vacuum) {
      work.vacuum = true;
      work.coherent = 1.0;
      return;
    }
    const Region& region =
        work.regions[static_cast<std::size_t>(region_for(centre.phase, centre.lattice))];
    // One crystal: only the (smooth) thickness varies, so sample it on coarse nodes.
    const std::uint32_t nodes = (n + kNodeStep - 1) / kNodeStep + 1;
    work.node_thickness.resize(std::size_t{nodes} * nodes);
    work.node_amplitude.resize(std::size_t{nodes} * nodes);
    for (std::uint32_t a = 0; a < nodes; ++a) {
      const double ny = y + offset(a * static_cast<double>(kNodeStep) - 0.5 * n);
      for (std::uint32_t b = 0; b < nodes; ++b) {
        const double nx = x + offset(b * static_cast<double>(kNodeStep) - 0.5 * n);
        const double tau = sample.at(nx, ny, near).thickness;
        work.node_thickness[std::size_t{a} * nodes + b] = tau;
        work.node_amplitude[std::size_t{a} * nodes + b] = std::exp(-0.5 * absorption * tau);
      }
    }
    const auto& ck = engine_->column_k;
    const auto& cf = engine_->column_f;
    for (std::uint32_t row = 0; row < n; ++row) {
      const std::size_t base = std::size_t{row} * n;
      std::fill(work.row_sum.begin(), work.row_sum.end(), 0.0);
      for (std::size_t t = 0; t < region.terms; ++t) {
        const Complex yr = region.row[t * n + row];
        const double re = yr.real();
        const double im = yr.imag();
        const double amp = region.amplitude[t];
        const Complex* col = region.column.data() + t * n;
        for (std::uint32_t m = 0; m < n; ++m) {
          work.row_sum[m] += amp * (col[m].real() * re - col[m].imag() * im);
        }
      }
      const std::uint32_t ka = ck[row];
      const double fa = cf[row];
      const double* t0 = work.node_thickness.data() + std::size_t{ka} * nodes;
      const double* t1 = t0 + nodes;
      const double* a0 = work.node_amplitude.data() + std::size_t{ka} * nodes;
      const double* a1 = a0 + nodes;
      for (std::uint32_t m = 0; m < n; ++m) {
        if (column_offset[m] > reach[row]) {
          wave[base + m] = 0.0;  // outside the apodised probe
          continue;
        }
        const std::uint32_t kb = ck[m];
        const double fb = cf[m];
        const auto lerp2 = [&](const double* r0, const double* r1) {
          const double top = r0[kb] + fb * (r0[kb + 1] - r0[kb]);
          const double bottom = r1[kb] + fb * (r1[kb + 1] - r1[kb]);
          return top + fa * (bottom - top);
        };
        const double tau = lerp2(t0, t1);
        const double amplitude = lerp2(a0, a1);
        const double phase = tau * work.row_sum[m];
        const Complex p = probe[base + m];
        wave[base + m] = p * (amplitude * unit_phasor(phase));
        coherent += std::norm(p) * amplitude * amplitude;
      }
    }
  } else {
    // Several crystals, the hole's edge or a defect under the probe. The window is classified
    // in blocks of kBlock x kBlock pixels, gathered into tiles of kTileBlocks x kTileBlocks
    // blocks: a tile that holds one crystal (most do, since boundaries are lines) is classified
    // once, with its thickness interpolated from its corners; only the others block by block.
    // Blocks and tiles count from the window's edge at offset -n/2 ("signed order").
    const std::uint32_t half = n / 2;
    const std::uint32_t blocks = n / kBlock;
    work.block_region.assign(std::size_t{blocks} * blocks, -1);
    work.block_thickness.resize(work.block_region.size());
    work.block_amplitude.resize(work.block_region.size());
    work.block_strain.assign(work.block_region.size(), -1);
    work.strain.clear();
    // Offset of a block's centre from the probe, in pixels.
    const auto block_offset = [&](std::uint32_t b) { return kBlock * (b + 0.5) - 0.5 - half; };
    const auto classify_block = [&](std::uint32_t a, std::uint32_t b,
                                    const Stem4DSpecimen::Neighbourhood& local) {
      const std::size_t index = std::size_t{a} * blocks + b;
      const SpecimenPoint point =
          sample.at(x + offset(block_offset(b)), y + offset(block_offset(a)), local);
      if (point.vacuum) return;
      const int r = region_for(point.phase, point.lattice);
      work.block_region[index] = r;
      work.block_thickness[index] = point.thickness;
      work.block_amplitude[index] = std::exp(-0.5 * absorption * point.thickness);
      if (point.displacement[0] != 0.0 || point.displacement[1] != 0.0) {
        // A strain field shifts the lattice by u: each term picks up exp(-2 pi i g . u).
        const Region& region = work.regions[static_cast<std::size_t>(r)];
        work.block_strain[index] = static_cast<int>(work.strain.size() / kMaxTerms);
        for (std::size_t t = 0; t < kMaxTerms; ++t) {
          const double shift = t < region.terms ? (region.g[t][0] * point.displacement[0] +
                                                   region.g[t][1] * point.displacement[1]) *
                                                      unit
                                                : 0.0;
          work.strain.push_back(unit_phasor(-kTwoPi * shift));
        }
      }
    };
    const double disc = 0.5 * n;  // the apodised probe's radius, in pixels
    for (std::uint32_t a0 = 0; a0 < blocks; a0 += kTileBlocks) {
      const std::uint32_t a1 = std::min(blocks, a0 + kTileBlocks);
      for (std::uint32_t b0 = 0; b0 < blocks; b0 += kTileBlocks) {
        const std::uint32_t b1 = std::min(blocks, b0 + kTileBlocks);
        // Centre and half-diagonal of the tile's block centres, in pixels.
        const double cy = 0.5 * (block_offset(a0) + block_offset(a1 - 1));
        const double cx = 0.5 * (block_offset(b0) + block_offset(b1 - 1));
        const double radius = 0.5 * std::hypot(block_offset(a1 - 1) - block_offset(a0),
                                               block_offset(b1 - 1) - block_offset(b0));
        if (std::hypot(cx, cy) > disc + radius + kBlock) continue;  // where the probe is 0
        const Stem4DSpecimen::Neighbourhood tile =
            sample.neighbourhood(x + offset(cx), y + offset(cy), offset(radius) * 1.001, near);
        if (!tile.uniform) {
          for (std::uint32_t a = a0; a < a1; ++a) {
            for (std::uint32_t b = b0; b < b1; ++b) classify_block(a, b, tile);
          }
          continue;
        }
        const SpecimenPoint point = sample.at(x + offset(cx), y + offset(cy), tile);
        if (point.vacuum) continue;
        const int r = region_for(point.phase, point.lattice);
        const auto thickness = [&](std::uint32_t a, std::uint32_t b) {
          return sample.at(x + offset(block_offset(b)), y + offset(block_offset(a)), tile)
              .thickness;
        };
        const double t00 = thickness(a0, b0);
        const double t01 = thickness(a0, b1 - 1);
        const double t10 = thickness(a1 - 1, b0);
        const double t11 = thickness(a1 - 1, b1 - 1);
        for (std::uint32_t a = a0; a < a1; ++a) {
          const double fa = a1 - 1 > a0 ? static_cast<double>(a - a0) / (a1 - 1 - a0) : 0.0;
          for (std::uint32_t b = b0; b < b1; ++b) {
            const double fb = b1 - 1 > b0 ? static_cast<double>(b - b0) / (b1 - 1 - b0) : 0.0;
            const double tau =
                (1.0 - fa) * ((1.0 - fb) * t00 + fb * t01) + fa * ((1.0 - fb) * t10 + fb * t11);
            const std::size_t index = std::size_t{a} * blocks + b;
            work.block_region[index] = r;
            work.block_thickness[index] = tau;
            work.block_amplitude[index] = std::exp(-0.5 * absorption * tau);
          }
        }
      }
    }
    for (std::uint32_t row = 0; row < n; ++row) {
      const std::size_t base = std::size_t{row} * n;
      const std::size_t block_row = std::size_t{((row + half) % n) / kBlock} * blocks;
      for (std::uint32_t m = 0; m < n; ++m) {
        if (column_offset[m] > reach[row]) {
          wave[base + m] = 0.0;
          continue;
        }
        const std::size_t block = block_row + ((m + half) % n) / kBlock;
        const Complex p = probe[base + m];
        const int r = work.block_region[block];
        if (r < 0) {
          wave[base + m] = p;
          coherent += std::norm(p);
          continue;
        }
        const Region& region = work.regions[static_cast<std::size_t>(r)];
        const int strained = work.block_strain[block];
        double sum = 0.0;
        for (std::size_t t = 0; t < region.terms; ++t) {
          Complex term = region.column[t * n + m] * region.row[t * n + row];
          if (strained >= 0) {
            term *= work.strain[static_cast<std::size_t>(strained) * kMaxTerms + t];
          }
          sum += region.amplitude[t] * term.real();
        }
        const double phase = work.block_thickness[block] * sum;
        const double amplitude = work.block_amplitude[block];
        wave[base + m] = p * (amplitude * unit_phasor(phase));
        coherent += std::norm(p) * amplitude * amplitude;
      }
    }
  }
  // Parseval: the probe holds 1/N^2 of power in real space for unit power in reciprocal space.
  work.coherent = coherent * static_cast<double>(n) * n;
}

void PhaseObjectModel::transform_to_detector(Workspace& work, double scale,
                                             std::vector<double>& out) const {
  const std::uint32_t n = grid_;
  const std::uint32_t s = size();
  const std::uint32_t fine = kOversample * s;  // FFT pixels across the detector
  out.assign(pixel_count(), 0.0);
  fftw_execute_dft(engine_->rows_forward.get(), raw(work.wave.get()), raw(work.spectrum.get()));
  // Only the detector's columns, fine frequencies -fine/2..fine/2-1, go on to the second pass.
  gather_columns(work.spectrum.get(), work.columns.get(), n, n - fine / 2, fine);
  fftw_execute_dft(engine_->columns_forward.get(), raw(work.columns.get()),
                   raw(work.columns.get()));
  for (std::uint32_t c = 0; c < fine; ++c) {
    const Complex* column = work.columns.get() + std::size_t{c} * n;
    const std::uint32_t j = c / kOversample;
    for (std::uint32_t r = 0; r < fine; ++r) {
      out[std::size_t{r / kOversample} * s + j] +=
          scale * std::norm(column[(r + n - fine / 2) % n]);
    }
  }
}

void PhaseObjectModel::compute(double x, double y, const ProbeState& probe, Workspace& work) const {
  std::fill(work.pattern.begin(), work.pattern.end(), 0.0);
  if (probe.electrons <= 0.0) return;
  // Compared bit for bit: a cached probe is reused only for exactly the same defocus.
  if (!(work.probe_defocus == probe.defocus_nm)) build_probe(probe.defocus_nm, work);
  fill_exit_wave(x, y, work);
  const double electrons = probe.electrons;
  if (work.vacuum) {
    for (std::size_t p = 0; p < work.pattern.size(); ++p) {
      work.pattern[p] = electrons * work.vacuum_pattern[p];
    }
    return;
  }
  transform_to_detector(work, electrons, work.pattern);
  if (settings_.thermal_diffuse) {
    const double diffuse = electrons * std::max(0.0, 1.0 - work.coherent);
    for (std::size_t p = 0; p < work.pattern.size(); ++p) {
      work.pattern[p] += diffuse * engine_->halo[p];
    }
  }
}

void PhaseObjectModel::render_counts(double x, double y, const ProbeState& probe, Counts out) {
  Workspace& work = engine_->work;
  compute(x, y, probe, work);
  engine_->psf.apply(work.pattern, size());
  Xoshiro256 rng(noise_seed(x, y, probe.visit));
  std::visit(
      [&](auto pixels) {
        counter_.count(work.pattern, detector().dark_counts_per_pixel, rng, pixels);
      },
      out);
}

void PhaseObjectModel::expected_counts(double x, double y, const ProbeState& probe,
                                       std::span<double> out) const {
  Workspace work(grid_, size());
  compute(x, y, probe, work);
  GaussianPsf(detector().psf_sigma_px).apply(work.pattern, size());
  for (std::size_t p = 0; p < out.size(); ++p) {
    out[p] = work.pattern[p] + detector().dark_counts_per_pixel;
  }
}

}  // namespace edgeloop::sims
