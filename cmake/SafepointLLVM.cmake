# Locate one LLVM/Clang installation (major 19..22) for the plugins.
#
# Debian's LLVMConfigVersion.cmake wants the full "19.1", so
# find_package(LLVM 19) fails: find without a version, then check the range.
# Clang is searched only next to that LLVM, or CMake may pick clang-14's.

set(SAFEPOINT_LLVM_MIN_MAJOR 19)
set(SAFEPOINT_LLVM_MAX_MAJOR 22)

if(NOT LLVM_DIR AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # Default to the LLVM that matches the clang++ we build with.
  string(REGEX MATCH "^[0-9]+" _sp_major "${CMAKE_CXX_COMPILER_VERSION}")
  if(EXISTS /usr/lib/llvm-${_sp_major}/lib/cmake/llvm)
    set(LLVM_DIR /usr/lib/llvm-${_sp_major}/lib/cmake/llvm)
  endif()
endif()

find_package(LLVM REQUIRED CONFIG)
if(LLVM_VERSION_MAJOR LESS SAFEPOINT_LLVM_MIN_MAJOR OR
   LLVM_VERSION_MAJOR GREATER SAFEPOINT_LLVM_MAX_MAJOR)
  message(FATAL_ERROR
    "Safepoint supports LLVM ${SAFEPOINT_LLVM_MIN_MAJOR}..${SAFEPOINT_LLVM_MAX_MAJOR}; "
    "found ${LLVM_PACKAGE_VERSION} at ${LLVM_DIR}. Pass -DLLVM_DIR=/usr/lib/llvm-N/lib/cmake/llvm.")
endif()
find_package(Clang REQUIRED CONFIG
  PATHS ${LLVM_LIBRARY_DIR}/cmake/clang NO_DEFAULT_PATH)

set(SAFEPOINT_LLVM_MAJOR ${LLVM_VERSION_MAJOR})
set(SAFEPOINT_LLVM_TOOLS_DIR ${LLVM_TOOLS_BINARY_DIR})
find_program(SAFEPOINT_CLANGXX NAMES clang++ PATHS ${LLVM_TOOLS_BINARY_DIR}
  NO_DEFAULT_PATH REQUIRED)
find_program(SAFEPOINT_CLANG NAMES clang PATHS ${LLVM_TOOLS_BINARY_DIR}
  NO_DEFAULT_PATH REQUIRED)
message(STATUS "Safepoint: LLVM ${LLVM_PACKAGE_VERSION} (${LLVM_DIR}), "
  "clang++ ${SAFEPOINT_CLANGXX}")

if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR
   NOT CMAKE_CXX_COMPILER_VERSION MATCHES "^${LLVM_VERSION_MAJOR}\\.")
  message(WARNING "Safepoint: building with ${CMAKE_CXX_COMPILER_ID} "
    "${CMAKE_CXX_COMPILER_VERSION}; the tests compile with ${SAFEPOINT_CLANGXX}. "
    "Use -DCMAKE_CXX_COMPILER=${SAFEPOINT_CLANGXX} for a consistent build.")
endif()
