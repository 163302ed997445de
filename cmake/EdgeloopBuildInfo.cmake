# Run with `cmake -P` at every build: writes build_info.hpp from `git describe`, touching it only
# when the text changes, so provenance names the code actually built without needless rebuilds.
# Inputs: SOURCE_DIR, INPUT, OUTPUT, PROJECT_VERSION.
execute_process(
  COMMAND git describe --always --dirty --tags
  WORKING_DIRECTORY "${SOURCE_DIR}"
  OUTPUT_VARIABLE EDGELOOP_GIT_DESCRIBE
  OUTPUT_STRIP_TRAILING_WHITESPACE
  ERROR_QUIET)
if(NOT EDGELOOP_GIT_DESCRIBE)
  set(EDGELOOP_GIT_DESCRIBE "unknown")
endif()
configure_file("${INPUT}" "${OUTPUT}" @ONLY)
