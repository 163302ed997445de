// One electron (or a pile-up of a few) found in a frame by counting: the sparse event the
// counted frame is compressed into, in the event model APT ions already use on the wire.
#pragma once

#include <edgeloop/wire/event_chunk_generated.h>

#include <cstdint>

namespace edgeloop::lossy {

// Positions are in the data plane's pixel convention: the centre of pixel (row i, column j)
// is (x = j, y = i), as for the virtual detectors.
struct CountedEvent {
  double x = 0.0;
  double y = 0.0;
  double charge_adu = 0.0;  // the 3 x 3 cluster's summed signal, pedestal removed
  double electrons = 1.0;   // electrons this event stands for (1, or charge / gain if asked)
};

// The wire event of an EventChunk (schemas/event_chunk.fbs) for a counted electron: pulse is
// the frame's sequence, x and y in pixels, tof_ns 0, weight the electrons at the site. The
// charge is not part of the wire model.
inline wire::Event to_wire_event(const CountedEvent& e, std::uint64_t frame_sequence) {
  return wire::Event(frame_sequence, static_cast<float>(e.x), static_cast<float>(e.y), 0.0F,
                     static_cast<float>(e.electrons));
}

}  // namespace edgeloop::lossy
