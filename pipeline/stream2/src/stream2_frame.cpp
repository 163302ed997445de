#include "edgeloop/pipeline/stream2/stream2_frame.hpp"

#include <limits>
#include <memory>
#include <optional>

#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/sha256.hpp"
#include "edgeloop/pipeline/stream2/zmq_subspan_payload.hpp"

namespace edgeloop {

namespace {

wire::Codec codec_of(Stream2Compression compression) {
  switch (compression) {
    case Stream2Compression::Bslz4:
      return wire::Codec::BitshuffleLz4;
    case Stream2Compression::Lz4:
      return wire::Codec::Lz4;
    case Stream2Compression::None:
      break;
  }
  return wire::Codec::Raw;
}

// When the image began: the series' date plus the image's start_time; 0 (unknown) without both.
std::int64_t acquired_wall_ns(const Stream2Image& image, const Stream2Start* start) {
  std::optional<std::int64_t> series = image.series_date_ns;
  if (!series && start != nullptr) series = start->arm_date_ns;
  if (!series || !image.start_time) return 0;
  const std::optional<std::int64_t> offset = image.start_time->nanoseconds();
  if (!offset || *offset > std::numeric_limits<std::int64_t>::max() - *series) return 0;
  return *series + *offset;
}

}  // namespace

std::variant<Frame, WireError> stream2_image_to_frame(const Stream2Image& image,
                                                      const Stream2Start* start,
                                                      zmq::message_t message,
                                                      const Stream2FrameOptions& options) {
  const Stream2Channel* channel = image.channel(options.channel);
  if (channel == nullptr) {
    return WireError{"no_channel", options.channel.empty()
                                       ? std::string("image has no channel")
                                       : "image has no channel '" + options.channel + "'"};
  }
  if (start != nullptr &&
      (start->series_id != image.series_id || start->series_unique_id != image.series_unique_id)) {
    return WireError{"series_mismatch",
                     "image of series " + std::to_string(image.series_id) + " '" +
                         image.series_unique_id + "' after the start of series " +
                         std::to_string(start->series_id) + " '" + start->series_unique_id + "'"};
  }
  const Stream2Array& array = channel->array;
  const Stream2Span range = array.data;
  if (range.offset > message.size() || range.length > message.size() - range.offset) {
    return WireError{"bad_field", "image data lies outside its message: decoded from another?"};
  }

  Frame frame;
  FrameMeta& meta = frame.meta;
  meta.kind = FrameKind::Image;
  meta.stream = options.stream;
  meta.modality = options.modality;
  meta.sequence = image.image_id;
  meta.dtype = array.dtype;
  meta.shape = {array.shape[0], array.shape[1]};
  meta.codec = codec_of(array.compression);
  meta.uncompressed_size = array.uncompressed_size;
  if (image.real_time) {
    meta.exposure_s = image.real_time->seconds();
  } else if (start != nullptr && start->count_time) {
    meta.exposure_s = *start->count_time;
  }
  meta.acquired_wall_ns = acquired_wall_ns(image, start);
  meta.received_mono_ns = monotonic_ns();
  frame.payload =
      std::make_unique<ZmqSubspanPayload>(std::move(message), range.offset, range.length);
  if (options.hash_payload) {
    meta.payload_sha256 = Sha256::of(frame.bytes());
    meta.payload_hashed = true;
  }
  return frame;
}

}  // namespace edgeloop
