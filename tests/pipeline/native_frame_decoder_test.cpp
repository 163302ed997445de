#include "edgeloop/pipeline/native_frame_decoder.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "edgeloop/core/wire_builders.hpp"

namespace edgeloop {
namespace {

class VectorPayload final : public PayloadOwner {
 public:
  explicit VectorPayload(std::size_t size, std::byte fill = std::byte{1}) : bytes_(size, fill) {}
  std::span<const std::byte> bytes() const override { return bytes_; }
  std::span<std::byte> mutable_bytes() { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

std::span<const std::byte> span_of(const flatbuffers::DetachedBuffer& b) {
  return {reinterpret_cast<const std::byte*>(b.data()), b.size()};
}

FrameHeaderFields valid_fields() {
  return {.run_id = Uuid::random(),
          .stream = "4dstem/detector",
          .modality = wire::Modality::Stem4D,
          .sequence = 7,
          .scan_position = {3, 4},
          .command_seq = 9,
          .dtype = wire::DType::U16,
          .shape = {96, 96},
          .uncompressed_size = 96 * 96 * 2};
}

std::string reason_of(const std::variant<Frame, WireError>& result) {
  return std::holds_alternative<WireError>(result) ? std::get<WireError>(result).reason
                                                   : "accepted";
}

TEST(NativeFrameDecoder, AcceptsAValidFrameWithoutCopyingThePayload) {
  AlignedScratch scratch;
  const auto fields = valid_fields();
  const auto header = build_frame_header(fields);
  auto payload = std::make_unique<VectorPayload>(96 * 96 * 2);
  const std::byte* original = payload->bytes().data();
  auto result = decode_native_frame(span_of(header), scratch, std::move(payload), {});
  ASSERT_TRUE(std::holds_alternative<Frame>(result)) << reason_of(result);
  const Frame& frame = std::get<Frame>(result);
  EXPECT_EQ(frame.bytes().data(), original);
  EXPECT_EQ(frame.meta.run_id, fields.run_id);
  EXPECT_EQ(frame.meta.stream, "4dstem/detector");
  EXPECT_EQ(frame.meta.sequence, 7u);
  EXPECT_EQ(frame.meta.command_seq, 9u);
  EXPECT_EQ(frame.meta.shape, (std::vector<std::uint32_t>{96, 96}));
  EXPECT_EQ(frame.meta.scan_position, (std::vector<double>{3, 4}));
  // Hashing is the processing worker's job, off the I/O thread.
  EXPECT_FALSE(frame.meta.payload_hashed);
  EXPECT_EQ(frame.meta.uncompressed_size, 96u * 96u * 2u);
}

TEST(NativeFrameDecoder, TakesCompressedPayloadsThatClaimTheRightSize) {
  AlignedScratch scratch;
  FrameHeaderFields fields;
  fields.run_id = Uuid::random();
  fields.stream = "4dstem/detector";
  fields.modality = wire::Modality::Stem4D;
  fields.dtype = wire::DType::U16;
  fields.shape = {96, 96};
  fields.codec = wire::Codec::BitshuffleLz4;
  fields.uncompressed_size = 96 * 96 * 2;
  auto header = build_frame_header(fields);
  auto ok = decode_native_frame(span_of(header), scratch, std::make_unique<VectorPayload>(100), {});
  ASSERT_TRUE(std::holds_alternative<Frame>(ok)) << reason_of(ok);
  EXPECT_EQ(std::get<Frame>(ok).meta.codec, wire::Codec::BitshuffleLz4);
  EXPECT_TRUE(std::get<Frame>(ok).pixels().empty());  // not decoded yet

  fields.uncompressed_size = 96 * 96;  // disagrees with shape and dtype
  header = build_frame_header(fields);
  auto bad =
      decode_native_frame(span_of(header), scratch, std::make_unique<VectorPayload>(100), {});
  EXPECT_EQ(reason_of(bad), "payload_size");
}

TEST(NativeEventChunkDecoder, ExposesTheEventsWhereTheyLie) {
  AlignedScratch scratch;
  EventChunkFields fields;
  fields.run_id = Uuid::random();
  fields.stream = "apt/events";
  fields.modality = wire::Modality::Apt;
  fields.sequence = 3;
  fields.first_pulse = 1000;
  fields.pulses = 500;
  fields.voltage_v = 4000.0;
  fields.events = {wire::Event(1001, 1.0f, 2.0f, 300.0f, 1.0f),
                   wire::Event(1002, -1.0f, 0.5f, 450.0f, 1.0f)};
  const auto message = build_event_chunk(fields);
  auto owner = std::make_unique<VectorPayload>(message.size());
  std::memcpy(owner->mutable_bytes().data(), message.data(), message.size());
  auto result = decode_native_event_chunk(std::move(owner), scratch, {});
  ASSERT_TRUE(std::holds_alternative<Frame>(result)) << reason_of(result);
  const Frame& frame = std::get<Frame>(result);
  EXPECT_EQ(frame.meta.kind, FrameKind::Events);
  ASSERT_EQ(frame.events().size(), 2u);
  EXPECT_EQ(frame.events()[1].pulse(), 1002u);
  EXPECT_FLOAT_EQ(frame.events()[1].tof_ns(), 450.0f);
  EXPECT_EQ(frame.meta.first_pulse, 1000u);
  EXPECT_EQ(frame.meta.pulses, 500u);
  EXPECT_DOUBLE_EQ(frame.meta.voltage_v, 4000.0);

  auto garbage = std::make_unique<VectorPayload>(5);
  EXPECT_EQ(reason_of(decode_native_event_chunk(std::move(garbage), scratch, {})), "truncated");
}

TEST(NativeFrameDecoder, RefusesEachKindOfBadHeader) {
  AlignedScratch scratch;
  const auto decode_with = [&scratch](FrameHeaderFields f, std::size_t payload_bytes,
                                      FrameLimits limits = {}) {
    const auto header = build_frame_header(f);
    return reason_of(decode_native_frame(span_of(header), scratch,
                                         std::make_unique<VectorPayload>(payload_bytes), limits));
  };
  const std::size_t ok_size = 96 * 96 * 2;
  auto f = valid_fields();
  f.run_id = Uuid{};
  EXPECT_EQ(decode_with(f, ok_size), "missing_field");
  f = valid_fields();
  f.stream = "";
  EXPECT_EQ(decode_with(f, ok_size), "missing_field");
  f = valid_fields();
  f.stream = std::string(200, 's');
  EXPECT_EQ(decode_with(f, ok_size), "bad_field");
  f = valid_fields();
  f.dtype = wire::DType::Unknown;
  EXPECT_EQ(decode_with(f, ok_size), "bad_field");
  f = valid_fields();
  f.codec = static_cast<wire::Codec>(9);  // a codec from a newer schema
  EXPECT_EQ(decode_with(f, ok_size), "unsupported_codec");
  f.codec = wire::Codec::Zstd;  // decoded by the runtime's frame codec, stored as it came
  EXPECT_EQ(decode_with(f, 1000), "accepted");
  f = valid_fields();
  f.shape = {};
  EXPECT_EQ(decode_with(f, ok_size), "bad_shape");
  f.shape = {1, 1, 1, 1, 1};
  EXPECT_EQ(decode_with(f, 2), "bad_shape");
  f.shape = {0, 96};
  EXPECT_EQ(decode_with(f, 0), "bad_shape");
  f.shape = {65536, 65536, 65536, 65536};  // product overflows 64 bits if multiplied blindly
  EXPECT_EQ(decode_with(f, ok_size), "bad_shape");
  f = valid_fields();
  EXPECT_EQ(decode_with(f, ok_size - 1), "payload_size");
  f.uncompressed_size = 12;
  EXPECT_EQ(decode_with(f, ok_size), "payload_size");
  f = valid_fields();
  f.scan_position = {1, 2, 3, 4};
  EXPECT_EQ(decode_with(f, ok_size), "bad_field");
  f.scan_position = {1, std::numeric_limits<double>::quiet_NaN()};
  EXPECT_EQ(decode_with(f, ok_size), "bad_field");
  f = valid_fields();
  EXPECT_EQ(decode_with(f, ok_size, FrameLimits{.max_frame_bytes = 1000}), "bad_shape");
}

TEST(NativeFrameDecoder, DecodesAHeaderAtAnOddAddressFromAnAlignedCopy) {
  const auto header = build_frame_header(valid_fields());
  std::vector<std::byte> shifted(header.size() + 1);
  std::memcpy(shifted.data() + 1, header.data(), header.size());
  AlignedScratch local;
  auto result = decode_native_frame(std::span(shifted).subspan(1), local,
                                    std::make_unique<VectorPayload>(96 * 96 * 2), {});
  EXPECT_TRUE(std::holds_alternative<Frame>(result)) << reason_of(result);
  EXPECT_FALSE(local.empty());
  EXPECT_EQ(decode<wire::FrameHeader>(std::span(shifted).subspan(1)).index(),
            1u);  // in place: refused
}

TEST(NativeFrameDecoder, RefusesBytesThatAreNotAFrameHeader) {
  AlignedScratch scratch;
  const std::vector<std::byte> garbage(64, std::byte{0x5A});
  EXPECT_EQ(
      reason_of(decode_native_frame(garbage, scratch, std::make_unique<VectorPayload>(4), {})),
      "bad_identifier");
  const auto header = build_frame_header(valid_fields());
  for (std::size_t cut : {0ul, 4ul, 12ul, header.size() / 2}) {
    const auto result = decode_native_frame(span_of(header).first(cut), scratch,
                                            std::make_unique<VectorPayload>(4), {});
    EXPECT_TRUE(std::holds_alternative<WireError>(result)) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace edgeloop
