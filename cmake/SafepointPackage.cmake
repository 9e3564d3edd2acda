# Everything a project outside this tree uses to adopt Safepoint, generated
# twice: for the build tree (absolute paths into it; usable without
# installing) and for the install tree (relocatable: each file finds the
# prefix from its own location, so `cmake --install --prefix DIR` works).
#
#   bin/safepoint-config            flags, like llvm-config
#   bin/safepoint-clang++, -clang   compiler wrappers for CC/CXX-only builds
#   lib/pkgconfig/safepoint.pc      pkg-config, static runtime
#   lib/pkgconfig/safepoint-shared.pc   pkg-config, shared runtime
#   lib/cmake/Safepoint/            find_package(Safepoint): Safepoint::instrument,
#                                   Safepoint::instrument_shared, Safepoint::runtime,
#                                   Safepoint::runtime_shared, Safepoint::plugin,
#                                   Safepoint::pass_plugin
#
# The build tree is laid out like a prefix: CMAKE_PREFIX_PATH=<build> and
# PKG_CONFIG_PATH=<build>/lib/pkgconfig find it.

include(CMakePackageConfigHelpers)

set(SAFEPOINT_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Safepoint)
set(_sp_templates ${PROJECT_SOURCE_DIR}/cmake/templates)

# safepoint_generate(<kind> <template> <output> [EXECUTABLE])
# Configures <template> with the SAFEPOINT_PKG_* variables of <kind>, then
# evaluates generator expressions (target file names).
function(safepoint_generate kind template output)
  get_filename_component(name ${output} NAME)
  set(configured ${PROJECT_BINARY_DIR}/cmake-gen/${kind}/${name})
  configure_file(${_sp_templates}/${template} ${configured} @ONLY)
  if(ARGN STREQUAL "EXECUTABLE")
    file(GENERATE OUTPUT ${output} INPUT ${configured}
      FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
                       GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  else()
    file(GENERATE OUTPUT ${output} INPUT ${configured})
  endif()
endfunction()

# Shell scripts: SAFEPOINT_PKG_LOCATE sets $prefix (install tree only);
# the paths below may use it.
function(safepoint_generate_scripts kind outdir)
  foreach(script safepoint-config safepoint-clang++ safepoint-clang)
    if(script STREQUAL "safepoint-config")
      set(template safepoint-config.in)
    else()
      set(template safepoint-clang.in)
      if(script STREQUAL "safepoint-clang++")
        set(SAFEPOINT_PKG_DRIVER ${SAFEPOINT_CLANGXX})
        set(SAFEPOINT_PKG_DRIVER_LANG CXX)
      else()
        set(SAFEPOINT_PKG_DRIVER ${SAFEPOINT_CLANG})
        set(SAFEPOINT_PKG_DRIVER_LANG C)
      endif()
    endif()
    set(SAFEPOINT_PKG_SCRIPT ${script})
    safepoint_generate(${kind} ${template} ${outdir}/${script} EXECUTABLE)
  endforeach()
endfunction()

set(SAFEPOINT_PKG_CXX ${SAFEPOINT_CLANGXX})
set(SAFEPOINT_PKG_CC ${SAFEPOINT_CLANG})

# --- Build tree ---------------------------------------------------------------
set(SAFEPOINT_PKG_KIND "build-tree")
set(SAFEPOINT_PKG_LOCATE "")
set(SAFEPOINT_PKG_PLUGIN $<TARGET_FILE:SafepointPlugin>)
set(SAFEPOINT_PKG_PASS_PLUGIN $<TARGET_FILE:SafepointPass>)
set(SAFEPOINT_PKG_INCLUDEDIR ${PROJECT_SOURCE_DIR}/runtime/include)
set(SAFEPOINT_PKG_LIBDIR $<TARGET_FILE_DIR:safepoint_runtime>)
set(SAFEPOINT_PKG_CMAKEDIR ${PROJECT_BINARY_DIR}/${SAFEPOINT_CMAKE_INSTALL_DIR})
set(SAFEPOINT_PKG_PC_PREFIX ${PROJECT_BINARY_DIR})
set(SAFEPOINT_PKG_PC_INCLUDEDIR ${SAFEPOINT_PKG_INCLUDEDIR})
set(SAFEPOINT_PKG_PC_LIBDIR ${SAFEPOINT_PKG_LIBDIR})
set(SAFEPOINT_PKG_PC_PLUGIN ${SAFEPOINT_PKG_PLUGIN})
safepoint_generate_scripts(build-tree ${PROJECT_BINARY_DIR}/bin)
safepoint_generate(build-tree safepoint.pc.in
  ${PROJECT_BINARY_DIR}/lib/pkgconfig/safepoint.pc)
safepoint_generate(build-tree safepoint-shared.pc.in
  ${PROJECT_BINARY_DIR}/lib/pkgconfig/safepoint-shared.pc)

export(EXPORT SafepointTargets NAMESPACE Safepoint::
  FILE ${SAFEPOINT_PKG_CMAKEDIR}/SafepointTargets.cmake)
configure_file(${_sp_templates}/SafepointConfig.cmake.in
  ${SAFEPOINT_PKG_CMAKEDIR}/SafepointConfig.cmake @ONLY)
# 0.x: a minor version may break the ABI.
write_basic_package_version_file(
  ${SAFEPOINT_PKG_CMAKEDIR}/SafepointConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)

# --- Install tree -------------------------------------------------------------
set(SAFEPOINT_PKG_KIND "install-tree")
# Resolve symlinks (a link in /usr/local/bin to an installed script still
# finds its prefix).
set(SAFEPOINT_PKG_LOCATE
"self=$(readlink -f \"$0\" 2>/dev/null || printf '%s' \"$0\")
prefix=$(CDPATH= cd -- \"$(dirname -- \"$self\")/..\" && pwd)")
file(RELATIVE_PATH _sp_bin_to_prefix
  ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR} ${CMAKE_INSTALL_PREFIX})
set(SAFEPOINT_PKG_PLUGIN
  "\${prefix}/${CMAKE_INSTALL_LIBDIR}/safepoint/$<TARGET_FILE_NAME:SafepointPlugin>")
set(SAFEPOINT_PKG_PASS_PLUGIN
  "\${prefix}/${CMAKE_INSTALL_LIBDIR}/safepoint/$<TARGET_FILE_NAME:SafepointPass>")
set(SAFEPOINT_PKG_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
set(SAFEPOINT_PKG_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
set(SAFEPOINT_PKG_CMAKEDIR "\${prefix}/${SAFEPOINT_CMAKE_INSTALL_DIR}")
# pkg-config: relative to the .pc file's own directory.
set(SAFEPOINT_PKG_PC_PREFIX "\${pcfiledir}/../..")
set(SAFEPOINT_PKG_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
set(SAFEPOINT_PKG_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
set(SAFEPOINT_PKG_PC_PLUGIN
  "\${libdir}/safepoint/$<TARGET_FILE_NAME:SafepointPlugin>")
set(_sp_inst ${PROJECT_BINARY_DIR}/install)
safepoint_generate_scripts(install-tree ${_sp_inst}/bin)
safepoint_generate(install-tree safepoint.pc.in ${_sp_inst}/safepoint.pc)
safepoint_generate(install-tree safepoint-shared.pc.in
  ${_sp_inst}/safepoint-shared.pc)

install(PROGRAMS ${_sp_inst}/bin/safepoint-config ${_sp_inst}/bin/safepoint-clang++
                 ${_sp_inst}/bin/safepoint-clang
  DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${_sp_inst}/safepoint.pc ${_sp_inst}/safepoint-shared.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(EXPORT SafepointTargets NAMESPACE Safepoint::
  DESTINATION ${SAFEPOINT_CMAKE_INSTALL_DIR})
install(FILES
  ${PROJECT_BINARY_DIR}/${SAFEPOINT_CMAKE_INSTALL_DIR}/SafepointConfig.cmake
  ${PROJECT_BINARY_DIR}/${SAFEPOINT_CMAKE_INSTALL_DIR}/SafepointConfigVersion.cmake
  DESTINATION ${SAFEPOINT_CMAKE_INSTALL_DIR})

# In-tree equivalent of the package's Safepoint::instrument, for projects
# that add this one with add_subdirectory().
add_library(safepoint_instrument INTERFACE)
target_compile_options(safepoint_instrument INTERFACE
  "$<$<COMPILE_LANGUAGE:CXX>:-fplugin=$<TARGET_FILE:SafepointPlugin>>")
target_include_directories(safepoint_instrument INTERFACE
  ${PROJECT_SOURCE_DIR}/runtime/include)
target_link_libraries(safepoint_instrument INTERFACE
  "$<LINK_ONLY:safepoint_runtime>")
add_dependencies(safepoint_instrument SafepointPlugin)
add_library(Safepoint::instrument ALIAS safepoint_instrument)
