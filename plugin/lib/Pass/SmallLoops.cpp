//===- SmallLoops.cpp - No poll in loops that run a few iterations --------===//
//
// The frontend leaves the poll out of a loop with a small constant trip count
// (docs/safety-model.md). Other loops show a small bound only after inlining
// and simplification, or never to SCEV:
//
//  - `for (i = 0; i < num_bits; ++i)` in a helper inlined with num_bits = 4:
//    SCEV's constant maximum trip count;
//  - a bit-tree decoder's `while (symbol < 0x100) symbol = symbol << 1 | bit;`
//    (lzip, xz, every LZMA decoder): the symbol starts at 1 or more and at
//    least doubles, so it reaches 0x100 within 8 iterations. SCEV sees no
//    recurrence in it.
//
// Just before the vectorizer, a loop loses its own polls (its loop poll,
// LoopPollMD, and the entry polls of callees inlined into its body, which
// redundant-poll removal keeps since each iteration starts after a
// retreating edge) when one of these bounds is at most SmallLoopTrips
// iterations, or StripMineChunk in the inner loop of a strip-mined loop
// (the chunk bounds it; the frontend's chunks have at most that many), the
// iterations' work is within the work budget, every loop nested in it polls
// and so does each iteration of the loop around it, if any: no two bounded
// loops multiply their bounds. The growth bound needs an exit test
// `X <u C` that runs in every iteration, on a header phi
// X = phi [S, outside], ..., [N, latch] (or on N), where every S is at least
// 1 and N at least twice X without wrapping (shifts and multiplications by
// constants, or-ing and no-wrap adding of anything, through phis and
// selects): X takes at least the values 1, 2, 4, ... and leaves the loop
// before reaching C, so the loop runs at most log2(C) + 1 iterations.
//
// The latch's branch records the bound (BoundedTripsMD) for PollDistance.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"
#include "safepoint/RuntimeABI.h"

#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/PatternMatch.h"
#include "llvm/Transforms/Utils/Local.h"

using namespace llvm;
using namespace llvm::PatternMatch;

