// Turns a decoded stream2 image into an edgeloop Frame whose payload stays inside the ZeroMQ
// message it arrived in (compressed or not), with series metadata from the start message.
#pragma once

#include <zmq.hpp>

#include <string>
#include <variant>

#include "edgeloop/core/wire.hpp"
#include "edgeloop/pipeline/frame.hpp"
#include "edgeloop/pipeline/stream2/stream2_messages.hpp"

namespace edgeloop {

// What the stream2 protocol does not say and the daemon's configuration does.
struct Stream2FrameOptions {
  std::string stream;                                 // FrameMeta::stream
  wire::Modality modality = wire::Modality::Unknown;  // FrameMeta::modality
  std::string channel;                                // "" takes the image's first channel
  bool hash_payload = true;                           // compute FrameMeta::payload_sha256 here
};

// `image` must have been decoded from `message`; `start` is the series' start message, or
// nullptr when it was missed (the frame then lacks count_time and arm_date). Refusals:
// no_channel, series_mismatch, bad_field (image and message disagree).
std::variant<Frame, WireError> stream2_image_to_frame(const Stream2Image& image,
                                                      const Stream2Start* start,
                                                      zmq::message_t message,
                                                      const Stream2FrameOptions& options);

}  // namespace edgeloop
