#include "edgeloop/core/provenance_log.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <fstream>
#include <map>
#include <thread>

#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/provenance_reader.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop {
namespace {

using testing::TempDir;

std::string slurp(const std::filesystem::path& file) {
  std::string bytes(std::filesystem::file_size(file), '\0');
  std::ifstream in(file, std::ios::binary);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

void spit(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

ProvenanceOptions options(FsyncPolicy policy = FsyncPolicy::Interval) {
  return {.fsync = policy, .fsync_interval = std::chrono::milliseconds(200), .agent = "test 1.0"};
}

// A small sealed log: run_started, a frame, a result derived from it, run_ended.
std::vector<AppendedRecord> write_small_log(const std::filesystem::path& file, const Uuid& run) {
  std::vector<AppendedRecord> out;
  auto log = ProvenanceLog::create(file, run, options(), {{"plan", "raster"}});
  out.push_back({0, log->head()});
  const auto frame_hash = Sha256::of(std::string_view("frame bytes"));
  out.push_back(log->append({.kind = wire::RecordKind::Frame,
                             .subject = "frame/4dstem/detector/17",
                             .sha256 = frame_hash,
                             .attributes = {{"bytes", 11}}}));
  out.push_back(log->append({.kind = wire::RecordKind::Result,
                             .subject = "result/1",
                             .inputs = {{"input_frame", "frame/4dstem/detector/17", frame_hash},
                                        {"model", "models/com.onnx", std::nullopt}},
                             .attributes = {{"com", {1.5, -2.25}}, {"ok", true}}}));
  out.push_back(log->close({{"frames", 1}}));
  return out;
}

// Hand-built log with a valid chain but arbitrary record fields, for the checks a correct writer
// can never trip.
struct Forged {
  std::uint64_t index;
  wire::RecordKind kind;
  Uuid run;
};
std::string forge(const Uuid& header_run, const std::vector<Forged>& records) {
  std::string file = std::string(kProvenanceMagic) + header_run.str() + "\n";
  Sha256Digest chain = Sha256::of(file);
  for (const auto& r : records) {
    flatbuffers::FlatBufferBuilder b;
    const auto prev = b.CreateVector(chain.data(), chain.size());
    const auto attrs = b.CreateString("{}");
    const wire::Uuid id = to_wire(r.run);
    b.Finish(wire::CreateProvenanceRecord(b, kSchemaVersion, &id, r.index, prev, r.kind, 1, 1, 0, 0,
                                          0, 0, attrs),
             wire::ProvenanceRecordIdentifier());
    const std::span body(b.GetBufferPointer(), b.GetSize());
    for (std::size_t i = 0; i < 4; ++i) file.push_back(static_cast<char>(body.size() >> (8 * i)));
    file.append(reinterpret_cast<const char*>(body.data()), body.size());
    chain = Sha256().update(std::as_bytes(std::span(chain))).update(std::as_bytes(body)).finish();
    file.append(reinterpret_cast<const char*>(chain.data()), chain.size());
  }
  return file;
}

TEST(ProvenanceLog, RoundTripsRecordsWithInputsAndAttributes) {
  TempDir dir;
  const auto file = dir / "run.elp";
  const Uuid run = Uuid::random();
  const std::int64_t before = wall_ns();
  const auto appended = write_small_log(file, run);
  const std::int64_t after = wall_ns();

  const auto report = verify_provenance(file);
  EXPECT_TRUE(report.ok) << report.error;
  EXPECT_TRUE(report.sealed);
  EXPECT_EQ(report.records, 4u);
  EXPECT_EQ(report.run_id, run);
  EXPECT_EQ(report.head, appended.back().chain_hash);

  const auto records = read_provenance(file);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].prev_hash, Sha256::of(std::string(kProvenanceMagic) + run.str() + "\n"));
  EXPECT_EQ(records[0].file_offset, kProvenanceHeaderSize);
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].index, i);
    EXPECT_EQ(records[i].chain_hash, appended[i].chain_hash);
    EXPECT_EQ(appended[i].index, i);
    EXPECT_EQ(records[i].agent, "test 1.0");
    EXPECT_GE(records[i].wall_ns, before);
    EXPECT_LE(records[i].wall_ns, after);
    if (i > 0) {
      EXPECT_EQ(records[i].prev_hash, records[i - 1].chain_hash);
      EXPECT_GT(records[i].file_offset, records[i - 1].file_offset);
      EXPECT_GE(records[i].mono_ns, records[i - 1].mono_ns);
    }
  }
  EXPECT_EQ(records[0].kind, wire::RecordKind::RunStarted);
  EXPECT_EQ(records[0].subject, "run/" + run.str());
  EXPECT_EQ(records[0].attributes, nlohmann::json({{"plan", "raster"}}));
  EXPECT_EQ(records[1].kind, wire::RecordKind::Frame);
  EXPECT_EQ(records[1].subject, "frame/4dstem/detector/17");
  EXPECT_EQ(records[1].sha256, Sha256::of(std::string_view("frame bytes")));
  EXPECT_TRUE(records[1].inputs.empty());
  EXPECT_EQ(records[2].kind, wire::RecordKind::Result);
  EXPECT_FALSE(records[2].sha256);
  ASSERT_EQ(records[2].inputs.size(), 2u);
  EXPECT_EQ(records[2].inputs[0], (ProvenanceRef{"input_frame", "frame/4dstem/detector/17",
                                                 Sha256::of(std::string_view("frame bytes"))}));
  EXPECT_EQ(records[2].inputs[1], (ProvenanceRef{"model", "models/com.onnx", std::nullopt}));
  EXPECT_EQ(records[2].attributes["com"][1], -2.25);
  EXPECT_EQ(records[3].kind, wire::RecordKind::RunEnded);
  EXPECT_EQ(records[3].attributes, nlohmann::json({{"frames", 1}}));
}

