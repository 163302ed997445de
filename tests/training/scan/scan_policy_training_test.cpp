#include "edgeloop/training/scan_policy_training.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "edgeloop/controllers/scan/scan_policy.hpp"
#include "edgeloop/testing/temp_dir.hpp"
#include "edgeloop/training/scan_ground_truth.hpp"

namespace edgeloop {
namespace {

ScanTruthSettings tiny_truth() {
  return {.nx = 12, .ny = 12, .step = 16.0, .field = 512.0, .detector_size = 24};
}

TEST(ScanGroundTruth, RendersADoseFreeVirtualImageWithContrast) {
  const auto a = render_scan_truth(5, tiny_truth());
  ASSERT_EQ(a.size(), 144u);
  const auto [lo, hi] = std::minmax_element(a.begin(), a.end());
  EXPECT_GE(*lo, 0.0);
  EXPECT_LE(*hi, 1.0);
  EXPECT_GT(*hi - *lo, 0.01);
  EXPECT_EQ(render_scan_truth(5, tiny_truth()), a);
  EXPECT_NE(render_scan_truth(6, tiny_truth()), a);
  EXPECT_NE(scan_specimen_seed(ScanSpecimenSet::HeldOut, 1, 0),
            scan_specimen_seed(ScanSpecimenSet::Train, 1, 0));
}

TEST(ScanPolicyTraining, ATinyRunIsReproducibleBySeedAndLoadable) {
  testing::TempDir dir;
  ScanTrainingConfig c;
  c.imitation_updates = 1;
  c.updates = 1;
  c.envs = 2;
  c.train_specimens = 2;
  c.validation_specimens = 1;
  c.truth = tiny_truth();
  c.width = 4;
  c.minibatch = 32;
  c.epochs = 1;
  c.progress = false;
  // Same file name in two folders: LibTorch names the archive's records after the file.
  c.out = dir / "a" / "policy.pt";
  const auto a = train_scan_policy(c);
  c.out = dir / "b" / "policy.pt";
  const auto b = train_scan_policy(c);
  EXPECT_EQ(a.weights_sha256, b.weights_sha256);
  EXPECT_EQ(a.kind, "scan_policy");
  EXPECT_TRUE(a.metrics.contains("validation_nrmse_learned"));
  EXPECT_TRUE(a.training.contains("gamma"));
  c.seed = 2;
  c.out = dir / "c" / "policy.pt";
  EXPECT_NE(train_scan_policy(c).weights_sha256, a.weights_sha256);
  const scan::ScanPolicy loaded(dir / "a" / "policy.pt");
  EXPECT_EQ(loaded.manifest().weights_sha256, a.weights_sha256);
}

}  // namespace
}  // namespace edgeloop
