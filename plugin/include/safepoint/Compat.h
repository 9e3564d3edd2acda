//===- safepoint/Compat.h - Every LLVM/Clang version difference -*- C++ -*-===//
//
// Safepoint builds against LLVM 19..22 from one source set. Each #if on
// LLVM_VERSION_MAJOR lives in this header and nowhere else.
//
//===----------------------------------------------------------------------===//

#ifndef SAFEPOINT_COMPAT_H
#define SAFEPOINT_COMPAT_H

#include "llvm/Config/llvm-config.h"
#include "llvm/Passes/PassBuilder.h"

// LLVM 22 moved PassPlugin.h from llvm/Passes/ to llvm/Plugins/.
#if LLVM_VERSION_MAJOR >= 22
#include "llvm/Plugins/PassPlugin.h"
#else
#include "llvm/Passes/PassPlugin.h"
#endif

namespace safepoint::compat {

/// Registers \p Fn(MPM, Level, ThinLTOPreLink) at the OptimizerLast
/// extension point. LLVM 20 added a ThinOrFullLTOPhase argument to this
/// callback; before, ThinLTOPreLink is always false (the Clang plugin knows
/// it from its CodeGenOptions).
template <typename FnT>
void registerOptimizerLastEP(llvm::PassBuilder &PB, FnT Fn) {
#if LLVM_VERSION_MAJOR >= 20
  PB.registerOptimizerLastEPCallback([Fn](llvm::ModulePassManager &MPM,
                                          llvm::OptimizationLevel Level,
                                          llvm::ThinOrFullLTOPhase Phase) {
    Fn(MPM, Level, Phase == llvm::ThinOrFullLTOPhase::ThinLTOPreLink);
  });
#else
  PB.registerOptimizerLastEPCallback(
      [Fn](llvm::ModulePassManager &MPM, llvm::OptimizationLevel Level) {
        Fn(MPM, Level, false);
      });
#endif
}

} // namespace safepoint::compat

#endif // SAFEPOINT_COMPAT_H
