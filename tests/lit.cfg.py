# -*- Python -*-
# lit configuration shared by every Safepoint build tree (one per LLVM major).

import os
import lit.formats

config.name = "Safepoint-LLVM" + config.llvm_major
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".ll", ".cpp", ".c", ".test"]
config.excludes = ["Inputs", "runtime", "CMakeLists.txt", "lit.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.safepoint_obj_root, "tests")

config.available_features.add("llvm-" + config.llvm_major)
config.environment["PATH"] = os.pathsep.join(
    [config.llvm_tools_dir, config.environment.get("PATH", "")])

inputs = os.path.join(config.test_source_root, "e2e", "Inputs")
std = "-std=c++20"
plugin = "-fplugin=" + config.clang_plugin
includes = "-I" + config.runtime_include + " -I" + inputs

# %clangxx        plain clang++ of this LLVM major
# %sp_clangxx     clang++ with the Clang plugin and the runtime headers
# %sp_link        what an instrumented executable links (static runtime)
# %opt_sp         opt with the pass-only plugin loaded
config.substitutions.append(("%sp_clangxx", " ".join([config.clangxx, std, plugin, includes])))
config.substitutions.append(("%clangxx", " ".join([config.clangxx, std, includes])))
config.substitutions.append(("%sp_clang", " ".join([config.clang, plugin])))
# %sp_link_shared  the same with the shared runtime (before %sp_link: prefix)
runtime_dir = os.path.dirname(config.runtime_shared_lib)
config.substitutions.append(("%sp_link_shared", "-L" + runtime_dir + " -Wl,-rpath," + runtime_dir + " -lsafepoint -pthread"))
config.substitutions.append(("%sp_link", config.runtime_lib + " -pthread"))
config.substitutions.append(("%opt_sp", "opt -load-pass-plugin=" + config.pass_plugin))
config.substitutions.append(("%pass_plugin", config.pass_plugin))
config.substitutions.append(("%clang_plugin", config.clang_plugin))