TEST(ProvenanceLog, EveryFlippedByteIsDetected) {
  TempDir dir;
  const auto file = dir / "run.elp";
  write_small_log(file, Uuid::random());
  const std::string pristine = slurp(file);
  ASSERT_TRUE(verify_provenance(file).ok);
  for (const unsigned mask : {0x01u, 0x80u, 0xFFu}) {
    for (std::size_t at = 0; at < pristine.size(); ++at) {
      std::string damaged = pristine;
      damaged[at] = static_cast<char>(static_cast<unsigned char>(damaged[at]) ^ mask);
      spit(file, damaged);
      const auto report = verify_provenance(file, /*allow_unsealed=*/true);
      EXPECT_FALSE(report.ok) << "byte " << at << " ^ " << mask << " went unnoticed";
      EXPECT_FALSE(report.error.empty());
    }
  }
  spit(file, pristine);
  EXPECT_TRUE(verify_provenance(file).ok);
}

TEST(ProvenanceLog, ErrorNamesTheFirstBadRecordAndItsOffset) {
  TempDir dir;
  const auto file = dir / "run.elp";
  write_small_log(file, Uuid::random());
  const auto records = read_provenance(file);
  std::string bytes = slurp(file);
  auto& victim = bytes[records[2].file_offset + 20];
  victim = static_cast<char>(victim ^ 0x10);
  spit(file, bytes);
  const auto report = verify_provenance(file);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.records, 2u);
  EXPECT_EQ(report.head, records[1].chain_hash);
  EXPECT_EQ(report.error.rfind("record 2 at offset " + std::to_string(records[2].file_offset), 0),
            0u)
      << report.error;
  EXPECT_THROW(read_provenance(file), std::runtime_error);
}

TEST(ProvenanceLog, TruncatedTailIsReported) {
  TempDir dir;
  const auto file = dir / "run.elp";
  write_small_log(file, Uuid::random());
  const std::string pristine = slurp(file);
  const auto last = read_provenance(file).back().file_offset;
  // Inside the length prefix, the FlatBuffer and the chain hash of the seal record.
  for (const std::size_t cut : {last + 2, last + 40, pristine.size() - 1}) {
    spit(file, pristine.substr(0, cut));
    const auto report = verify_provenance(file, /*allow_unsealed=*/true);
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.records, 3u);
    EXPECT_NE(report.error.find("truncated"), std::string::npos) << report.error;
    EXPECT_NE(report.error.find("record 3 at offset " + std::to_string(last)), std::string::npos);
  }
  spit(file, pristine.substr(0, 30));
  EXPECT_NE(verify_provenance(file, true).error.find("truncated"), std::string::npos);
}

TEST(ProvenanceLog, DroppedSealIsOnlyAcceptedWhenUnsealedIsAllowed) {
  TempDir dir;
  const auto file = dir / "run.elp";
  write_small_log(file, Uuid::random());
  const auto last = read_provenance(file).back().file_offset;
  spit(file, slurp(file).substr(0, last));

  const auto strict = verify_provenance(file);
  EXPECT_FALSE(strict.ok);
  EXPECT_FALSE(strict.sealed);
  EXPECT_EQ(strict.records, 3u);
  EXPECT_NE(strict.error.find("not sealed"), std::string::npos) << strict.error;
  EXPECT_THROW(read_provenance(file), std::runtime_error);

  const auto lenient = verify_provenance(file, /*allow_unsealed=*/true);
  EXPECT_TRUE(lenient.ok) << lenient.error;
  EXPECT_FALSE(lenient.sealed);
  EXPECT_EQ(read_provenance(file, true).size(), 3u);
}

