// A frame payload that is one byte range of the ZeroMQ message it arrived in: a stream2 image's
// pixels sit inside a CBOR message, so the frame keeps the whole message and exposes the range.
#pragma once

#include <zmq.hpp>

#include <cstddef>
#include <span>

#include "edgeloop/pipeline/frame.hpp"

namespace edgeloop {

class ZmqSubspanPayload final : public PayloadOwner {
 public:
  // Throws std::out_of_range when the range does not lie inside the message.
  ZmqSubspanPayload(zmq::message_t message, std::size_t offset, std::size_t length);

  // Computed from the message on every call: libzmq keeps very small messages inside the
  // message object itself, so their bytes move when the object does.
  std::span<const std::byte> bytes() const override {
    return {static_cast<const std::byte*>(message_.data()) + offset_, length_};
  }
  const zmq::message_t& message() const { return message_; }
  std::size_t offset() const { return offset_; }

 private:
  zmq::message_t message_;
  std::size_t offset_;
  std::size_t length_;
};

}  // namespace edgeloop
