//===- PollUnrolling.cpp - One poll per unrolled iteration ----------------===//
//
// A small loop that keeps a poll in every iteration (a tree walk, a linked
// list, a CSR row: loops late strip-mining leaves alone because they would
// stay scalar) pays the poll on few instructions, and the poll's slow call
// makes the target's unrolling preferences skip the loop (a loop with a call
// "could prevent inlining"), so it also loses the runtime unrolling plain
// code gets. Just before the vectorizer, after late strip-mining and load
// promotion, this pass unrolls such a loop by PollUnrollCount and keeps the
// poll in the first copy only, as HotSpot polls once per unrolled body:
//
//   header:   <poll> body; exit?        header:   <poll> body; exit?
//             br header           ==>   header.1: body; exit?
//                                       header.2: body; exit?
//                                       header.3: body; exit?
//                                                 br header
//
// A loop whose trip count SCEV can compute gets LLVM's runtime unrolling (an
// epilogue loop of fewer than PollUnrollCount iterations, polling in each); any
// other keeps every copy's exit. Each run of the loop still polls in its first
// iteration (if that goes around), and at most PollUnrollCount bodies run
// between two polls (the work bound, docs/safety-model.md). A walk of unknown
// length whose whole body is at most half the path budget is unrolled by
// PollUnrollCountShort instead: the same work between two polls, half the polls
// (a linked-list walk's few instructions per node), and less code than four
// copies of a large body.
//
// Conditions: an innermost loop whose back-edge poll runs once in every
// iteration that goes around (at the header, or after the test of a rotated
// `while (c) {}`: iterationPoll()), that calls nothing but its slow path and
// intrinsics that cannot throw (no other cleanup scope opens inside), whose
// iterations run at most PollUnrollPathBudget instructions (the poll is a large
// share of them; a switch loop qualifies by its one case per iteration) and
// whose body has at most PollUnrollSizeBudget (what each copy adds), no unroll
// pragma or metadata of its own (a user's `#pragma nounroll`, the polled copy
// of late strip-mining), and no switch the target lowers to a jump table: four
// copies of a dispatch loop's indirect jump with one poll among them ran slower
// than one jump with a poll per dispatch.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "safepoint/Compat.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/LoopIterator.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/Transforms/Utils/LCSSA.h"
#include "llvm/Transforms/Utils/Local.h"
#include "llvm/Transforms/Utils/LoopSimplify.h"
#include "llvm/Transforms/Utils/LoopUtils.h"
#include "llvm/Transforms/Utils/UnrollLoop.h"

using namespace llvm;

namespace safepoint {

/// Makes the poll that ends \p BB and loads \p Word never taken;
/// SimplifyCFG later removes its slow path.
static void dropPoll(BasicBlock &BB, LoadInst &Word) {
  auto *Br = cast<BranchInst>(BB.getTerminator());
  auto *Cmp = cast<ICmpInst>(Br->getCondition());
  // pending ? slow : cont, with either successor order.
  bool SlowIfTrue = Cmp->getPredicate() == ICmpInst::ICMP_NE;
  Br->setCondition(ConstantInt::getBool(Br->getContext(), !SlowIfTrue));
  eraseDeadPollCheck(*Cmp, Word);
}

std::optional<StringRef> whyNotPollUnrolled(Loop &L, LoopInfo &LI,
                                            const TargetTransformInfo &TTI,
                                            uint64_t *BodySize) {
  if (hasUnrollTransformation(&L) != TM_Unspecified)
    return StringRef("it has unroll metadata");
  // Size: what the copies add. Path: the longest way from the header to
  // a latch or an exit, which one iteration runs at most (a switch
  // dispatch loop is large, but an iteration runs one case).
  uint64_t Size = 0, Path = 0;
  DenseMap<BasicBlock *, uint64_t> PathTo;
  LoopBlocksRPO RPO(&L);
  RPO.perform(&LI);
  for (BasicBlock *BB : RPO) {
    uint64_t Here = 0;
    for (Instruction &I : *BB) {
      if (I.isDebugOrPseudoInst())
        continue;
      if (auto *CB = dyn_cast<CallBase>(&I)) {
        if (isSlowCall(I))
          continue;
        if (!isa<IntrinsicInst>(CB) || CB->mayThrow())
          return StringRef("it makes calls");
      }
      if (isa<IndirectBrInst>(I))
        return StringRef("it dispatches through indirectbr");
      // A switch dispatch loop: every copy would get its own indirect jump,
      // and the copies' polls cost more than one poll per iteration on a
      // single jump (interp_switch, fastest of 10 runs: 1.31 against 1.09
      // of plain, docs/performance.md), though they run fewer instructions.
      if (auto *SI = dyn_cast<SwitchInst>(&I);
          SI && !ablated("jump-table-whole")) {
        unsigned JumpTableSize = 0;
        TTI.getEstimatedNumberOfCaseClusters(*SI, JumpTableSize, nullptr,
                                             nullptr);
        if (JumpTableSize)
          return StringRef("it dispatches through a jump table");
      }
      ++Here;
    }
    uint64_t Before = 0;
    if (BB != L.getHeader())
      for (BasicBlock *Pred : predecessors(BB))
        if (auto It = PathTo.find(Pred); It != PathTo.end())
          Before = std::max(Before, It->second);
    PathTo[BB] = Before + Here;
    Path = std::max(Path, Before + Here);
    Size += Here;
  }
  // Not counting the poll itself (TLS address, load, compare, branch).
  Path -= std::min<uint64_t>(Path, PollFastPathInstrs + 1);
  if (Size > PollUnrollSizeBudget)
    return StringRef("its body is large");
  if (Path > PollUnrollPathBudget)
    return StringRef("an iteration runs long enough to hide its poll");
  if (BodySize)
    *BodySize = Size;
  return std::nullopt;
}

namespace {

class PollUnroller {
public:
  PollUnroller(LoopInfo &LI, DominatorTree &DT, ScalarEvolution &SE,
               AssumptionCache &AC, const TargetTransformInfo &TTI,
               OptimizationRemarkEmitter &ORE)
      : LI(LI), DT(DT), SE(SE), AC(AC), TTI(TTI), ORE(ORE) {}

