// Quantum ESPRESSO's pw.x through the Slurm runner: the Si SCF of the notes as two MPI ranks
// (label: slurm).
#include <gtest/gtest.h>
#include <unistd.h>

#include "edgeloop/jobs/qe_scf_job.hpp"
#include "jobs_test_support.hpp"

namespace edgeloop::jobs {
namespace {

using namespace std::chrono_literals;
using QeScfSlurmTest = testing::SlurmTest;

TEST_F(QeScfSlurmTest, SiliconScfCompletesWithItsEnergy) {
  if (::access("/usr/bin/pw.x", X_OK) != 0 || ::access("/usr/bin/mpirun", X_OK) != 0 ||
      ::access("/usr/share/espresso/pseudo/Si.pz-vbc.UPF", R_OK) != 0) {
    GTEST_SKIP() << "Quantum ESPRESSO (quantum-espresso, quantum-espresso-data) is not installed";
  }
  auto runner = make_runner();
  QeScfParameters parameters;  // Si, a = 10.2 bohr, 12 Ry, 4x4x4 k-points
  parameters.mpi_ranks = 2;
  parameters.program_version = "6.7";
  const QeScfJob job(parameters);
  const Uuid id = runner->submit(job.spec(env.store, Uuid::random(), "slurm"));
  const auto status = runner->wait(id, 120s);
  ASSERT_TRUE(status);
  const auto output = runner->workspace(id).stdout_path(status->attempt);
  ASSERT_EQ(status->state, JobState::Completed)
      << status->message << "\n"
      << testing::read_text(output) << testing::read_text(runner->workspace(id).stderr_path(1));
  const QeScfResult result = QeScfJob::parse_output_file(output);
  ASSERT_TRUE(result.total_energy_ry) << testing::read_text(output);
  EXPECT_NEAR(*result.total_energy_ry, -15.80731203, 1e-5);
  EXPECT_TRUE(result.converged);
  EXPECT_EQ(result.iterations, 6);
  EXPECT_TRUE(result.job_done);
  EXPECT_NE(testing::read_text(output).find("running on     2 processors"), std::string::npos)
      << "pw.x did not run as two MPI ranks";
}

}  // namespace
}  // namespace edgeloop::jobs