namespace safepoint {

namespace {

constexpr unsigned MaxDepth = 6;

/// True if \p V is at least 1 (unsigned) wherever it is defined. A phi met
/// again while its own proof is in progress (\p InProgress) is assumed to
/// be: every value it takes then comes from values already shown to be.
bool atLeastOne(const Value *V, SmallPtrSetImpl<const PHINode *> &InProgress,
                const SimplifyQuery &Q, unsigned Depth = 0) {
  if (const auto *C = dyn_cast<ConstantInt>(V))
    return !C->isZero();
  if (Depth > MaxDepth)
    return false;
  if (const auto *Phi = dyn_cast<PHINode>(V)) {
    if (!InProgress.insert(Phi).second)
      return true;
    bool All = all_of(Phi->incoming_values(), [&](const Value *In) {
      return atLeastOne(In, InProgress, Q, Depth + 1);
    });
    InProgress.erase(Phi);
    return All;
  }
  const Value *X, *Y;
  if (match(V, m_Or(m_Value(X), m_Value(Y))))
    return atLeastOne(X, InProgress, Q, Depth + 1) ||
           atLeastOne(Y, InProgress, Q, Depth + 1);
  const APInt *K;
  if (match(V, m_NUWShl(m_Value(X), m_Value())) ||
      (match(V, m_NUWMul(m_Value(X), m_APInt(K))) && !K->isZero()))
    return atLeastOne(X, InProgress, Q, Depth + 1);
  if (const auto *Sel = dyn_cast<SelectInst>(V))
    return atLeastOne(Sel->getTrueValue(), InProgress, Q, Depth + 1) &&
           atLeastOne(Sel->getFalseValue(), InProgress, Q, Depth + 1);
  return isKnownNonZero(V, Q);
}

/// True if \p N is at least twice \p X (unsigned), given X < 2^Bits: the
/// factor of 2 or more cannot wrap in N's type.
bool atLeastTwice(const Value *N, const Value *X, unsigned Bits,
                  unsigned Depth = 0) {
  if (Depth > MaxDepth)
    return false;
  unsigned Width = N->getType()->getScalarSizeInBits();
  const APInt *K;
  if (match(N, m_Shl(m_Specific(X), m_APInt(K))))
    return K->uge(1) && K->ult(Width) &&
           (cast<Instruction>(N)->hasNoUnsignedWrap() ||
            Bits + K->getZExtValue() <= Width);
  if (match(N, m_Mul(m_Specific(X), m_APInt(K))))
    return K->uge(2) && (cast<Instruction>(N)->hasNoUnsignedWrap() ||
                         Bits + K->getActiveBits() <= Width);
  // Or-ing only sets bits; adding without unsigned wrap only grows.
  const Value *A, *B;
  if (match(N, m_Or(m_Value(A), m_Value(B))) ||
      match(N, m_NUWAdd(m_Value(A), m_Value(B))))
    return atLeastTwice(A, X, Bits, Depth + 1) ||
           atLeastTwice(B, X, Bits, Depth + 1);
  if (const auto *Phi = dyn_cast<PHINode>(N))
    return all_of(Phi->incoming_values(), [&](const Value *In) {
      return atLeastTwice(In, X, Bits, Depth + 1);
    });
  if (const auto *Sel = dyn_cast<SelectInst>(N))
    return atLeastTwice(Sel->getTrueValue(), X, Bits, Depth + 1) &&
           atLeastTwice(Sel->getFalseValue(), X, Bits, Depth + 1);
  return false;
}

/// The most iterations \p L can run by the growth rule above, or 0.
unsigned growthBound(const Loop &L, const DominatorTree &DT,
                     const SimplifyQuery &Q) {
  BasicBlock *Latch = L.getLoopLatch();
  if (!Latch)
    return 0;
  SmallVector<BasicBlock *, 4> Exiting;
  L.getExitingBlocks(Exiting);
  for (BasicBlock *E : Exiting) {
    // Only a test that runs in every iteration bounds them all.
    if (!DT.dominates(E, Latch))
      continue;
    auto *Br = dyn_cast<BranchInst>(E->getTerminator());
    auto *Cmp = Br && Br->isConditional()
                    ? dyn_cast<ICmpInst>(Br->getCondition())
                    : nullptr;
    const APInt *C;
    if (!Cmp || !match(Cmp->getOperand(1), m_APInt(C)))
      continue;
    Value *Tested = Cmp->getOperand(0);
    ICmpInst::Predicate Pred = Cmp->getPredicate();
    // Normalize to "the loop goes on while Tested <u Limit".
    if (!L.contains(Br->getSuccessor(0)))
      Pred = ICmpInst::getInversePredicate(Pred);
    APInt Limit = *C;
    if (Pred == ICmpInst::ICMP_ULE) {
      if (Limit.isMaxValue())
        continue;
      Limit += 1;
    } else if (Pred != ICmpInst::ICMP_ULT) {
      continue;
    }
    if (Limit.isZero())
      continue;
    // Tested is a header phi X, or X's next value N.
    for (PHINode &X : L.getHeader()->phis()) {
      Value *Next = X.getIncomingValueForBlock(Latch);
      if (Tested != &X && Tested != Next)
        continue;
      // While the loop goes on, X (or N) is below Limit: X fits in Bits.
      // When N is tested, the first X is a start, which need not be below
      // Limit: its own bits count, so that N cannot wrap there either.
      unsigned Bits = (Limit - 1).getActiveBits(), WrapBits = Bits;
      SmallPtrSet<const PHINode *, 8> InProgress;
      bool StartsAtOne = true;
      for (const BasicBlock *In : X.blocks()) {
        if (L.contains(In))
          continue;
        const Value *Start = X.getIncomingValueForBlock(In);
        StartsAtOne &= atLeastOne(Start, InProgress, Q);
        if (Tested == Next)
          WrapBits = std::max(
              WrapBits, computeKnownBits(Start, Q.DL).countMaxActiveBits());
      }
      if (StartsAtOne && atLeastTwice(Next, &X, WrapBits))
        return Bits + 1;
    }
  }
  return 0;
}

class SmallLoopPolls {
public:
  SmallLoopPolls(Function &F, FunctionAnalysisManager &FAM)
      : F(F), FAM(FAM), LI(FAM.getResult<LoopAnalysis>(F)) {}