  bool run() {
    struct Candidate {
      Loop *L;
      LoadInst *Poll; // its iterationPoll(), the one the copies keep
      unsigned Count;
    };
    SmallVector<Candidate, 8> Found;
    for (Loop *L : LI.getLoopsInPreorder()) {
      LoadInst *Poll = L->isInnermost() ? iterationPoll(*L, DT) : nullptr;
      if (!Poll || (Poll->getParent() != L->getHeader() &&
                    ablated("poll-unroll-after-test")))
        continue;
      if (unsigned Count = eligible(*L))
        Found.push_back({L, Poll, Count});
    }
    bool Changed = false;
    for (const Candidate &C : Found)
      Changed |= unroll(*C.L, *C.Poll, C.Count);
    return Changed;
  }

private:
  /// How many times to unroll \p L, which polls once per iteration, or 0
  /// if not.
  unsigned eligible(Loop &L) {
    uint64_t Size = 0;
    std::optional<StringRef> Why = whyNotPollUnrolled(L, LI, TTI, &Size);
    if (!Why) {
      // A short body, every path included (not a switch of many short
      // cases): twice the copies run the same work between two polls. Only
      // in a walk of unknown length, whose copies keep their exits: a loop
      // SCEV can count runs a remainder loop first, polling in each of its
      // iterations, up to seven in front of a short run.
      bool ShortWalk = Size * PollUnrollCountShort <=
                           PollUnrollPathBudget * PollUnrollCount &&
                       isa<SCEVCouldNotCompute>(SE.getBackedgeTakenCount(&L)) &&
                       !ablated("poll-unroll-short");
      return ShortWalk ? PollUnrollCountShort : PollUnrollCount;
    }
    ORE.emit([&] {
      return OptimizationRemarkMissed(abi::RemarkName.data(),
                                      "LoopPollNotUnrolled", L.getStartLoc(),
                                      L.getHeader())
             << "loop keeps its poll in every iteration, not unrolled: "
             << *Why;
    });
    return 0;
  }

  /// Unrolls \p L by \p Count; of its loop polls only \p Kept stays.
  bool unroll(Loop &L, LoadInst &Kept, unsigned Count) {
    DebugLoc Loc = L.getStartLoc();
    BasicBlock *Header = L.getHeader();
    simplifyLoop(&L, &DT, &LI, &SE, &AC, nullptr, /*PreserveLCSSA=*/false);
    formLCSSARecursively(L, DT, &LI, &SE);
    LoopUnrollResult R =
        UnrollLoop(&L, compat::unrollOptions(Count), &LI, &SE, &DT, &AC, &TTI,
                   &ORE, /*PreserveLCSSA=*/true);
    if (R != LoopUnrollResult::PartiallyUnrolled)
      return R != LoopUnrollResult::Unmodified;
    // The copies' polls go; the first copy's (the original) stays.
    for (BasicBlock *BB : L.blocks())
      if (LoadInst *Word = loopPoll(*BB); Word && Word != &Kept)
        dropPoll(*BB, *Word);
    L.setLoopAlreadyUnrolled();
    ORE.emit([&] {
      return OptimizationRemark(abi::RemarkName.data(), "LoopPollUnrolled", Loc,
                                Header)
             << "loop unrolled by " << ore::NV("Count", Count)
             << ", one poll per " << ore::NV("Count", Count) << " iterations";
    });
    return true;
  }

  LoopInfo &LI;
  DominatorTree &DT;
  ScalarEvolution &SE;
  AssumptionCache &AC;
  const TargetTransformInfo &TTI;
  OptimizationRemarkEmitter &ORE;
};

} // namespace

PreservedAnalyses PollUnrollPass::run(Function &F,
                                      FunctionAnalysisManager &FAM) {
  if (F.isDeclaration() || F.hasOptNone() || ablated("poll-unroll"))
    return PreservedAnalyses::all();
  auto &LI = FAM.getResult<LoopAnalysis>(F);
  if (LI.empty())
    return PreservedAnalyses::all();
  PollUnroller U(LI, FAM.getResult<DominatorTreeAnalysis>(F),
                 FAM.getResult<ScalarEvolutionAnalysis>(F),
                 FAM.getResult<AssumptionAnalysis>(F),
                 FAM.getResult<TargetIRAnalysis>(F),
                 FAM.getResult<OptimizationRemarkEmitterAnalysis>(F));
  if (!U.run())
    return PreservedAnalyses::all();
  return PreservedAnalyses::none();
}

} // namespace safepoint
