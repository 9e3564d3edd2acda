//===- PollDistance.cpp - Report the longest poll-free path ---------------===//
//
// With -Rpass-analysis=safepoint, reports for every function with polls the
// largest static amount of work (in scalar IR instructions, just before the
// vectorizer and unroller, which only shorten it) between two polls: the longest path from the entry or a poll to a poll or
// an exit that crosses no poll. A loop without a poll counts its body times
// its maximum trip count; with no known bound the path is "unbounded".
// Calls count as one instruction: a callee polls on its own or has bounded
// work (docs/safety-model.md).
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/ADT/PostOrderIterator.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/ScalarEvolutionExpressions.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/LLVMContext.h"

using namespace llvm;

namespace safepoint {

bool isPollLoad(const Instruction &I, const GlobalVariable *Pending) {
  const auto *LI = dyn_cast<LoadInst>(&I);
  if (!LI)
    return false;
  const Value *Ptr = LI->getPointerOperand()->stripPointerCasts();
  if (const auto *II = dyn_cast<IntrinsicInst>(Ptr))
    if (II->getIntrinsicID() == Intrinsic::threadlocal_address)
      Ptr = II->getArgOperand(0);
  return Ptr == Pending;
}

uint64_t blockCost(const BasicBlock &BB) {
  uint64_t N = 0;
  for (const Instruction &I : BB)
    if (!isa<PHINode>(I) && !I.isDebugOrPseudoInst())
      ++N;
  return N;
}

uint64_t loopBlocksCost(const Loop &L) {
  uint64_t N = 0;
  for (const BasicBlock *BB : L.blocks())
    N += blockCost(*BB);
  return N;
}

namespace {
uint64_t saturatingAdd(uint64_t A, uint64_t B) {
  return A > Unbounded - B ? Unbounded : A + B;
}
uint64_t saturatingMul(uint64_t A, uint64_t B) {
  return B != 0 && A > Unbounded / B ? Unbounded : A * B;
}
} // namespace

/// True if a loop enclosing \p L polls once per chunk: \p L runs inside a
/// strip-mined loop.
static bool inChunkLoop(const Loop &L) {
  for (const Loop *Outer = L.getParentLoop(); Outer;
       Outer = Outer->getParentLoop())
    for (const BasicBlock *BB : Outer->blocks())
      for (const Instruction &I : *BB)
        if (isa<LoadInst>(I) && I.getMetadata(ChunkPollMD))
          return true;
  return false;
}

/// The iterations of a loop over one chunk, from its latch's test of a
/// counter {0,+,1} against a loop-invariant bound: at most the bound's
/// largest value (umin(n - i, Chunk) is at most Chunk), or 0 if unknown.
/// Instcombine turns the frontend's `k < chunk` into `k + 1 == chunk`, whose
/// backedge-taken count SCEV takes as wrapping when chunk could be 0; the
/// frontend's chunk is at least 1 (the outer loop tested i < n).
uint64_t chunkCounterBound(const Loop &L, ScalarEvolution &SE) {
  const BasicBlock *Latch = L.getLoopLatch();
  const auto *Br =
      Latch ? dyn_cast<BranchInst>(Latch->getTerminator()) : nullptr;
  const auto *Cmp = Br && Br->isConditional()
                        ? dyn_cast<ICmpInst>(Br->getCondition())
                        : nullptr;
  if (!Cmp)
    return 0;
  for (unsigned Counter : {0u, 1u}) {
    const auto *Rec =
        dyn_cast<SCEVAddRecExpr>(SE.getSCEV(Cmp->getOperand(Counter)));
    const SCEV *Bound = SE.getSCEV(Cmp->getOperand(1 - Counter));
    if (!Rec || Rec->getLoop() != &L || !Rec->isAffine() ||
        !SE.isLoopInvariant(Bound, &L) ||
        !Rec->getStepRecurrence(SE)->isOne() ||
        SE.getUnsignedRangeMax(Rec->getStart()).ugt(1))
      continue;
    APInt Max = SE.getUnsignedRangeMax(Bound);
    if (Max.getActiveBits() <= 32)
      return Max.getZExtValue();
  }
  return 0;
}

uint64_t symbolicTripBound(const Loop &L, ScalarEvolution &SE) {
  const SCEV *Taken = SE.getSymbolicMaxBackedgeTakenCount(&L);
  APInt Max = isa<SCEVCouldNotCompute>(Taken)
                  ? APInt::getMaxValue(64)
                  : SE.getUnsignedRangeMax(Taken);
  return Max.getActiveBits() <= 32 ? Max.getZExtValue() + 1 : 0;
}

/// Work of one iteration-bounded loop without a poll, or Unbounded.
static uint64_t loopCost(const Loop &L, const LoopInfo &LI,
                         ScalarEvolution &SE) {
  uint64_t Trips = SE.getSmallConstantMaxTripCount(&L);
  // A bound SCEV does not see, recorded by SmallLoopPollsPass.
  if (const BasicBlock *Latch = L.getLoopLatch(); Trips == 0 && Latch)
    if (const MDNode *MD = Latch->getTerminator()->getMetadata(BoundedTripsMD))
      Trips = mdconst::extract<ConstantInt>(MD->getOperand(0))->getZExtValue();
  if (Trips == 0) {
    Trips = symbolicTripBound(L, SE);
    // SCEV may lose the chunk's bound (a constant bound folded into the
    // count, say): a poll-free loop without a constant trip count inside a
    // strip-mined loop is its inner loop over one chunk, by construction of
    // the frontend (other loops in the body poll, or have a constant trip
    // count, handled above).
    if (inChunkLoop(L)) {
      uint64_t Chunk = chunkCounterBound(L, SE);
      if (Chunk == 0 || Chunk > StripMineChunk)
        Chunk = StripMineChunk;
      Trips = Trips ? std::min<uint64_t>(Trips, Chunk) : Chunk;
    }
    if (Trips == 0)
      return Unbounded;
  }
  uint64_t Body = 0;
  for (const BasicBlock *BB : L.blocks())
    if (LI.getLoopFor(BB) == &L)
      Body = saturatingAdd(Body, blockCost(*BB));
  for (const Loop *Sub : L.getSubLoops())
    Body = saturatingAdd(Body, loopCost(*Sub, LI, SE));
  return saturatingMul(Body, Trips);
}

/// The longest poll-free path of \p F, or Unbounded.
static uint64_t longestPollFreePath(Function &F, const GlobalVariable *Pending,
                                    LoopInfo &LI, ScalarEvolution &SE) {
  DenseMap<const BasicBlock *, bool> Polls;
  for (BasicBlock &BB : F)
    for (Instruction &I : BB)
      if (isPollLoad(I, Pending))
        Polls[&BB] = true;

  // Loops without a poll collapse into their header; polled loops are
  // crossed only through their poll, so their back-edges are ignored.
  DenseMap<const BasicBlock *, uint64_t> Cost;
  DenseSet<const BasicBlock *> Collapsed;
  for (BasicBlock &BB : F)
    Cost[&BB] = blockCost(BB);
  for (Loop *L : LI.getLoopsInPreorder()) {
    if (Collapsed.contains(L->getHeader()) ||
        llvm::any_of(L->blocks(), [&](BasicBlock *BB) { return Polls.lookup(BB); }))
      continue;
    uint64_t C = loopCost(*L, LI, SE);
    for (BasicBlock *BB : L->blocks()) {
      Collapsed.insert(BB);
      Cost[BB] = 0;
    }
    Cost[L->getHeader()] = C;
  }

  DenseMap<const BasicBlock *, uint64_t> Dist; // work since the last poll
  uint64_t Longest = 0;
  ReversePostOrderTraversal<Function *> RPOT(&F);
  for (BasicBlock *BB : RPOT) {
    uint64_t In = 0;
    for (BasicBlock *Pred : predecessors(BB)) {
      auto It = Dist.find(Pred); // unvisited: a back-edge
      if (It != Dist.end())
        In = std::max(In, Polls.lookup(Pred) ? 0 : It->second);
    }
    // A poll block ends the path at its poll and starts a new one after it.
    uint64_t Here = saturatingAdd(In, Cost[BB]);
    Dist[BB] = Here;
    Longest = std::max(Longest, Here);
  }
  return Longest;
}

uint64_t longestPollFreePath(Function &F, FunctionAnalysisManager &FAM) {
  return longestPollFreePath(F, F.getParent()->getGlobalVariable(abi::Pending),
                             FAM.getResult<LoopAnalysis>(F),
                             FAM.getResult<ScalarEvolutionAnalysis>(F));
}

void reportPollDistance(Function &F, FunctionAnalysisManager &FAM) {
  const DiagnosticHandler *DH = F.getContext().getDiagHandlerPtr();
  const GlobalVariable *Pending = F.getParent()->getGlobalVariable(abi::Pending);
  if (!Pending || !DH || !DH->isAnalysisRemarkEnabled(abi::RemarkName) ||
      llvm::none_of(instructions(F),
                    [&](Instruction &I) { return isPollLoad(I, Pending); }))
    return;
  uint64_t N = longestPollFreePath(F, FAM);
  OptimizationRemarkEmitter ORE(&F);
  ORE.emit([&] {
    OptimizationRemarkAnalysis R(abi::RemarkName.data(), "PollDistance", &F);
    R << "poll-free path in '" << ore::NV("Function", demangle(F.getName()))
      << "': ";
    if (N == Unbounded)
      R << "unbounded (a loop without a poll has no known trip count)";
    else
      R << "at most " << ore::NV("Instructions", N) << " instructions";
    return R;
  });
}

} // namespace safepoint
