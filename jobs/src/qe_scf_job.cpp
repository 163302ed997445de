#include "edgeloop/jobs/qe_scf_job.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "edgeloop/jobs/qe_templates.hpp"
#include "edgeloop/jobs/text_template.hpp"

namespace edgeloop::jobs {

namespace {

void check(bool ok, std::string_view parameter, const std::string& problem) {
  if (!ok) throw JobSpecError(fmt::format("QE SCF {}: {}", parameter, problem));
}

bool is_name(std::string_view text, std::string_view extra) {
  return !text.empty() && text.size() <= 128 && std::all_of(text.begin(), text.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

bool in_range(double value, double min, double max) {
  return std::isfinite(value) && value >= min && value <= max;
}

// Fortran reads these; "{}" would print 1e-08 or 12, both fine for a namelist, but fixed
// significant digits keep the input readable and stable.
std::string real(double value) {
  return fmt::format("{:.10g}", value);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<double> parse_double(std::string_view text) {
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::string_view pw_scf_template() {
  return detail::kPwScfTemplate;
}

QeScfJob::QeScfJob(QeScfParameters p) : parameters_(std::move(p)) {
  check(is_name(parameters_.prefix, "_-."), "prefix",
        "'" + parameters_.prefix + "' is not [A-Za-z0-9_.-]+");
  check(parameters_.element.size() <= 2 && !parameters_.element.empty() &&
            std::isupper(static_cast<unsigned char>(parameters_.element[0])) &&
            (parameters_.element.size() == 1 ||
             std::islower(static_cast<unsigned char>(parameters_.element[1]))),
        "element", "'" + parameters_.element + "' is not a chemical symbol");
  check(in_range(parameters_.atomic_mass, 0.5, 300.0), "atomic_mass", "must be 0.5..300 u");
  check(is_name(parameters_.pseudopotential, "_-.+"), "pseudopotential",
        "'" + parameters_.pseudopotential + "' is not a plain file name");
  const std::string dir = parameters_.pseudo_dir.string();
  check(!dir.empty() && dir.find_first_of("'\"\n") == std::string::npos, "pseudo_dir",
        "must be a path without quotes or newlines");
  check(in_range(parameters_.lattice_bohr, 1.0, 100.0), "lattice_bohr", "must be 1..100 bohr");
  check(in_range(parameters_.ecutwfc_ry, 1.0, 1000.0), "ecutwfc_ry", "must be 1..1000 Ry");
  for (const auto k : parameters_.kpoints) {
    check(k >= 1 && k <= 64, "kpoints", "each must be 1..64");
  }
  for (const auto s : parameters_.kshift) check(s <= 1, "kshift", "each must be 0 or 1");
  check(in_range(parameters_.conv_thr, 1e-14, 1e-2), "conv_thr", "must be 1e-14..1e-2 Ry");
  check(!parameters_.program.empty(), "program", "is empty");
}

std::string QeScfJob::render(const std::string& pseudo_dir) const {
  const auto& p = parameters_;
  const std::map<std::string, std::string> values{
      {"prefix", p.prefix},
      {"pseudo_dir", pseudo_dir},
      {"lattice_bohr", real(p.lattice_bohr)},
      {"ecutwfc_ry", real(p.ecutwfc_ry)},
      {"conv_thr", real(p.conv_thr)},
      {"element", p.element},
      {"atomic_mass", real(p.atomic_mass)},
      {"pseudopotential", p.pseudopotential},
      {"k1", std::to_string(p.kpoints[0])},
      {"k2", std::to_string(p.kpoints[1])},
      {"k3", std::to_string(p.kpoints[2])},
      {"shift1", std::to_string(p.kshift[0])},
      {"shift2", std::to_string(p.kshift[1])},
      {"shift3", std::to_string(p.kshift[2])},
  };
  return render_template(pw_scf_template(), values);
}

std::string QeScfJob::input_text() const {
  return render(parameters_.stage_pseudopotential ? "./pseudo" : parameters_.pseudo_dir.string());
}

JobSpec QeScfJob::spec(const ContentStore& store, const Uuid& run_id, std::string runner) const {
  const auto& p = parameters_;
  JobSpec spec;
  spec.run_id = run_id;
  spec.program = p.program;
  spec.program_version = p.program_version;
  spec.args = {"-in", "pw.in"};
  spec.inputs.push_back(store.put_bytes(input_text(), "pw.in"));
  if (p.stage_pseudopotential) {
    spec.inputs.push_back(
        store.put_file(p.pseudo_dir / p.pseudopotential, "pseudo/" + p.pseudopotential));
  }
  spec.cpus = p.cpus;
  spec.mpi_ranks = p.mpi_ranks;
  spec.time_limit_s = p.time_limit_s;
  spec.max_retries = p.max_retries;
  spec.runner = std::move(runner);
  validate(spec);
  return spec;
}

QeScfResult QeScfJob::parse_output(std::string_view text) {
  QeScfResult result;
  bool in_error = false;
  std::string error;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line = trim(text.substr(at, end - at));
    at = end + 1;
    if (line.starts_with("%%%%")) {
      if (in_error && !error.empty()) result.errors.push_back(error);
      error.clear();
      in_error = !in_error;
      continue;
    }
    if (in_error) {
      if (!line.empty()) error += (error.empty() ? "" : " ") + std::string(line);
      continue;
    }
    if (line.starts_with("Program PWSCF v.")) {
      const std::string_view rest = line.substr(16);
      result.program_version = std::string(rest.substr(0, rest.find(' ')));
    } else if (line.starts_with("!") && line.find("total energy") != std::string_view::npos) {
      // "!    total energy              =     -15.80731203 Ry"
      const std::size_t equals = line.find('=');
      const std::size_t unit = line.rfind("Ry");
      if (equals != std::string_view::npos && unit != std::string_view::npos && unit > equals) {
        if (const auto value = parse_double(trim(line.substr(equals + 1, unit - equals - 1)))) {
          result.total_energy_ry = *value;
        }
      }
    } else if (line.starts_with("convergence has been achieved in")) {
      // "convergence has been achieved in   6 iterations"
      result.converged = true;
      std::string_view rest = trim(line.substr(32));
      rest = rest.substr(0, rest.find(' '));
      int iterations = 0;
      const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), iterations);
      if (ec == std::errc{} && ptr == rest.data() + rest.size()) result.iterations = iterations;
    } else if (line.starts_with("convergence NOT achieved")) {
      result.converged = false;
    } else if (line == "JOB DONE.") {
      result.job_done = true;
    }
  }
  if (in_error && !error.empty()) result.errors.push_back(error);
  if (!result.converged) result.total_energy_ry.reset();
  return result;
}

QeScfResult QeScfJob::parse_output_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read pw.x output " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return parse_output(text.str());
}

}  // namespace edgeloop::jobs
