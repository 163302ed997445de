#include "edgeloop/sisso/kokkos_scope.hpp"

#include <Kokkos_Core.hpp>

namespace edgeloop::sisso {

KokkosScope::KokkosScope() {
  if (!Kokkos::is_initialized()) {
    Kokkos::initialize();
    owner_ = true;
  }
}

KokkosScope::~KokkosScope() {
  if (owner_ && Kokkos::is_initialized()) Kokkos::finalize();
}

std::string KokkosScope::execution_space() {
  return Kokkos::DefaultExecutionSpace::name();
}

}  // namespace edgeloop::sisso
