//===- RedundantPolls.cpp - Drop polls that closely follow another --------===//
//
// Inlining copies each callee's entry poll into its caller: a range decoder's
// `decode_bit()` inlined eight times brings eight entry polls, and those of
// the helpers it inlined in turn, often with nothing between two of them.
// Such a poll delivers what the poll before it would deliver a few
// instructions later. This pass, in the function simplification pipeline
// after inlining, removes a poll when, on every path that reaches it, a poll
// that stays ran at most RedundantPollBudget IR instructions before:
//
//   %w1 = load volatile @__safepoint_pending     %w1 = load volatile ...
//   br (%w1 != 0), %slow1, %a                    br (%w1 != 0), %slow1, %a
// a:                                           a:
//   ...                        ; <= budget ==>   ...
//   %w2 = load volatile @__safepoint_pending     br %b
//   br (%w2 != 0), %slow2, %b
//
// The distance since the last poll that stays is a forward walk in reverse
// post-order. It is unknown at the function entry, at a landing pad and on
// a retreating edge (so every cycle keeps a poll); other instructions, calls
// included, count one each, as in PollDistance and the work bound: work in
// uninstrumented callees is outside the bound (forgetsDistance()).
// Loop and chunk polls (LoopPollMD, ChunkPollMD) always stay: the loop
// passes after this one rewrite them. So do goto polls (GotoPollMD): an
// interpreter's dispatch polls, which dispatch duplication and alternation
// find right before the indirect jump (removed in favour of a poll earlier
// in the handler, the alternating copies would poll at every dispatch).
//
// The bound survives later runs (the pipeline runs this pass again after
// more inlining): the load of each poll that stays records, in
// MergedPollMD, how far after it the polls it replaced were. A poll with a
// record N is removed only at distance d with d + N within the budget, and
// the polls it is measured from then record d + N. So every removed poll ran
// within RedundantPollBudget IR instructions after a poll that stays
// (docs/safety-model.md, "The work bound").
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/ADT/PostOrderIterator.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/Transforms/Utils/Local.h"

using namespace llvm;

namespace safepoint {

namespace {

constexpr uint64_t Unknown = ~uint64_t(0);

/// A path may start from at most this many polls that stay; with more, the
/// distance is taken as unknown.
constexpr unsigned MaxSources = 4;

/// The work since the last poll that stays, and those polls (their loads).
struct Distance {
  uint64_t Work = Unknown;
  SmallVector<LoadInst *, MaxSources> Sources;

