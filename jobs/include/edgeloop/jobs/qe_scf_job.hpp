// A Quantum ESPRESSO pw.x SCF job for a diamond-structure crystal: built from physical
// parameters, with the total energy and convergence read back from pw.x's output.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/core/uuid.hpp"
#include "edgeloop/jobs/content_store.hpp"
#include "edgeloop/jobs/job_spec.hpp"

namespace edgeloop::jobs {

struct QeScfParameters {
  std::string prefix = "si";
  std::string element = "Si";
  double atomic_mass = 28.086;  // u
  std::string pseudopotential = "Si.pz-vbc.UPF";
  std::filesystem::path pseudo_dir =
      "/usr/share/espresso/pseudo";               // Debian's quantum-espresso-data
  double lattice_bohr = 10.2;                     // celldm(1), the cubic lattice constant
  double ecutwfc_ry = 12.0;                       // plane-wave cut-off
  std::array<std::uint32_t, 3> kpoints{4, 4, 4};  // Monkhorst-Pack grid
  std::array<std::uint32_t, 3> kshift{1, 1, 1};   // 0 or 1 each
  double conv_thr = 1e-8;                         // Ry
  // The pseudopotential goes into the content store and the job directory, so the job's
  // provenance names its hash and the job does not depend on the compute node's files.
  bool stage_pseudopotential = true;

  // Job resources.
  std::string program = "pw.x";
  std::string program_version{};  // for provenance, e.g. "6.7"; the output names it as well
  std::uint32_t mpi_ranks = 0;    // 0: pw.x alone; N: mpirun -np N pw.x
  std::uint32_t cpus = 1;
  std::uint32_t time_limit_s = 600;
  std::uint32_t max_retries = 0;
};

// What pw.x reported. An SCF that did not converge or a run that stopped with an error has
// no total energy.
struct QeScfResult {
  std::optional<double> total_energy_ry{};  // the "!    total energy" line
  bool converged = false;                   // "convergence has been achieved"
  std::optional<int> iterations{};
  bool job_done = false;              // pw.x printed "JOB DONE." (it ended cleanly)
  std::string program_version{};      // e.g. "6.7MaX" from "Program PWSCF v.6.7MaX"
  std::vector<std::string> errors{};  // the text of pw.x's %%%% error blocks
};

class QeScfJob {
 public:
  // Validates the parameters (JobSpecError naming the parameter).
  explicit QeScfJob(QeScfParameters parameters);

  // The pw.x input; `pseudo_dir` as given, or "./pseudo" when the pseudopotential is staged.
  std::string input_text() const;
  // Puts the input (as "pw.in") and, when staged, the pseudopotential (as
  // "pseudo/<file>") into the store and returns the spec: `pw.x -in pw.in`, outputs
  // (outdir) in out/. std::runtime_error when the pseudopotential file cannot be read.
  JobSpec spec(const ContentStore& store, const Uuid& run_id, std::string runner) const;

  const QeScfParameters& parameters() const { return parameters_; }

  static QeScfResult parse_output(std::string_view text);
  // std::runtime_error naming the file when it cannot be read.
  static QeScfResult parse_output_file(const std::filesystem::path& file);

 private:
  std::string render(const std::string& pseudo_dir) const;

  QeScfParameters parameters_;
};

// The pw.x input template compiled into the library (jobs/templates/pw-scf.in).
std::string_view pw_scf_template();

}  // namespace edgeloop::jobs