TEST(ProvenanceLog, CreateRefusesExistingOrUnreachablePaths) {
  TempDir dir;
  const auto file = dir / "run.elp";
  spit(file, "precious");
  try {
    ProvenanceLog::create(file, Uuid::random(), options(), {});
    FAIL() << "create overwrote an existing file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(file), "precious");
  EXPECT_THROW(ProvenanceLog::create(dir / "missing" / "run.elp", Uuid::random(), options(), {}),
               std::runtime_error);
}

TEST(ProvenanceLog, AppendAfterCloseAndSecondCloseAreLogicErrors) {
  TempDir dir;
  auto log = ProvenanceLog::create(dir / "run.elp", Uuid::random(), options(), {});
  EXPECT_THROW(log->append({.kind = wire::RecordKind::RunEnded}), std::invalid_argument);
  EXPECT_THROW(log->append({.kind = wire::RecordKind::RunStarted}), std::invalid_argument);
  EXPECT_THROW(log->append({.kind = wire::RecordKind::Unknown}), std::invalid_argument);
  EXPECT_THROW(log->append({.kind = static_cast<wire::RecordKind>(200)}), std::invalid_argument);
  ProvenanceEntry crowded{.kind = wire::RecordKind::Decision};
  crowded.inputs.resize(kProvenanceMaxInputs + 1);
  EXPECT_THROW(log->append(crowded), std::invalid_argument);
  const auto sealed = log->close({});
  EXPECT_EQ(sealed.index, 1u);
  EXPECT_EQ(log->records(), 2u);
  EXPECT_EQ(log->head(), sealed.chain_hash);
  EXPECT_THROW(log->append({.subject = "late"}), std::logic_error);
  EXPECT_THROW(log->close({}), std::logic_error);
  EXPECT_NO_THROW(log->sync());
  EXPECT_TRUE(verify_provenance(dir / "run.elp").ok);
}

TEST(ProvenanceLog, ConcurrentAppendsStayChainedAndOrdered) {
  TempDir dir;
  const auto file = dir / "run.elp";
  auto log = ProvenanceLog::create(file, Uuid::random(), options(), {});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&log, t] {
        for (int i = 0; i < kPerThread; ++i) {
          log->append({.kind = wire::RecordKind::Frame,
                       .subject = "t/" + std::to_string(t),
                       .attributes = {{"i", i}}});
          if (i % 50 == 0) log->sync_if_due();
        }
      });
    }
  }
  const auto sealed = log->close({});
  const auto report = verify_provenance(file);
  ASSERT_TRUE(report.ok) << report.error;
  EXPECT_EQ(report.records, 2002u);
  EXPECT_EQ(report.head, sealed.chain_hash);

  const auto records = read_provenance(file);
  ASSERT_EQ(records.size(), 2002u);
  std::map<std::string, int> next;
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].index, i);
    if (records[i].kind != wire::RecordKind::Frame) continue;
    // Each thread's own records must appear in the order it appended them.
    EXPECT_EQ(records[i].attributes["i"], next[records[i].subject]++);
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next["t/" + std::to_string(t)], kPerThread);
}

TEST(ProvenanceLog, DestructorWithoutCloseLeavesUnsealedButValidLog) {
  TempDir dir;
  const auto file = dir / "run.elp";
  Sha256Digest head{};
  {
    auto log = ProvenanceLog::create(file, Uuid::random(), options(FsyncPolicy::OnClose), {});
    for (int i = 0; i < 3; ++i) log->append({.subject = "note/" + std::to_string(i)});
    head = log->head();
  }
  const auto report = verify_provenance(file, /*allow_unsealed=*/true);
  EXPECT_TRUE(report.ok) << report.error;
  EXPECT_FALSE(report.sealed);
  EXPECT_EQ(report.records, 4u);
  EXPECT_EQ(report.head, head);
  EXPECT_FALSE(verify_provenance(file).ok);
}

