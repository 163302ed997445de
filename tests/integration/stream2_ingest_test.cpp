// A DECTRIS stream2 detector, played by the Python sender written from DECTRIS's public
// description, drives a whole run through edgeloopd: its series becomes a run, its images
// (uncompressed, bslz4, lz4) are processed and stored, and h5py reads back exactly the pixels
// the detector sent.
#include <gtest/gtest.h>

#include <string>

#include "daemon_session.hpp"

namespace edgeloop::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class Stream2Ingest : public DaemonSession {};

TEST_F(Stream2Ingest, ASeriesBecomesARunStoredPixelForPixel) {
  const std::string python = EDGELOOP_DEBIAN_PYTHON;
  const std::filesystem::path source = EDGELOOP_SOURCE_DIR;
  const auto sender = source / "tests/pipeline/stream2/stream2_sender.py";
  if (python.empty() || run_program(python, {sender.string(), "--check"}).status != 0) {
    GTEST_SKIP() << "Debian's python3 with cbor2, zmq, h5py and hdf5plugin is needed";
  }
  const std::string detector = free_loopback_endpoint();
  auto daemon = start_daemon({}, "[ingest.stream2]\nenabled = true\nendpoint = \"" + detector +
                                     "\"\nmodality = \"4dstem\"\nstream = \"arina/detector\"\n");
  ASSERT_TRUE(daemon);

  constexpr int kImages = 24;
  const RunResult sent = run_program(
      python, {sender.string(), "--bind", detector, "--images", std::to_string(kImages), "--rows",
               "64", "--cols", "64", "--dtype", "u16", "--compression", "cycle"});
  ASSERT_EQ(sent.status, 0) << sent.output;

  json last;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto s = admin({{"cmd", "status"}});
        if (!s || (*s)["last_run"].is_null()) return false;
        last = (*s)["last_run"];
        return true;
      },
      20s))
      << read_file(dir_ / "edgeloopd.log");
  EXPECT_EQ(last["state"], "completed") << last.dump(2);
  EXPECT_EQ(last["frames_received"], kImages);
  EXPECT_EQ(last["frames_processed"], kImages);
  EXPECT_EQ(last["frames_stored"], kImages);
  EXPECT_EQ(last["plan"]["kind"], "external");
  const std::string run_id = last["id"];

  // The provenance log verifies, and h5py finds every image as the detector made it.
  EXPECT_EQ(cli({"provenance", "verify", (runs_ / run_id).string()}).status, 0);
  const auto nexus = runs_ / run_id / "run.nxs";
  const std::string check =
      "import sys; sys.path.insert(0, sys.argv[1]); import hdf5plugin, h5py, numpy as np\n"
      "from stream2_sender import pixel_values\n"
      "f = h5py.File(sys.argv[2], 'r')\n"
      "d = f['/entry/data/data']\n"
      "assert d.shape == (int(sys.argv[3]), 64, 64), d.shape\n"
      "seq = f['/entry/data/sequence'][...]\n"
      "for row in range(d.shape[0]):\n"
      "    want = pixel_values(int(seq[row]), 0, 64, 64, 'u16')\n"
      "    assert np.array_equal(d[row], want), f'image {seq[row]} differs'\n"
      "assert f['/entry/virtual_bf_map/data'].shape == (1, int(sys.argv[3]))\n"
      "print('ok', d.shape[0])\n";
  const RunResult checked =
      run_program(python, {"-c", check, (source / "tests/pipeline/stream2").string(),
                           nexus.string(), std::to_string(kImages)});
  EXPECT_EQ(checked.status, 0) << checked.output;

  // The counters say what happened, for operators.
  const auto s = admin({{"cmd", "status"}});
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)["counters"].value("stream2.series_started", 0), 1);
  EXPECT_EQ((*s)["counters"].value("stream2.images", 0), kImages);
}

}  // namespace
}  // namespace edgeloop::testing
