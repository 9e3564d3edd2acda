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
#include "llvm/Transforms/Utils/LoopUtils.h"
#include "llvm/Transforms/Utils/ScalarEvolutionExpander.h"
#include "llvm/Transforms/Utils/UnrollLoop.h"

#include <type_traits>

// LLVM 22 moved PassPlugin.h from llvm/Passes/ to llvm/Plugins/.
#if LLVM_VERSION_MAJOR >= 22
#include "llvm/Plugins/PassPlugin.h"
#else
#include "llvm/Passes/PassPlugin.h"
#endif

namespace safepoint::compat {

/// Registers \p Fn(MPM, Level, ThinPreLink, NoLTO) at the OptimizerLast
/// extension point. LLVM 20 added a ThinOrFullLTOPhase argument to this
/// callback: ThinPreLink tells ThinLTO's pre-link pipeline, NoLTO a pipeline
/// that ends in an object file. Before, both are false (unknown here; the
/// Clang plugin knows them from its CodeGenOptions).
template <typename FnT>
void registerOptimizerLastEP(llvm::PassBuilder &PB, FnT Fn) {
#if LLVM_VERSION_MAJOR >= 20
  PB.registerOptimizerLastEPCallback([Fn](llvm::ModulePassManager &MPM,
                                          llvm::OptimizationLevel Level,
                                          llvm::ThinOrFullLTOPhase Phase) {
    Fn(MPM, Level, Phase == llvm::ThinOrFullLTOPhase::ThinLTOPreLink,
       Phase == llvm::ThinOrFullLTOPhase::None);
  });
#else
  PB.registerOptimizerLastEPCallback(
      [Fn](llvm::ModulePassManager &MPM, llvm::OptimizationLevel Level) {
        Fn(MPM, Level, false, false);
      });
#endif
}

/// Options for llvm::UnrollLoop as the loop unroller gives them for
/// `#pragma unroll(Count)`: runtime unrolling where the trip count is
/// computable, else every copy keeps its exit. Later LLVMs added a SCEV
/// expansion budget without a default (22 has it, 19 does not): it is set
/// when the field exists.
template <typename ULOT = llvm::UnrollLoopOptions, typename = void>
struct HasSCEVBudget : std::false_type {};
template <typename ULOT>
struct HasSCEVBudget<ULOT, std::void_t<decltype(ULOT::SCEVExpansionBudget)>>
    : std::true_type {};

template <typename ULOT = llvm::UnrollLoopOptions>
ULOT unrollOptions(unsigned Count) {
  ULOT ULO{};
  ULO.Count = Count;
  ULO.Force = true;
  ULO.Runtime = true;
  ULO.AllowExpensiveTripCount = false;
  ULO.UnrollRemainder = false;
  ULO.ForgetAllSCEV = false;
  if constexpr (HasSCEVBudget<ULOT>::value)
    ULO.SCEVExpansionBudget = llvm::SCEVCheapExpansionBudget;
  return ULO;
}

} // namespace safepoint::compat

#endif // SAFEPOINT_COMPAT_H