TEST(ProvenanceLog, EachFsyncPolicyProducesReadableLogs) {
  for (const auto policy :
       {FsyncPolicy::EveryRecord, FsyncPolicy::Interval, FsyncPolicy::OnClose}) {
    TempDir dir;
    const auto file = dir / "run.elp";
    auto opts = options(policy);
    opts.fsync_interval = std::chrono::milliseconds(0);
    auto log = ProvenanceLog::create(file, Uuid::random(), opts, {});
    for (int i = 0; i < 5; ++i) {
      const auto appended =
          log->append({.kind = wire::RecordKind::Command, .subject = "command/5"});
      log->sync_if_due();
      // Written with one write() per record: a reader sees whole records while the run goes on.
      const auto seen = read_provenance(file, /*allow_unsealed=*/true);
      ASSERT_EQ(seen.size(), log->records());
      EXPECT_EQ(seen.back().chain_hash, appended.chain_hash);
    }
    log->sync();
    log->close({});
    EXPECT_TRUE(verify_provenance(file).ok);
  }
}

TEST(ProvenanceLog, FailedWriteLeavesChainUsable) {
  TempDir dir;
  const auto file = dir / "run.elp";
  auto log = ProvenanceLog::create(file, Uuid::random(), options(), {});
  const auto size = std::filesystem::file_size(file);
  const auto head = log->head();

  // A file size limit makes the kernel accept part of the frame and then refuse the rest, the
  // same partial write a full disk produces.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGXFSZ, &ignore, &previous), 0);
  rlimit old_limit{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  rlimit small = old_limit;
  small.rlim_cur = size + 10;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  EXPECT_THROW(log->append({.subject = std::string(200, 'x')}), std::runtime_error);
  setrlimit(RLIMIT_FSIZE, &old_limit);
  sigaction(SIGXFSZ, &previous, nullptr);

  EXPECT_EQ(std::filesystem::file_size(file), size);
  EXPECT_EQ(log->records(), 1u);
  EXPECT_EQ(log->head(), head);
  EXPECT_EQ(log->append({.subject = "after"}).index, 1u);
  log->close({});
  const auto report = verify_provenance(file);
  EXPECT_TRUE(report.ok) << report.error;
  EXPECT_EQ(report.records, 3u);
}

TEST(ProvenanceLog, RecordChecksBeyondTheHashChain) {
  TempDir dir;
  const auto file = dir / "forged.elp";
  const Uuid run = *Uuid::parse("0f8fad5b-d9cb-469f-a165-70867728950e");
  const auto expect_error = [&](const std::string& bytes, const std::string& needle) {
    spit(file, bytes);
    const auto report = verify_provenance(file, /*allow_unsealed=*/true);
    EXPECT_FALSE(report.ok);
    EXPECT_NE(report.error.find(needle), std::string::npos) << report.error;
  };
  using K = wire::RecordKind;
  spit(file, forge(run, {{0, K::RunStarted, run}, {1, K::Note, run}, {2, K::RunEnded, run}}));
  EXPECT_TRUE(verify_provenance(file).ok) << verify_provenance(file).error;

  expect_error(forge(run, {{0, K::Note, run}}), "record 0 at offset 59: note as first record");
  expect_error(forge(run, {{0, K::RunStarted, run}, {2, K::Note, run}}), "index field is 2");
  expect_error(forge(run, {{0, K::RunStarted, run}, {1, K::Note, Uuid::random()}}),
               "differs from the header");
  expect_error(forge(run, {{0, K::RunStarted, run}, {1, K::RunEnded, run}, {2, K::Note, run}}),
               "record 2 at offset");
  expect_error(forge(run, {{0, K::RunStarted, run}, {1, K::RunStarted, run}}), "after the start");
  expect_error(forge(run, {}), "no records");
  std::string upper = forge(run, {{0, K::RunStarted, run}});
  for (std::size_t i = kProvenanceMagic.size(); i < kProvenanceHeaderSize; ++i) {
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  }
  expect_error(upper, "header at offset 0");
  expect_error(forge(run, {}) + std::string("\x01\x00\x00\x01", 4) + std::string(64, 'x'),
               "exceeds");
}

TEST(ProvenanceLog, RecordKindNames) {
  EXPECT_EQ(record_kind_name(wire::RecordKind::RunStarted), "run_started");
  EXPECT_EQ(record_kind_name(wire::RecordKind::RunEnded), "run_ended");
  EXPECT_EQ(record_kind_name(wire::RecordKind::Frame), "frame");
  EXPECT_EQ(record_kind_name(wire::RecordKind::Note), "note");
  EXPECT_EQ(record_kind_name(static_cast<wire::RecordKind>(200)), "unknown");
}

}  // namespace
}  // namespace edgeloop
