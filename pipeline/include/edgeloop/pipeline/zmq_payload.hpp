// A frame payload that stays inside the ZeroMQ message it arrived in (zero-copy ingest).
#pragma once

#include <zmq.hpp>

#include "edgeloop/pipeline/frame.hpp"

namespace edgeloop {

class ZmqPayload final : public PayloadOwner {
 public:
  explicit ZmqPayload(zmq::message_t message) : message_(std::move(message)) {}
  std::span<const std::byte> bytes() const override {
    return {static_cast<const std::byte*>(message_.data()), message_.size()};
  }

 private:
  zmq::message_t message_;
};

}  // namespace edgeloop