  bool run(const GlobalVariable *Pending) {
    // Inner loops first: a loop whose poll goes no longer polls for the
    // loops around it.
    SmallVector<Loop *, 8> Loops = LI.getLoopsInPreorder();
    SmallVector<LoweredPoll, 4> Drop;
    SmallPtrSet<const Instruction *, 8> Dropped;
    for (Loop *L : reverse(Loops)) {
      // Its loop poll, and the entry polls of functions inlined into its
      // body, which redundant-poll removal keeps because each starts a new
      // iteration. A chunk poll means L is a strip-mined loop's outer loop.
      SmallVector<LoweredPoll, 1> Polls = ownPolls(*L, Pending);
      if (ablated("small-loops-entry")) // the rule before: loop polls only
        erase_if(Polls, [](const LoweredPoll &P) {
          return !P.Word->getMetadata(LoopPollMD);
        });
      if (Polls.empty() || any_of(Polls, [](const LoweredPoll &P) {
            return P.Word->getMetadata(ChunkPollMD);
          }))
        continue;
      std::optional<unsigned> Limit = tripLimit(*L, Pending);
      if (!Limit || !subLoopsPoll(*L, Pending, Dropped) ||
          leftToPollUnrolling(*L))
        continue;
      unsigned Trips = bound(*L, Polls.front(), *Limit);
      if (!Trips)
        continue;
      setBound(*L, Trips);
      for (const LoweredPoll &P : Polls) {
        Drop.push_back(P);
        Dropped.insert(P.Word);
      }
    }
    for (const LoweredPoll &P : Drop)
      removeLoweredPoll(P);
    if (!Drop.empty())
      removeUnreachableBlocks(F);
    return !Drop.empty();
  }

private:
  /// The polls that end blocks of \p L itself, not of a loop nested in it.
  SmallVector<LoweredPoll, 1> ownPolls(const Loop &L,
                                       const GlobalVariable *Pending) {
    SmallVector<LoweredPoll, 1> Polls;
    for (BasicBlock *BB : L.blocks())
      if (LI.getLoopFor(BB) == &L)
        if (auto P = loweredPollEnding(*BB, Pending))
          Polls.push_back(*P);
    return Polls;
  }

  /// True if every loop nested in \p L keeps a poll: a poll-free one would
  /// multiply its own bound by L's.
  bool subLoopsPoll(const Loop &L, const GlobalVariable *Pending,
                    const SmallPtrSetImpl<const Instruction *> &Dropped) {
    return all_of(L.getSubLoops(), [&](const Loop *Sub) {
      return any_of(Sub->blocks(), [&](const BasicBlock *BB) {
        return any_of(*BB, [&](const Instruction &I) {
          return isPollLoad(I, Pending) && !Dropped.contains(&I);
        });
      });
    });
  }

  /// The most iterations \p L may run without a poll, if the loop around
  /// it, if any, polls in each of its iterations (its own loop or chunk poll,
  /// at the start of its body; a bounded loop around L without a poll would
  /// multiply L's bound by its own): SmallLoopTrips, or, for the inner loop
  /// of a strip-mined loop, whose trips the chunk bounds, as many as the
  /// frontend's chunks have (StripMineChunk), within the work budget either
  /// way.
  std::optional<unsigned> tripLimit(const Loop &L,
                                    const GlobalVariable *Pending) {
    const Loop *Parent = L.getParentLoop();
    if (!Parent)
      return SmallLoopTrips;
    bool Polls = false, Chunk = false;
    for (const LoweredPoll &P : ownPolls(*Parent, Pending)) {
      Polls |= isLoopOrChunkPoll(*P.Word);
      Chunk |= P.Word->getMetadata(ChunkPollMD) != nullptr;
    }
    if (!Polls)
      return std::nullopt;
    return Chunk && !ablated("small-loops-entry") ? StripMineChunk
                                                  : SmallLoopTrips;
  }