  bool known() const { return Work != Unknown; }
  void add(uint64_t N) { Work = Work > Unknown - N ? Unknown : Work + N; }
  void forget() {
    Work = Unknown;
    Sources.clear();
  }
  void join(const Distance &D) {
    if (!known() || !D.known()) {
      forget();
      return;
    }
    Work = std::max(Work, D.Work);
    for (LoadInst *S : D.Sources)
      if (!is_contained(Sources, S))
        Sources.push_back(S);
    if (Sources.size() > MaxSources)
      forget();
  }
};

/// How far after \p Word the polls merged into it were (MergedPollMD).
uint64_t mergedDistance(const LoadInst &Word) {
  if (const MDNode *MD = Word.getMetadata(MergedPollMD))
    if (MD->getNumOperands() == 1)
      if (auto *C = mdconst::dyn_extract<ConstantInt>(MD->getOperand(0)))
        return C->getZExtValue();
  return 0;
}

void recordMerged(LoadInst &Word, uint64_t N) {
  if (N <= mergedDistance(Word))
    return;
  LLVMContext &C = Word.getContext();
  Word.setMetadata(MergedPollMD,
                   MDNode::get(C, ConstantAsMetadata::get(ConstantInt::get(
                                      Type::getInt32Ty(C), N))));
}

/// True if \p I is a call after which the work since the last poll is taken
/// as unknown: none by default. A call counts as one instruction, as in
/// PollDistance and in the work bound (docs/safety-model.md): a callee
/// defined here polls before unbounded work and runs at most its
/// straight-line code after its last poll, and the work of uninstrumented
/// code is outside the bound. After a long call into uninstrumented code the
/// next poll is thus within the bound, not necessarily within
/// RedundantPollBudget. The ablations restore the earlier rules: every call
/// that may unwind (redundant-polls-calls), or every one that may unwind into
/// code this module does not define (redundant-polls-external).
bool forgetsDistance(const Instruction &I) {
  const auto *CB = dyn_cast<CallBase>(&I);
  if (!CB || isa<IntrinsicInst>(CB) || CB->doesNotThrow() || isSlowCall(I))
    return false;
  if (ablated("redundant-polls-calls"))
    return true;
  if (!ablated("redundant-polls-external"))
    return false;
  const Function *Callee = CB->getCalledFunction();
  return !Callee || Callee->isDeclaration() || Callee->isInterposable();
}

unsigned removeRedundantPolls(Function &F, const GlobalVariable *Pending,
                              OptimizationRemarkEmitter &ORE) {
  DenseMap<const BasicBlock *, Distance> Out;
  SmallPtrSet<const BasicBlock *, 8> Dead;
  unsigned Removed = 0;
  ReversePostOrderTraversal<Function *> RPOT(&F);
  for (BasicBlock *BB : RPOT) {
    Distance D;
    if (BB != &F.getEntryBlock() && !BB->isEHPad()) {
      bool First = true, Live = false;
      for (BasicBlock *Pred : predecessors(BB)) {
        if (Dead.contains(Pred))
          continue;
        Live = true;
        auto It = Out.find(Pred); // not visited yet: a retreating edge
        if (It == Out.end()) {
          D.forget();
          break;
        }
        if (First)
          D = It->second;
        else
          D.join(It->second);
        First = false;
      }
      if (!Live) { // only the slow sides of polls removed above
        Dead.insert(BB);
        continue;
      }
    }

    std::optional<LoweredPoll> P = loweredPollEnding(*BB, Pending);
    for (Instruction &I : *BB) {
      if (isa<PHINode>(I) || I.isDebugOrPseudoInst())
        continue;
      if (forgetsDistance(I))
        D.forget();
      else
        D.add(1);
    }
    if (P) {
      uint64_t Merged = mergedDistance(*P->Word);
      if (!isLoopOrChunkPoll(*P->Word) && !P->Word->getMetadata(GotoPollMD) &&
          D.known() && D.Work + Merged <= RedundantPollBudget) {
        for (LoadInst *S : D.Sources)
          recordMerged(*S, D.Work + Merged);
        ORE.emit([&] {
          return OptimizationRemarkMissed(abi::RemarkName.data(),
                                          "RedundantPoll", P->Br)
                 << "poll removed in '"
                 << ore::NV("Function", demangle(F.getName()))
                 << "': another poll ran at most "
                 << ore::NV("Distance", D.Work + Merged)
                 << " instructions before it";
        });
        removeLoweredPoll(*P);
        ++Removed;
      } else {
        D.Work = 0;
        D.Sources.assign(1, P->Word);
      }
    }
    Out[BB] = std::move(D);
  }
  if (Removed)
    removeUnreachableBlocks(F);
  return Removed;
}

} // namespace

PreservedAnalyses
RedundantPollEliminationPass::run(Function &F, FunctionAnalysisManager &FAM) {
  const GlobalVariable *Pending =
      F.getParent()->getGlobalVariable(abi::Pending);
  if (!Pending || F.isDeclaration() || F.hasOptNone() ||
      ablated("redundant-polls"))
    return PreservedAnalyses::all();
  auto &ORE = FAM.getResult<OptimizationRemarkEmitterAnalysis>(F);
  if (!removeRedundantPolls(F, Pending, ORE))
    return PreservedAnalyses::all();
  return PreservedAnalyses::none();
}

} // namespace safepoint
