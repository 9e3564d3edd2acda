# safepoint_instrument(<target>)
# Compiles <target> with the Safepoint Clang plugin of this build tree and
# links the static runtime. The target must be built with the clang++ whose
# major matches the plugin (configure with -DCMAKE_CXX_COMPILER=clang++-N).
function(safepoint_instrument target)
  target_compile_options(${target} PRIVATE
    "-fplugin=$<TARGET_FILE:SafepointPlugin>")
  target_link_libraries(${target} PRIVATE safepoint_runtime)
  # Rebuild instrumented code when the plugin changes.
  add_dependencies(${target} SafepointPlugin)
  set_property(TARGET ${target} APPEND PROPERTY
    OBJECT_DEPENDS $<TARGET_FILE:SafepointPlugin>)
endfunction()
