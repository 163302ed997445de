# One place for the warning set and sanitizer switches applied to the project's own targets.
# Third-party headers are included as SYSTEM so their warnings never fail our build.

option(EDGELOOP_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)

find_program(EDGELOOP_CCACHE ccache)
if(EDGELOOP_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${EDGELOOP_CCACHE}")
  set(CMAKE_C_COMPILER_LAUNCHER "${EDGELOOP_CCACHE}")
  set(CMAKE_CUDA_COMPILER_LAUNCHER "${EDGELOOP_CCACHE}")
endif()

add_library(edgeloop_warnings INTERFACE)
add_library(edgeloop::warnings ALIAS edgeloop_warnings)
target_compile_options(edgeloop_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wconversion -Wsign-conversion
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough>)
# GCC 12 reports impossible overlaps in std::string concatenation at -O3 (GCC bug 105329, a
# false positive inside libstdc++), which would fail Release builds on Debian 12.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(edgeloop_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
endif()
if(EDGELOOP_WARNINGS_AS_ERRORS)
  target_compile_options(edgeloop_warnings INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-Werror>
    $<$<COMPILE_LANGUAGE:CUDA>:-Werror=all-warnings>)
endif()
if(EDGELOOP_SANITIZE)
  target_compile_options(edgeloop_warnings INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined -fno-omit-frame-pointer>)
  target_link_options(edgeloop_warnings INTERFACE -fsanitize=address,undefined)
endif()

# edgeloop_target(<name>) applies the project's options to one of its own targets.
function(edgeloop_target name)
  target_link_libraries(${name} PRIVATE edgeloop::warnings)
endfunction()
