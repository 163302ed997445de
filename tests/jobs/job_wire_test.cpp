#include "edgeloop/jobs/job_wire.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace edgeloop::jobs {
namespace {

// decode() needs 8-byte alignment; a DetachedBuffer gives no such promise.
template <class Root>
const Root* decoded(const flatbuffers::DetachedBuffer& buffer, AlignedScratch& scratch) {
  scratch.assign((buffer.size() + 7) / 8, 0);
  std::memcpy(scratch.data(), buffer.data(), buffer.size());
  const auto result = decode<Root>(std::span<const std::byte>(
      reinterpret_cast<const std::byte*>(scratch.data()), buffer.size()));
  if (const auto* error = std::get_if<WireError>(&result)) {
    ADD_FAILURE() << error->reason << ": " << error->detail;
    return nullptr;
  }
  return std::get<const Root*>(result);
}

TEST(JobWire, StatusCarriesStateOutputsAndIds) {
  JobStatus status;
  status.job_id = Uuid::random();
  status.state = JobState::Completed;
  status.scheduler_id = "17";
  status.attempt = 2;
  status.exit_code = 0;
  status.message = "Slurm job 17 completed";
  status.outputs = {{"energy.txt", Sha256::of("-15.8"), 5}};
  status.updated_wall_ns = 123;
  AlignedScratch scratch;
  const auto* message = decoded<wire::JobStatus>(build_job_status(status), scratch);
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(message->schema_version(), wire::SchemaVersion::Current);
  EXPECT_EQ(from_wire(message->job_id()), status.job_id);
  EXPECT_EQ(message->state(), wire::JobState::Completed);
  EXPECT_EQ(message->scheduler_id()->str(), "17");
  EXPECT_EQ(message->attempt(), 2u);
  EXPECT_EQ(message->message()->str(), status.message);
  ASSERT_EQ(message->outputs()->size(), 1u);
  EXPECT_EQ(message->outputs()->Get(0)->name()->str(), "out/energy.txt");
  EXPECT_EQ(message->outputs()->Get(0)->size(), 5u);
  EXPECT_EQ(std::memcmp(message->outputs()->Get(0)->sha256()->data(),
                        status.outputs[0].sha256.data(), 32),
            0);
  EXPECT_EQ(message->updated_wall_ns(), 123u);
}

TEST(JobWire, SpecRoundTripsThroughTheWire) {
  JobSpec spec;
  spec.job_id = Uuid::random();
  spec.run_id = Uuid::random();
  spec.program = "edgeloop-sisso";
  spec.program_version = "0.1.0";
  spec.args = {"-t", "train.dat"};
  spec.inputs = {{"train.dat", Sha256::of("data"), 4}};
  spec.cpus = 2;
  spec.memory_mb = 512;
  spec.time_limit_s = 60;
  spec.max_retries = 1;
  spec.runner = "local";
  AlignedScratch scratch;
  const auto* message = decoded<wire::JobSpec>(build_job_spec(spec), scratch);
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(job_spec_from_wire(*message), spec);
}

TEST(JobWire, ABadSpecFromTheWireIsRefused) {
  flatbuffers::FlatBufferBuilder fbb;
  const std::vector<std::uint8_t> short_hash(5, 0);
  const auto file = wire::CreateJobFileDirect(fbb, "x.dat", &short_hash, 5);
  const std::vector<flatbuffers::Offset<wire::JobFile>> inputs{file};
  const wire::Uuid id(1, 2);
  fbb.Finish(wire::CreateJobSpecDirect(fbb, wire::SchemaVersion::Current, &id, &id, "prog", "1",
                                       nullptr, &inputs),
             wire::JobSpecIdentifier());
  const auto buffer = fbb.Release();
  AlignedScratch scratch;
  const auto* message = decoded<wire::JobSpec>(buffer, scratch);
  ASSERT_NE(message, nullptr);
  try {
    job_spec_from_wire(*message);
    FAIL() << "accepted a 5-byte hash";
  } catch (const JobSpecError& e) {
    EXPECT_NE(std::string(e.what()).find("sha256 must be 32 bytes"), std::string::npos);
  }
  // cpus = 0 passes the verifier but not validation.
  flatbuffers::FlatBufferBuilder zero;
  zero.Finish(wire::CreateJobSpecDirect(zero, wire::SchemaVersion::Current, &id, &id, "prog", "1",
                                        nullptr, nullptr, 0),
              wire::JobSpecIdentifier());
  const auto zero_buffer = zero.Release();
  const auto* zero_message = decoded<wire::JobSpec>(zero_buffer, scratch);
  ASSERT_NE(zero_message, nullptr);
  EXPECT_THROW(job_spec_from_wire(*zero_message), JobSpecError);
}

}  // namespace
}  // namespace edgeloop::jobs
