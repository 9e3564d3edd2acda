//===- PollLoadPromotion.cpp - Keep loads of invariant memory out of loops
//-===//
//
// A loop that keeps a poll in every iteration (a bytecode dispatch loop, a
// loop the vectorizer cannot take) calls the poll's slow path, and a call may
// write any memory whose address has escaped: LICM then leaves in the loop a
// load that plain code hoists, such as the data pointer of a global vector
// the loop indexes (`code[pc++]`), reloaded every iteration. GVN moves such a
// load to the slow path only when it sits in the loop header and the loop has
// one latch, which a dispatch loop does not have. This pass does it for any
// polled loop:
//
//   preheader:  %v.pre = load ptr, ptr @G       ; new
//   header:     %v = phi [%v.pre, preheader], [%v.next, latches...]
//   slow:       call @__safepoint_poll_slow()
//               %v.reload = load ptr, ptr @G    ; new
//   body:       ... uses of the old load use the value reaching it
//
// Conditions, for each group of loads of one type from one loop-invariant
// address: no instruction of the loop but the slow paths may write that
// memory (AA; a relaxed atomic store elsewhere only if it may alias), the
// loop calls nothing else, and the address is dereferenceable where the loop
// starts (a global, an alloca, a `this` with its dereferenceable attribute),
// as LICM requires to hoist a load. The reload after a slow call must not
// read what the loop would not: either the object cannot be freed (a
// global, an alloca), or the slow path rejoins the loop at one of the loads
// (a handshake may free a heap object the loop then leaves alone). The
// value at each old load is the last of the new loads on the way to it
// (SSAUpdater): memory there changes only in the slow calls.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/Analysis/AliasAnalysis.h"
#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/Loads.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/MemoryLocation.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/Transforms/Utils/SSAUpdater.h"

using namespace llvm;

namespace safepoint {

namespace {

/// At most this many groups of loads are promoted per loop: each keeps a
/// register live across the loop.
constexpr unsigned MaxPromotedPerLoop = 8;

class Promoter {
public:
  Promoter(Function &F, LoopInfo &LI, DominatorTree &DT, AAResults &AA,
           AssumptionCache &AC, OptimizationRemarkEmitter &ORE)
      : F(F), LI(LI), DT(DT), AA(AA), AC(AC), ORE(ORE) {}

  bool run() {
    bool Changed = false;
    // Outer loops first: a load hoisted out of the outer loop leaves the
    // inner one too.
    for (Loop *L : LI.getLoopsInPreorder())
      Changed |= promote(*L);
    return Changed;
  }

private:
  /// The block where a value reloaded after \p Slow is defined: the call's
  /// own block, or an invoke's normal destination if it has no other way in.
  static BasicBlock *reloadBlock(CallBase *Slow) {
    if (auto *II = dyn_cast<InvokeInst>(Slow)) {
      BasicBlock *Normal = II->getNormalDest();
      return Normal->getSinglePredecessor() ? Normal : nullptr;
    }
    return Slow->getParent();
  }

  static Instruction *reloadPoint(CallBase *Slow) {
    if (isa<InvokeInst>(Slow))
      return &*reloadBlock(Slow)->getFirstInsertionPt();
    return Slow->getNextNode();
  }

