// What each application definition adds once the run-level products exist: an NXcanSAS
// SASentry/SASdata for NXsas, the virtual images of NXem, the ranging groups of NXapm. They
// link to (or copy from) the products' NXdata groups rather than store them twice.
#pragma once

#include <span>
#include <string>

#include "edgeloop/pipeline/product.hpp"
#include "edgeloop/pipeline/storage/nexus_run_spec.hpp"
#include "nexus_node.hpp"

namespace edgeloop::storage::detail {

struct StoredProduct {
  const Product* product = nullptr;
  std::string name;  // of its NXdata group under /entry
};

// Writes the views of `run.definition` and returns the name of the NXdata under /entry that
// best shows the run (for /entry@default), or "" when no product stands out.
std::string write_application_views(const NexusNode& root, const NexusNode& entry,
                                    const RunInfo& run, std::span<const StoredProduct> products);

// The NXapm instrument group, with hard links to the event columns (x, y, tof_ns, pulse under
// /entry/events and voltage_v under /entry/event_chunks) when they exist.
void write_atom_probe_instrument(const NexusNode& entry, bool with_events);

}  // namespace edgeloop::storage::detail
