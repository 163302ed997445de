#include "edgeloop/jobs/qe_scf_job.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>

#include "edgeloop/jobs/local_runner.hpp"
#include "edgeloop/jobs/text_template.hpp"
#include "jobs_test_support.hpp"

namespace edgeloop::jobs {
namespace {

using namespace std::chrono_literals;
using testing::RunnerEnvironment;

// Lines of a real pw.x 6.7 run of the Si example (jobs/templates/pw-scf.in with defaults).
constexpr std::string_view kConvergedOutput = R"(
     Program PWSCF v.6.7MaX starts on 25Nov2026 at 14:47:20

     total energy              =     -15.80731200 Ry
     estimated scf accuracy    <       0.00000004 Ry

     highest occupied level (ev):     5.9963

!    total energy              =     -15.80731203 Ry
     estimated scf accuracy    <          1.9E-11 Ry

     convergence has been achieved in   6 iterations

   JOB DONE.
)";

constexpr std::string_view kFailedOutput = R"(
     Program PWSCF v.6.7MaX starts on 25Nov2026 at 14:47:20

 %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%
     Error in routine readpp (1):
     file /usr/share/espresso/pseudo/Missing.UPF not found
 %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%

     stopping ...
)";

TEST(QeScfJob, ParsesTheTotalEnergyAndConvergence) {
  const QeScfResult result = QeScfJob::parse_output(kConvergedOutput);
  ASSERT_TRUE(result.total_energy_ry);
  EXPECT_DOUBLE_EQ(*result.total_energy_ry, -15.80731203);
  EXPECT_TRUE(result.converged);
  EXPECT_EQ(result.iterations, 6);
  EXPECT_TRUE(result.job_done);
  EXPECT_EQ(result.program_version, "6.7MaX");
  EXPECT_TRUE(result.errors.empty());
}

TEST(QeScfJob, ReportsErrorsAndNoEnergyForAFailedRun) {
  const QeScfResult result = QeScfJob::parse_output(kFailedOutput);
  EXPECT_FALSE(result.total_energy_ry);
  EXPECT_FALSE(result.converged);
  EXPECT_FALSE(result.job_done);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0],
            "Error in routine readpp (1): file /usr/share/espresso/pseudo/Missing.UPF not found");
  // An SCF that did not converge has no energy to trust, whatever it printed.
  const QeScfResult unconverged = QeScfJob::parse_output(
      "!    total energy              =     -15.1 Ry\n"
      "     convergence NOT achieved after 100 iterations: stopping\n");
  EXPECT_FALSE(unconverged.total_energy_ry);
  EXPECT_FALSE(QeScfJob::parse_output("").total_energy_ry);
  EXPECT_THROW(QeScfJob::parse_output_file("/nonexistent/pw.out"), std::runtime_error);
}

TEST(QeScfJob, FillsTheTemplateFromItsParameters) {
  EXPECT_EQ(template_placeholders(pw_scf_template()).size(), 14u);
  QeScfParameters p;
  p.lattice_bohr = 10.26;
  p.ecutwfc_ry = 30;
  p.kpoints = {6, 6, 6};
  p.kshift = {0, 0, 0};
  p.stage_pseudopotential = false;
  const std::string input = QeScfJob(p).input_text();
  EXPECT_NE(input.find("celldm(1) = 10.26,"), std::string::npos) << input;
  EXPECT_NE(input.find("ecutwfc = 30\n"), std::string::npos) << input;
  EXPECT_NE(input.find("conv_thr = 1e-08\n"), std::string::npos) << input;
  EXPECT_NE(input.find(" 6 6 6 0 0 0\n"), std::string::npos) << input;
  EXPECT_NE(input.find("pseudo_dir = '/usr/share/espresso/pseudo'"), std::string::npos);
  EXPECT_NE(input.find(" Si 28.086 Si.pz-vbc.UPF\n"), std::string::npos);
  EXPECT_EQ(input.find("{{"), std::string::npos);
  p.stage_pseudopotential = true;
  EXPECT_NE(QeScfJob(p).input_text().find("pseudo_dir = './pseudo'"), std::string::npos);
}

