# Generates safepoint-config for the build tree (build/bin) and for the
# install tree.

function(safepoint_write_config kind output cxx plugin pass_plugin includedir libdir)
  set(SAFEPOINT_CONFIG_KIND ${kind})
  set(SAFEPOINT_CONFIG_CXX ${cxx})
  set(SAFEPOINT_CONFIG_PLUGIN ${plugin})
  set(SAFEPOINT_CONFIG_PASS_PLUGIN ${pass_plugin})
  set(SAFEPOINT_CONFIG_INCLUDEDIR ${includedir})
  set(SAFEPOINT_CONFIG_LIBDIR ${libdir})
  get_filename_component(name ${output} NAME)
  set(configured ${PROJECT_BINARY_DIR}/cmake-gen/${kind}/${name})
  configure_file(${PROJECT_SOURCE_DIR}/cmake/safepoint-config.in
    ${configured} @ONLY)
  file(GENERATE OUTPUT ${output} INPUT ${configured}
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
                     GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endfunction()

safepoint_write_config("build-tree"
  ${PROJECT_BINARY_DIR}/bin/safepoint-config
  ${SAFEPOINT_CLANGXX}
  $<TARGET_FILE:SafepointPlugin>
  $<TARGET_FILE:SafepointPass>
  ${PROJECT_SOURCE_DIR}/runtime/include
  $<TARGET_FILE_DIR:safepoint_runtime>)

set(_sp_prefix ${CMAKE_INSTALL_PREFIX})
safepoint_write_config("install-tree"
  ${PROJECT_BINARY_DIR}/install/safepoint-config
  ${SAFEPOINT_CLANGXX}
  ${_sp_prefix}/${CMAKE_INSTALL_LIBDIR}/safepoint/$<TARGET_FILE_NAME:SafepointPlugin>
  ${_sp_prefix}/${CMAKE_INSTALL_LIBDIR}/safepoint/$<TARGET_FILE_NAME:SafepointPass>
  ${_sp_prefix}/${CMAKE_INSTALL_INCLUDEDIR}
  ${_sp_prefix}/${CMAKE_INSTALL_LIBDIR})
install(PROGRAMS ${PROJECT_BINARY_DIR}/install/safepoint-config
  DESTINATION ${CMAKE_INSTALL_BINDIR})
