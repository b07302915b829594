# ctest helper: fails when the binary BIN has libtorchrs.so among its dynamic dependencies
# (the static link test must not need the shared library at run time).
execute_process(COMMAND readelf -d "${BIN}" OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf -d ${BIN} failed")
endif()
if(out MATCHES "libtorchrs" OR out MATCHES "libtorch\\.so")
  message(FATAL_ERROR "${BIN} depends on the shared library:\n${out}")
endif()
message(STATUS "${BIN} has no dependency on libtorchrs.so")
