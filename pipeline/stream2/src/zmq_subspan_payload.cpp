#include "edgeloop/pipeline/stream2/zmq_subspan_payload.hpp"

#include <stdexcept>
#include <string>

namespace edgeloop {

ZmqSubspanPayload::ZmqSubspanPayload(zmq::message_t message, std::size_t offset, std::size_t length)
    : message_(std::move(message)), offset_(offset), length_(length) {
  if (offset_ > message_.size() || length_ > message_.size() - offset_) {
    throw std::out_of_range("payload range " + std::to_string(offset_) + "+" +
                            std::to_string(length_) + " is outside a message of " +
                            std::to_string(message_.size()) + " bytes");
  }
}

}  // namespace edgeloop
