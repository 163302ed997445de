#include "edgeloop/pipeline/kokkos_runtime.hpp"

#include <Kokkos_Core.hpp>

namespace edgeloop {

KokkosRuntime::KokkosRuntime() {
  // Kokkos may be initialised only once per process and by whoever got there first (the
  // daemon's main, a test fixture, a host application embedding us), so an inner guard must
  // leave it alone rather than fail.
  if (!Kokkos::is_initialized()) {
    Kokkos::initialize();
    owner_ = true;
  }
}

KokkosRuntime::~KokkosRuntime() {
  // Finalising from a non-owning guard would pull Kokkos out from under the outer owner.
  if (owner_ && Kokkos::is_initialized()) Kokkos::finalize();
}

}  // namespace edgeloop