TEST(QeScfJob, RefusesUnphysicalOrUnsafeParameters) {
  const auto refused = [](auto change) {
    QeScfParameters p;
    change(p);
    try {
      QeScfJob job(p);
    } catch (const JobSpecError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(refused([](QeScfParameters& p) { p.ecutwfc_ry = 0; }).find("ecutwfc_ry"),
            std::string::npos);
  EXPECT_NE(refused([](QeScfParameters& p) { p.lattice_bohr = std::nan(""); }).find("lattice_bohr"),
            std::string::npos);
  EXPECT_NE(refused([](QeScfParameters& p) { p.kpoints[1] = 0; }).find("kpoints"),
            std::string::npos);
  EXPECT_NE(refused([](QeScfParameters& p) { p.kshift[2] = 2; }).find("kshift"), std::string::npos);
  EXPECT_NE(refused([](QeScfParameters& p) { p.element = "si"; }).find("element"),
            std::string::npos);
  EXPECT_NE(
      refused([](QeScfParameters& p) { p.pseudopotential = "../x'.UPF"; }).find("pseudopotential"),
      std::string::npos);
  EXPECT_NE(refused([](QeScfParameters& p) { p.prefix = "a b"; }).find("prefix"),
            std::string::npos);
}

TEST(QeScfJob, BuildsASpecWithStagedInputs) {
  RunnerEnvironment env;
  const auto upf = env.dir / "pseudo";
  std::filesystem::create_directories(upf);
  std::ofstream(upf / "Si.pz-vbc.UPF") << "<UPF fake/>";
  QeScfParameters p;
  p.pseudo_dir = upf;
  p.mpi_ranks = 2;
  const Uuid run = Uuid::random();
  const JobSpec spec = QeScfJob(p).spec(env.store, run, "slurm");
  EXPECT_EQ(spec.program, "pw.x");
  EXPECT_EQ(spec.args, (std::vector<std::string>{"-in", "pw.in"}));
  EXPECT_EQ(spec.run_id, run);
  EXPECT_EQ(spec.mpi_ranks, 2u);
  ASSERT_EQ(spec.inputs.size(), 2u);
  EXPECT_EQ(spec.inputs[0].name, "pw.in");
  EXPECT_EQ(spec.inputs[1].name, "pseudo/Si.pz-vbc.UPF");
  EXPECT_EQ(spec.inputs[1].sha256, Sha256::of("<UPF fake/>"));
  p.pseudopotential = "Missing.UPF";
  EXPECT_THROW(QeScfJob(p).spec(env.store, run, "slurm"), std::runtime_error);
}

// The real pw.x through the local runner, when Quantum ESPRESSO is installed.
TEST(QeScfJob, SiliconScfRunsLocally) {
  if (::access("/usr/bin/pw.x", X_OK) != 0 ||
      ::access("/usr/share/espresso/pseudo/Si.pz-vbc.UPF", R_OK) != 0) {
    GTEST_SKIP() << "Quantum ESPRESSO (quantum-espresso, quantum-espresso-data) is not installed";
  }
  RunnerEnvironment env;
  LocalRunner runner(env.paths, LocalRunnerConfig{.max_cpus = 1, .poll_interval = 10ms},
                     env.counters, *env.log, env.hooks());
  const QeScfJob job{QeScfParameters{}};
  const Uuid id = runner.submit(job.spec(env.store, Uuid::random(), "local"));
  const auto status = runner.wait(id, 120s);
  ASSERT_TRUE(status);
  ASSERT_EQ(status->state, JobState::Completed)
      << status->message << "\n"
      << testing::read_text(runner.workspace(id).stdout_path(1));
  const QeScfResult result = QeScfJob::parse_output_file(runner.workspace(id).stdout_path(1));
  ASSERT_TRUE(result.total_energy_ry);
  EXPECT_NEAR(*result.total_energy_ry, -15.80731203, 1e-6);
  EXPECT_TRUE(result.converged);
  // pw.x wrote its data files to outdir = out/, so they are hashed outputs of the job.
  const auto xml =
      std::find_if(status->outputs.begin(), status->outputs.end(),
                   [](const OutputFile& f) { return f.name == "si.save/data-file-schema.xml"; });
  EXPECT_NE(xml, status->outputs.end());
}

}  // namespace
}  // namespace edgeloop::jobs
