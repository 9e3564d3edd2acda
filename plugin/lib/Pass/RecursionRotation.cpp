//===- RecursionRotation.cpp - One entry poll per K levels of recursion ---===//
//
// A directly self-recursive function keeps its entry poll: that poll bounds
// the recursion. In a small recursive function (fib) it is one poll per few
// instructions. Recursion rotation keeps one poll per K levels instead:
//
//   F        entry poll, self-calls go to F.rot1
//   F.rot1   no entry poll, self-calls go to F.rot2
//   ...
//   F.rotK-1 no entry poll, self-calls go back to F
//
// The copies are internal and in no comdat; callers and every other use of F
// (its address included) still reach F, which polls. This runs on the markers,
// before lowering: a copy drops its entry marker as lowerPollMarkers drops an
// entry poll, every other marker (loops) is kept, and every unwind edge is
// copied.
//
// Tail recursion elimination turns a self-call in tail position (fib's
// second call, with its accumulator) into a loop, but only a call to the
// function itself, and it saves more than a poll. So a plain self-call after
// which no other self-call can run ("looping") stays a self-call; in the
// copies it gets a poll in its block, before the block's rotated self-call if
// there is one (the loop's poll once eliminated, and none in the base case),
// except in the last copy, whose rotated self-call is F's polled entry.
// The other self-calls are rotated. A function whose self-calls all loop is
// left alone.
//
// Only small functions with an acyclic CFG are rotated, so a call runs each
// of its b rotated self-calls at most once. Between two polls a thread enters
// at most 1 + b + ... + b^(K-1) bodies, plus 1 + b + ... + b^(K-2) after a
// looping call's poll, each of at most S IR instructions; K is lowered until
// that stays within RotationWorkBudget (docs/safety-model.md, "The work
// bound"), reported with -Rpass-analysis=safepoint. Mutual recursion is left
// alone: its entry polls stay.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/CFG.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

using namespace llvm;

