// Owns Kokkos initialisation for a process running SISSO kernels: one in main (or a test
// fixture), finalised on destruction; a scope inside another's leaves Kokkos alone.
#pragma once

#include <string>

namespace edgeloop::sisso {

class KokkosScope {
 public:
  KokkosScope();
  ~KokkosScope();
  KokkosScope(const KokkosScope&) = delete;
  KokkosScope& operator=(const KokkosScope&) = delete;

  // "Serial", "OpenMP", "Cuda", ...: the execution space the kernels run on.
  static std::string execution_space();

 private:
  bool owner_ = false;
};

}  // namespace edgeloop::sisso
