//===- PollLowering.cpp - Lower poll markers to the inline check ----------===//
//
// A poll marker `call/invoke @__safepoint_poll_marker(i32 Kind)` becomes
//
//   %w = load atomic i32, ptr @__safepoint_pending monotonic   ; initial-exec
//   br (%w != 0), label %slow, label %cont                     ; !prof cold
// slow:
//   call/invoke @__safepoint_poll_slow() [same unwind dest]
//
// The slow call keeps the marker's unwind destination, which the C++
// frontend computed from the live scopes at the poll site.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/IR/Constants.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"

using namespace llvm;

namespace safepoint {

static unsigned siteKind(const CallBase &CB) {
  if (CB.arg_size() == 1)
    if (auto *C = dyn_cast<ConstantInt>(CB.getArgOperand(0)))
      return C->getZExtValue();
  return SAFEPOINT_SITE_ENTRY;
}

static bool isMarkerCall(const Instruction &I, const Function *Marker) {
  auto *CB = dyn_cast<CallBase>(&I);
  return CB && Marker && CB->getCalledFunction() == Marker;
}

/// True if \p F does bounded work without its entry poll: it contains no
/// other poll site and calls nothing but intrinsics (so it cannot recurse and
/// cannot reach a long-running callee).
static bool hasBoundedWork(const Function &F, const Function *Marker) {
  for (const Instruction &I : instructions(F)) {
    const auto *CB = dyn_cast<CallBase>(&I);
    if (!CB || isa<IntrinsicInst>(CB))
      continue;
    if (CB->getCalledFunction() != Marker || siteKind(*CB) != SAFEPOINT_SITE_ENTRY)
      return false;
  }
  return true;
}

/// Emits the inline check in place of \p CB and erases it.
static void lowerOne(CallBase *CB, RuntimeDecls &RT) {
  LLVMContext &C = CB->getContext();
  IRBuilder<> B(CB);
  Value *Addr = B.CreateThreadLocalAddress(RT.pendingWord());
  LoadInst *Word = B.CreateAlignedLoad(B.getInt32Ty(), Addr, Align(4),
                                       "safepoint.pending");
  Word->setAtomic(AtomicOrdering::Monotonic);
  Value *IsPending = B.CreateIsNotNull(Word, "safepoint.is_pending");
  MDNode *Cold = MDBuilder(C).createUnlikelyBranchWeights();

  if (auto *II = dyn_cast<InvokeInst>(CB)) {
    // invoke marker to %normal unwind %lpad  ==>
    //   br %pending, %slow, %normal;  slow: invoke slow to %normal unwind %lpad
    BasicBlock *BB = II->getParent();
    BasicBlock *Normal = II->getNormalDest();
    BasicBlock *Unwind = II->getUnwindDest();
    Function *F = BB->getParent();
    BasicBlock *Slow = BasicBlock::Create(C, "safepoint.slow", F, Normal);
    IRBuilder<> SB(Slow);
    InvokeInst *NewII =
        SB.CreateInvoke(RT.pollSlow(), Normal, Unwind, {}, "");
    NewII->setDebugLoc(II->getDebugLoc());
    // The unwind edge now leaves Slow; the normal dest gains an edge.
    Unwind->replacePhiUsesWith(BB, Slow);
    for (PHINode &Phi : Normal->phis())
      Phi.addIncoming(Phi.getIncomingValueForBlock(BB), Slow);
    BranchInst *Br = B.CreateCondBr(IsPending, Slow, Normal, Cold);
    Br->setDebugLoc(II->getDebugLoc());
    II->eraseFromParent();
    return;
  }

  Instruction *Then = SplitBlockAndInsertIfThen(IsPending, CB,
                                                /*Unreachable=*/false, Cold);
  Then->getParent()->setName("safepoint.slow");
  CallInst *Slow = CallInst::Create(RT.pollSlow(), "", Then->getIterator());
  Slow->setDebugLoc(CB->getDebugLoc());
  CB->eraseFromParent();
}

unsigned lowerPollMarkers(Module &M, RuntimeDecls &RT, Placement P) {
  Function *Marker = M.getFunction(abi::PollMarker);
  if (!Marker)
    return 0;

  unsigned Placed = 0;
  SmallVector<CallBase *, 16> Sites;
  for (Function &F : M) {
    if (F.isDeclaration())
      continue;
    Sites.clear();
    for (Instruction &I : instructions(F))
      if (isMarkerCall(I, Marker))
        Sites.push_back(cast<CallBase>(&I));
    if (Sites.empty())
      continue;

    OptimizationRemarkEmitter ORE(&F);
    bool Bounded = P == Placement::Default && hasBoundedWork(F, Marker);
    for (CallBase *CB : Sites) {
      unsigned Kind = siteKind(*CB);
      if (Bounded && Kind == SAFEPOINT_SITE_ENTRY) {
        ORE.emit([&] {
          return OptimizationRemarkMissed(abi::RemarkName.data(), "EntryPollOmitted",
                                          CB)
                 << "no poll at entry of '" << ore::NV("Function", llvm::demangle(F.getName()))
                 << "': it calls no function and its loops are bounded, so its work is "
                    "bounded";
        });
        // An invoke of the marker cannot unwind once removed: branch on.
        if (auto *II = dyn_cast<InvokeInst>(CB)) {
          BranchInst::Create(II->getNormalDest(), II->getIterator());
          II->getUnwindDest()->removePredecessor(II->getParent());
        }
        CB->eraseFromParent();
        continue;
      }
      ORE.emit([&] {
        return OptimizationRemark(abi::RemarkName.data(), "PollPlaced", CB)
               << "poll at " << abi::siteKindName(Kind) << " in '"
               << ore::NV("Function", llvm::demangle(F.getName())) << "'";
      });
      lowerOne(CB, RT);
      ++Placed;
    }
  }
  if (Marker->use_empty())
    Marker->eraseFromParent();
  return Placed;
}

unsigned addIREntryMarkers(Module &M) {
  LLVMContext &C = M.getContext();
  FunctionCallee Marker = M.getOrInsertFunction(
      abi::PollMarker, Type::getVoidTy(C), Type::getInt32Ty(C));
  unsigned Added = 0;
  for (Function &F : M) {
    // Only functions that may already throw: every caller compiled them with
    // the cleanups and handlers an exception from the call needs, and at the
    // entry no local object of F is live yet.
    if (F.isDeclaration() || F.doesNotThrow() ||
        F.hasFnAttribute(Attribute::Naked) ||
        F.hasFnAttribute(Attribute::PresplitCoroutine) ||
        F.callsFunctionThatReturnsTwice() ||
        F.getName().starts_with("__safepoint_"))
      continue;
    IRBuilder<> B(&*F.getEntryBlock().getFirstNonPHIOrDbgOrAlloca());
    CallInst *Call = B.CreateCall(
        Marker, {B.getInt32(SAFEPOINT_SITE_ENTRY)});
    if (DISubprogram *SP = F.getSubprogram())
      Call->setDebugLoc(DILocation::get(C, SP->getScopeLine(), 0, SP));
    ++Added;
  }
  return Added;
}

} // namespace safepoint