  bool promote(Loop &L) {
    BasicBlock *Preheader = L.getLoopPreheader();
    if (!Preheader)
      return false;
    SmallVector<CallBase *, 4> SlowCalls;
    SmallPtrSet<BasicBlock *, 4> DefBlocks;
    for (BasicBlock *BB : L.blocks())
      for (Instruction &I : *BB) {
        auto *CB = dyn_cast<CallBase>(&I);
        if (!CB || isa<IntrinsicInst>(CB))
          continue;
        if (!isSlowCall(*CB))
          return false; // another call: it may write anything anyway
        BasicBlock *Def = reloadBlock(CB);
        if (!Def)
          return false;
        SlowCalls.push_back(CB);
        DefBlocks.insert(CB->getParent());
        DefBlocks.insert(Def);
      }
    if (SlowCalls.empty())
      return false;

    // Loads of one type from one invariant address, inner loops included,
    // outside the blocks that will hold the reloads.
    MapVector<std::pair<Value *, Type *>, SmallVector<LoadInst *, 2>> Groups;
    for (BasicBlock *BB : L.blocks()) {
      if (DefBlocks.contains(BB))
        continue;
      for (Instruction &I : *BB)
        if (auto *Load = dyn_cast<LoadInst>(&I);
            Load && Load->isSimple() &&
            L.isLoopInvariant(Load->getPointerOperand()))
          Groups[{Load->getPointerOperand(), Load->getType()}].push_back(Load);
    }

    unsigned Promoted = 0;
    const DataLayout &DL = F.getParent()->getDataLayout();
    for (auto &Group : Groups) {
      if (Promoted == MaxPromotedPerLoop)
        break;
      Value *Ptr = Group.first.first;
      Type *Ty = Group.first.second;
      SmallVectorImpl<LoadInst *> &Loads = Group.second;
      Align A = Loads.front()->getAlign();
      AAMDNodes AATags = Loads.front()->getAAMetadata();
      for (LoadInst *Load : Loads) {
        A = std::min(A, Load->getAlign());
        AATags = AATags.merge(Load->getAAMetadata());
      }
      if (!isSafeToLoadUnconditionally(Ptr, Ty, A, DL,
                                       Preheader->getTerminator(), &AC, &DT))
        continue;
      if (Ptr->canBeFreed() && !all_of(SlowCalls, [&](CallBase *Slow) {
            return loadedRightAfter(Slow, Loads, DefBlocks);
          }))
        continue;
      MemoryLocation Loc(Ptr, LocationSize::precise(DL.getTypeStoreSize(Ty)),
                         AATags);
      if (writtenInLoop(L, Loc))
        continue;

      SSAUpdater SSA;
      SSA.Initialize(Ty, Loads.front()->getName());
      auto LoadAt = [&](Instruction *Before, const Twine &Name) {
        IRBuilder<> B(Before);
        LoadInst *New = B.CreateAlignedLoad(Ty, Ptr, A, Name);
        New->setAAMetadata(AATags);
        New->setDebugLoc(Loads.front()->getDebugLoc());
        return New;
      };
      SSA.AddAvailableValue(Preheader,
                            LoadAt(Preheader->getTerminator(), "sp.promoted"));
      for (CallBase *Slow : SlowCalls) {
        LoadInst *Reload = LoadAt(reloadPoint(Slow), "sp.reload");
        Reload->setDebugLoc(Slow->getDebugLoc());
        SSA.AddAvailableValue(Reload->getParent(), Reload);
      }
      for (LoadInst *Load : Loads) {
        Load->replaceAllUsesWith(
            SSA.GetValueInMiddleOfBlock(Load->getParent()));
        Load->eraseFromParent();
      }
      ++Promoted;
    }
    if (Promoted)
      ORE.emit([&] {
        return OptimizationRemark(abi::RemarkName.data(), "LoadsPromoted",
                                  L.getStartLoc(), L.getHeader())
               << "loads of invariant memory kept out of the polled loop "
                  "(reloaded after its slow path): "
               << ore::NV("Loads", Promoted);
      });
    return Promoted != 0;
  }

  /// True if, once \p Slow returns, the loop surely runs one of \p Loads
  /// before anything else can happen: the first instructions of the block
  /// the slow path rejoins. A reload there reads nothing the loop would not
  /// read, even if the slow path freed the object (a handshake may).
  static bool loadedRightAfter(CallBase *Slow, ArrayRef<LoadInst *> Loads,
                               const SmallPtrSetImpl<BasicBlock *> &DefBlocks) {
    BasicBlock *Rejoin = reloadBlock(Slow)->getSingleSuccessor();
    if (!Rejoin || DefBlocks.contains(Rejoin))
      return false;
    for (Instruction &I : *Rejoin) {
      if (is_contained(Loads, &I))
        return true;
      if (!isGuaranteedToTransferExecutionToSuccessor(&I))
        return false;
    }
    return false;
  }

  /// True if something in \p L other than the slow calls may write \p Loc.
  /// The batch lives for this query only: promote() edits the loop between
  /// two of them.
  bool writtenInLoop(Loop &L, const MemoryLocation &Loc) {
    BatchAAResults BAA(AA);
    for (BasicBlock *BB : L.blocks())
      for (Instruction &I : *BB) {
        if (!I.mayWriteToMemory())
          continue;
        if (auto *CB = dyn_cast<CallBase>(&I); CB && !isa<IntrinsicInst>(CB))
          continue; // a slow call: promote() allowed no other
        // A relaxed store (a progress counter) orders nothing else; AA would
        // count it as writing everything.
        if (auto *SI = dyn_cast<StoreInst>(&I);
            SI && !SI->isVolatile() &&
            !isStrongerThanMonotonic(SI->getOrdering())) {
          if (BAA.alias(MemoryLocation::get(SI), Loc) != AliasResult::NoAlias)
            return true;
          continue;
        }
        if (isModSet(BAA.getModRefInfo(&I, Loc)))
          return true;
      }
    return false;
  }

  Function &F;
  LoopInfo &LI;
  DominatorTree &DT;
  AAResults &AA;
  AssumptionCache &AC;
  OptimizationRemarkEmitter &ORE;
};

} // namespace

PreservedAnalyses PollLoadPromotionPass::run(Function &F,
                                             FunctionAnalysisManager &FAM) {
  if (F.isDeclaration() || F.hasOptNone() || ablated("promote-loads"))
    return PreservedAnalyses::all();
  auto &LI = FAM.getResult<LoopAnalysis>(F);
  if (LI.empty())
    return PreservedAnalyses::all();
  Promoter P(F, LI, FAM.getResult<DominatorTreeAnalysis>(F),
             FAM.getResult<AAManager>(F), FAM.getResult<AssumptionAnalysis>(F),
             FAM.getResult<OptimizationRemarkEmitterAnalysis>(F));
  if (!P.run())
    return PreservedAnalyses::all();
  PreservedAnalyses PA;
  PA.preserveSet<CFGAnalyses>();
  return PA;
}

} // namespace safepoint