  /// True if PollUnrollPass, which runs next, will unroll \p L with one
  /// poll per PollUnrollCount iterations: a short body without calls, where
  /// the unrolled loop runs fewer instructions than the poll-free one plain
  /// code has (lzip's `price_matched` loop: 7 % fewer), so it keeps its poll.
  /// Only a loop that polls at its header: one that tests first (a rotated
  /// `while`), which PollUnrollPass also unrolls, loses its poll here when
  /// bounded, as before that pass took such loops.
  bool leftToPollUnrolling(Loop &L) {
    return L.isInnermost() && loopPoll(*L.getHeader()) &&
           !whyNotPollUnrolled(L, LI, FAM.getResult<TargetIRAnalysis>(F)) &&
           !ablated("poll-unroll");
  }

  /// The most iterations \p L runs if at most \p Limit, else 0; reported on
  /// \p Poll.
  unsigned bound(Loop &L, const LoweredPoll &Poll, unsigned Limit) {
    auto &DT = FAM.getResult<DominatorTreeAnalysis>(F);
    auto &AC = FAM.getResult<AssumptionAnalysis>(F);
    auto &SE = FAM.getResult<ScalarEvolutionAnalysis>(F);
    unsigned Trips = SE.getSmallConstantMaxTripCount(&L);
    const char *Why = "its maximum trip count";
    // A strip-mined loop's inner loop: umin(n - i, Chunk), which SCEV may
    // see only as a symbolic bound, or only in the counter's test.
    if ((Trips == 0 || Trips > Limit) && Limit > SmallLoopTrips) {
      uint64_t Chunk = symbolicTripBound(L, SE);
      if (Chunk == 0 || Chunk > Limit)
        Chunk = chunkCounterBound(L, SE);
      if (Chunk != 0 && Chunk <= Limit) {
        Trips = Chunk;
        Why = "its chunk";
      }
    }
    if (Trips == 0 || Trips > Limit) {
      SimplifyQuery Q(F.getParent()->getDataLayout(), &DT, &AC,
                      &*L.getHeader()->getFirstNonPHIIt());
      unsigned Growth = growthBound(L, DT, Q);
      if (Growth && (Trips == 0 || Growth < Trips)) {
        Trips = Growth;
        Why = "a value that starts at 1 or more and at least doubles";
      }
    }
    if (Trips == 0 || Trips > Limit)
      return 0;
    // Its iterations' work, up to the nested loops' polls, within budget.
    if (uint64_t(Trips) * loopBlocksCost(L) > PollFreeWork &&
        !ablated("work-budget"))
      return 0;
    FAM.getResult<OptimizationRemarkEmitterAnalysis>(F).emit([&] {
      return OptimizationRemarkMissed(abi::RemarkName.data(), "SmallLoop",
                                      Poll.Br)
             << "no poll in loop: it runs at most " << ore::NV("Trips", Trips)
             << " iterations (" << Why << "), bounded work";
    });
    return Trips;
  }

  /// Records \p Trips on the latch's branch for PollDistance.
  void setBound(Loop &L, unsigned Trips) {
    LLVMContext &C = F.getContext();
    L.getLoopLatch()->getTerminator()->setMetadata(
        BoundedTripsMD, MDNode::get(C, ConstantAsMetadata::get(ConstantInt::get(
                                           Type::getInt32Ty(C), Trips))));
  }

  Function &F;
  FunctionAnalysisManager &FAM;
  LoopInfo &LI;
};

} // namespace

PreservedAnalyses SmallLoopPollsPass::run(Function &F,
                                          FunctionAnalysisManager &FAM) {
  const GlobalVariable *Pending =
      F.getParent()->getGlobalVariable(abi::Pending);
  if (!Pending || F.isDeclaration() || F.hasOptNone() || ablated("small-loops"))
    return PreservedAnalyses::all();
  if (FAM.getResult<LoopAnalysis>(F).empty())
    return PreservedAnalyses::all();
  if (!SmallLoopPolls(F, FAM).run(Pending))
    return PreservedAnalyses::all();
  return PreservedAnalyses::none();
}

} // namespace safepoint
