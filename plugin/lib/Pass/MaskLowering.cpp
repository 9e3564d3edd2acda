//===- MaskLowering.cpp - Mask interrupts in cleanup code -----------------===//
//
// A poll in instrumented code that runs under a destructor, a noexcept
// function or a [[no_interrupts]] function must not throw: the exception
// would reach std::terminate or cut the cleanup short. The frontend marks such
// functions with `call @__safepoint_mask_marker()`; here each marked function
// that makes a call able to reach a poll increments the thread-local
// __safepoint_mask_depth on entry and decrements it on every exit, normal or
// unwinding. A poll that finds the depth non-zero defers the interrupt.
//
// A call can reach a poll only if it may throw: a function containing a poll
// is never nounwind, and a nounwind callee masks itself before it calls on.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/Transforms/Utils/EscapeEnumerator.h"

using namespace llvm;

namespace safepoint {

static bool makesPollableCall(const Function &F, const Function *MaskMarker) {
  for (const Instruction &I : instructions(F)) {
    const auto *CB = dyn_cast<CallBase>(&I);
    if (!CB || isa<IntrinsicInst>(CB) || CB->getCalledFunction() == MaskMarker)
      continue;
    if (!CB->doesNotThrow())
      return true;
  }
  return false;
}

static void addToDepth(IRBuilder<> &B, GlobalVariable *Depth, int Delta) {
  Value *Addr = B.CreateThreadLocalAddress(Depth);
  Value *Old = B.CreateAlignedLoad(B.getInt32Ty(), Addr, Align(4));
  B.CreateAlignedStore(B.CreateAdd(Old, B.getInt32(Delta)), Addr, Align(4));
}

static void maskFunction(Function &F, GlobalVariable *Depth) {
  IRBuilder<> Entry(&*F.getEntryBlock().getFirstNonPHIOrDbgOrAlloca());
  addToDepth(Entry, Depth, +1);
  // A nounwind function is left only by returning; otherwise also wrap every
  // call that may unwind out of F in a cleanup that restores the depth.
  EscapeEnumerator Exits(F, "safepoint.mask.cleanup",
                         /*HandleExceptions=*/!F.doesNotThrow());
  while (IRBuilder<> *AtExit = Exits.Next())
    addToDepth(*AtExit, Depth, -1);
}

unsigned lowerMasks(Module &M, RuntimeDecls &RT, bool IRMode) {
  Function *Marker = M.getFunction(abi::MaskMarker);
  SmallPtrSet<Function *, 16> Marked;
  if (Marker)
    for (User *U : Marker->users())
      if (auto *CB = dyn_cast<CallBase>(U); CB && CB->getCalledFunction() == Marker)
        Marked.insert(CB->getFunction());
  // In module order, so that remarks come out deterministically.
  SmallVector<Function *, 16> Candidates;
  for (Function &F : M)
    if (!F.isDeclaration() &&
        (Marker ? Marked.contains(&F) : IRMode && F.doesNotThrow()))
      Candidates.push_back(&F);

  unsigned Masked = 0;
  for (Function *F : Candidates) {
    OptimizationRemarkEmitter ORE(F);
    if (makesPollableCall(*F, Marker)) {
      maskFunction(*F, RT.maskDepth());
      ++Masked;
      ORE.emit([&] {
        return OptimizationRemark(abi::RemarkName.data(), "Masked", F)
               << "interrupts masked while '"
               << ore::NV("Function", llvm::demangle(F->getName()))
               << "' runs: it may call code with polls";
      });
    } else if (Marker) {
      ORE.emit([&] {
        return OptimizationRemarkAnalysis(abi::RemarkName.data(), "MaskOmitted", F)
               << "no mask needed in '" << ore::NV("Function", llvm::demangle(F->getName()))
               << "': no call in it can reach a poll";
      });
    }
  }

  if (Marker) {
    for (User *U : make_early_inc_range(Marker->users()))
      cast<Instruction>(U)->eraseFromParent();
    Marker->eraseFromParent();
  }
  return Masked;
}

} // namespace safepoint