namespace safepoint {

/// True if \p I calls \p Marker for a function entry (siteKind: kind
/// SAFEPOINT_SITE_ENTRY, or no constant kind, read as entry as lowering does).
static bool isEntryMarker(const Instruction &I, const Function *Marker) {
  const auto *CB = dyn_cast<CallBase>(&I);
  return CB && CB->getCalledFunction() == Marker &&
         siteKind(*CB) == SAFEPOINT_SITE_ENTRY;
}

namespace {
/// A function worth rotating: its direct self-calls and its size.
struct Candidate {
  Function *F;
  /// Self-calls that go one level down the ring.
  SmallVector<CallBase *, 4> Rotated;
  /// Self-calls that tail recursion elimination may turn into a loop: they
  /// stay self-calls, with a poll in their block in the copies.
  SmallVector<CallBase *, 4> Looping;
  uint64_t Size = 0;
};
} // namespace

/// Bodies run between two polls when the recursion polls once per \p Levels
/// levels and each body makes at most \p Sites rotated self-calls:
/// 1 + b + ... + b^(K-1), or 0 if that exceeds RotationWorkBudget.
static uint64_t bodiesPerPoll(uint64_t Sites, unsigned Levels) {
  uint64_t Total = 0, Row = 1;
  for (unsigned J = 0; J < Levels; ++J) {
    if (Total > RotationWorkBudget || Row > RotationWorkBudget)
      return 0;
    Total += Row;
    Row *= Sites;
  }
  return Total;
}

/// Bodies entered between two polls once \p C is rotated over \p Levels
/// functions, or 0 if too many: those of one poll-free subtree of the ring,
/// plus, when a looping self-call's poll comes before the rotated call of
/// its block, that call's subtree one level down.
static uint64_t pollFreeBodies(const Candidate &C, unsigned Levels) {
  uint64_t Ring = bodiesPerPoll(C.Rotated.size(), Levels);
  if (Ring == 0 || C.Looping.empty())
    return Ring;
  uint64_t Below = bodiesPerPoll(C.Rotated.size(), Levels - 1);
  return Below == 0 ? 0 : Ring + Below;
}

/// True if \p CB, a self-call of an acyclic function, may end up in tail
/// position: a plain call (an invoke has cleanups or handlers to run after
/// it) after which no other self-call can run. Tail recursion elimination
/// turns such a call into a loop, but only while it calls its own function:
/// rotating it would cost more than its poll (fib: accumulator recursion).
static bool mayBecomeLoop(const CallBase &CB) {
  if (!isa<CallInst>(CB))
    return false;
  const Function *F = CB.getFunction();
  auto IsSelfCall = [F](const Instruction &I) {
    const auto *Call = dyn_cast<CallBase>(&I);
    return Call && Call->getCalledFunction() == F;
  };
  for (const Instruction *I = CB.getNextNode(); I; I = I->getNextNode())
    if (IsSelfCall(*I))
      return false;
  SmallPtrSet<const BasicBlock *, 16> Seen;
  SmallVector<const BasicBlock *, 16> Work(succ_begin(CB.getParent()),
                                           succ_end(CB.getParent()));
  while (!Work.empty()) {
    const BasicBlock *BB = Work.pop_back_val();
    if (!Seen.insert(BB).second)
      continue;
    if (llvm::any_of(*BB, IsSelfCall))
      return false;
    Work.append(succ_begin(BB), succ_end(BB));
  }
  return true;
}

/// Where a copy polls for its looping self-call \p Looping: right before
/// the first rotated self-call of \p Rotated that precedes it in its block
/// (one poll per iteration once the call is a loop, and none in the base
/// case), else right before it; nullptr if a poll marker is already there
/// (a marker of any kind right before that call polls as well). A plain call
/// there, as the other call is plain (an invoke ends its block): the poll
/// throws exactly where the callee's entry poll would have.
static Instruction *loopPollSite(CallBase &Looping,
                                 ArrayRef<CallBase *> Rotated,
                                 const Function *Marker) {
  Instruction *At = &Looping;
  for (Instruction &I : *Looping.getParent()) {
    if (&I == &Looping)
      break;
    if (llvm::is_contained(Rotated, &I)) {
      At = &I;
      break;
    }
  }
  const auto *Prev = dyn_cast_or_null<CallBase>(At->getPrevNode());
  if (Prev && Prev->getCalledFunction() == Marker)
    return nullptr;
  return At;
}

/// The candidate for \p F, or nullopt if F is not rotated: it must be a small
/// directly self-recursive function with an entry marker, an acyclic CFG,
/// and one definition (not interposable: a self-call might bind to another).
static std::optional<Candidate> candidate(Function &F, const Function *Marker) {
  if (F.isDeclaration() || F.isInterposable() ||
      F.hasAvailableExternallyLinkage() || F.hasOptNone() || F.hasOptSize() ||
      F.hasFnAttribute(Attribute::AlwaysInline) ||
      F.hasFnAttribute(Attribute::Naked) ||
      F.hasFnAttribute(Attribute::PresplitCoroutine))
    return std::nullopt;
  Candidate C;
  C.F = &F;
  bool HasEntryMarker = false;
  SmallVector<CallBase *, 4> SelfCalls;
  for (BasicBlock &BB : F) {
    if (BB.hasAddressTaken()) // blockaddress: copies would jump into F
      return std::nullopt;
    for (Instruction &I : BB) {
      if (I.isDebugOrPseudoInst())
        continue;
      if (++C.Size > RotationBodyBudget)
        return std::nullopt;
      HasEntryMarker |= isEntryMarker(I, Marker);
      if (auto *CB = dyn_cast<CallBase>(&I)) {
        if (isa<CallBrInst>(CB) || CB->cannotDuplicate())
          return std::nullopt;
        if (CB->getCalledFunction() == &F)
          SelfCalls.push_back(CB);
      }
    }
  }
  if (!HasEntryMarker || SelfCalls.empty())
    return std::nullopt;
  SmallVector<std::pair<const BasicBlock *, const BasicBlock *>, 4> Backedges;
  FindFunctionBackedges(F, Backedges);
  if (!Backedges.empty())
    return std::nullopt;
  for (CallBase *CB : SelfCalls)
    (mayBecomeLoop(*CB) ? C.Looping : C.Rotated).push_back(CB);
  if (C.Rotated.empty()) // linear tail recursion: nothing to gain
    return std::nullopt;
  return C;
}

/// Rotates \p C's recursion over \p Levels functions (F and Levels - 1
/// copies) and reports the work bound.
static void rotate(Candidate &C, unsigned Levels, Function *Marker) {
  Function &F = *C.F;
  // Ring[J] with its rotated and looping self-calls.
  struct Level {
    Function *Fn;
    SmallVector<CallBase *, 4> Rotated, Looping;
  };
  SmallVector<Level, RotationLevels> Ring;
  Ring.push_back({&F, C.Rotated, C.Looping});
  for (unsigned J = 1; J < Levels; ++J) {
    ValueToValueMapTy VMap;
    Function *Copy = CloneFunction(&F, VMap);
    Copy->setName(F.getName() + ".rot" + Twine(J));
    // Never visible outside this module, never address-taken. Not in F's
    // comdat: once F is inlined into a caller outside it, that caller calls
    // the copies directly, and a local symbol of a group the linker discards
    // (another unit's F prevails) would leave it a reference into a discarded
    // section.
    Copy->setLinkage(GlobalValue::InternalLinkage);
    Copy->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
    Copy->setComdat(nullptr);
    // Only called directly: no type for control-flow integrity's indirect
    // calls. F's profile entry count is F's, not this level's.
    Copy->eraseMetadata(LLVMContext::MD_type);
    Copy->eraseMetadata(LLVMContext::MD_kcfi_type);
    Copy->setMetadata(LLVMContext::MD_prof, nullptr);
    Level L;
    L.Fn = Copy;
    for (CallBase *CB : C.Rotated)
      L.Rotated.push_back(cast<CallBase>(VMap[CB]));
    for (CallBase *CB : C.Looping)
      L.Looping.push_back(cast<CallBase>(VMap[CB]));
    SmallVector<CallBase *, 2> EntryMarkers;
    for (Instruction &I : instructions(*Copy))
      if (isEntryMarker(I, Marker))
        EntryMarkers.push_back(cast<CallBase>(&I));
    for (CallBase *CB : EntryMarkers)
      eraseEntryMarker(*CB);
    Ring.push_back(std::move(L));
  }
  // Only the callee operand of a self-call changes: any other use of F (its
  // address, passed on) stays F's.
  for (unsigned J = 0; J < Levels; ++J) {
    for (CallBase *CB : Ring[J].Rotated)
      CB->setCalledFunction(Ring[(J + 1) % Levels].Fn);
    if (J == 0) // F's looping self-calls stay F's: its entry polls
      continue;
    for (CallBase *CB : Ring[J].Looping) {
      CB->setCalledFunction(Ring[J].Fn);
      Instruction *At = loopPollSite(*CB, Ring[J].Rotated, Marker);
      // In the last copy the rotated call goes back to F, whose entry poll
      // runs right after the one that would be placed before it.
      if (At && J == Levels - 1 && At != CB)
        continue;
      if (At) {
        CallInst *Poll =
            CallInst::Create(Marker,
                             {ConstantInt::get(Type::getInt32Ty(F.getContext()),
                                               SAFEPOINT_SITE_LOOP)},
                             "", At->getIterator());
        Poll->setDebugLoc(At->getDebugLoc());
      }
    }
  }

  uint64_t Bodies = pollFreeBodies(C, Levels);
  OptimizationRemarkEmitter ORE(&F);
  ORE.emit([&] {
    return OptimizationRemark(abi::RemarkName.data(), "RecursionRotated", &F)
           << "recursion of '" << ore::NV("Function", demangle(F.getName()))
           << "' rotated through " << ore::NV("Copies", Levels - 1)
           << (Levels == 2 ? " copy" : " copies") << ": one entry poll per "
           << ore::NV("Levels", Levels) << " levels";
  });
  // The format of PollDistance's remark, which bench/harness.py parses.
  ORE.emit([&] {
    return OptimizationRemarkAnalysis(abi::RemarkName.data(),
                                      "RecursionPollDistance", &F)
           << "poll-free path in '"
           << ore::NV("Function", demangle(F.getName()))
           << "' over its recursion: at most "
           << ore::NV("Instructions", Bodies * C.Size)
           << " instructions (one entry poll per " << ore::NV("Levels", Levels)
           << " levels, " << ore::NV("SelfCalls", uint64_t(C.Rotated.size()))
           << " rotated self-calls per body: " << ore::NV("Bodies", Bodies)
           << " bodies of at most " << ore::NV("BodySize", C.Size)
           << " instructions)";
  });
}

unsigned rotateRecursion(Module &M) {
  Function *Marker = M.getFunction(abi::PollMarker);
  if (!Marker || ablated("recursion-rotate"))
    return 0;
  SmallVector<Candidate, 4> Candidates; // first: rotation adds functions
  for (Function &F : M)
    if (std::optional<Candidate> C = candidate(F, Marker))
      Candidates.push_back(std::move(*C));
  unsigned Rotated = 0;
  for (Candidate &C : Candidates) {
    // The most levels whose poll-free work stays within the budget, and
    // copies within theirs.
    unsigned Levels = RotationLevels;
    while (Levels > 1 &&
           (pollFreeBodies(C, Levels) == 0 ||
            pollFreeBodies(C, Levels) * C.Size > RotationWorkBudget ||
            (Levels - 1) * C.Size > RotationCopyBudget))
      --Levels;
    if (Levels < 2)
      continue;
    rotate(C, Levels, Marker);
    ++Rotated;
  }
  return Rotated;
}

} // namespace safepoint
