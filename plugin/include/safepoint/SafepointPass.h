//===- safepoint/SafepointPass.h - The Safepoint LLVM pass ------*- C++ -*-===//
//
// The LLVM half of Safepoint. The frontend marks poll sites and masked
// functions with calls to runtime markers (see RuntimeABI.h); this pass
// lowers every marker to its inline form while keeping the marker's unwind
// edge, so exceptions thrown by a poll see exactly the cleanups and handlers
// the C++ frontend computed for that point.
//
//===----------------------------------------------------------------------===//

#ifndef SAFEPOINT_SAFEPOINTPASS_H
#define SAFEPOINT_SAFEPOINTPASS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/bit.h"
#include "llvm/IR/PassManager.h"

#include <algorithm>
#include <optional>

namespace llvm {
class PassBuilder;
} // namespace llvm

namespace safepoint {

/// How polls are placed. Naive exists to measure what Default saves.
enum class Placement {
  /// A poll at every marker: every loop back-edge and every function entry.
  Naive,
  /// Polls only where needed for the latency bound (docs/performance.md).
  Default,
};

/// Counted loops with an unknown or large trip count are strip-mined by the
/// frontend: the poll runs once per chunk of this many iterations, and the
/// inner loop over a chunk has no poll, so it can still be vectorized and
/// unrolled. PollDistance bounds such inner loops by it when SCEV cannot.
inline constexpr unsigned StripMineChunk = 1024;

/// The work, in IR instructions, that a loop left without a poll of its own
/// (a bounded loop), or a chunk of a strip-mined loop, may do between two
/// polls: such a loop takes fewer iterations when its body is heavier. The
/// frontend estimates a body's instructions from the AST, the LLVM passes
/// count them. Part of the latency bound in docs/safety-model.md.
inline constexpr uint64_t PollFreeWork = 16384;

/// A loop whose body costs more than PollFreeWork over this many iterations
/// is polled in every iteration instead of strip-mined: chunks this short
/// would add more loop control than the polls they save.
inline constexpr uint64_t MinStripMineChunk = 16;

/// Iterations per chunk of a loop whose iteration costs \p IterationWork IR
/// instructions: the largest power of two whose work fits PollFreeWork, at
/// most \p MaxChunk. Below MinStripMineChunk, the loop polls every iteration.
inline uint64_t chunkWithinBudget(uint64_t IterationWork, uint64_t MaxChunk) {
  return std::min(
      MaxChunk,
      llvm::bit_floor(PollFreeWork / std::max<uint64_t>(IterationWork, 1)));
}

/// Metadata kind on the pending-word load of a strip-mined loop's poll.
inline constexpr const char *ChunkPollMD = "safepoint.chunk";

/// Metadata kind on the pending-word load of a loop back-edge poll (the
/// frontend's marker at the start of a loop body), which LateStripMinePass
/// may move to a chunk boundary.
inline constexpr const char *LoopPollMD = "safepoint.loop";

/// Metadata kind on the pending-word load of a goto's poll (a backward or
/// computed `goto`): redundant-poll removal keeps it, as it keeps loop polls,
/// for dispatch duplication and alternation find an interpreter's dispatch
/// polls by it being right before the indirect jump.
inline constexpr const char *GotoPollMD = "safepoint.goto";

/// Metadata kind on the latch branch of a loop that lost its poll to
/// SmallLoopPollsPass: `!{i32 N}`, the most iterations it runs, for
/// PollDistance where SCEV has no bound.
inline constexpr const char *BoundedTripsMD = "safepoint.trips";

/// Metadata kind on the pending-word load of a poll that others were merged
/// into (RedundantPollEliminationPass): `!{i32 N}`, the largest distance in IR
/// instructions from it to a poll removed in its favour.
inline constexpr const char *MergedPollMD = "safepoint.merged";

struct SafepointPassOptions {
  Placement Where = Placement::Default;
  /// Pass-plugin mode (-fpass-plugin without the Clang plugin): the IR has no
  /// frontend markers, so add the polls and masks that are EH-correct from IR
  /// alone: a poll at the entry of every function that may already throw, and
  /// a mask around every nounwind function that makes may-throw calls.
  bool IRMode = false;
  /// False at -O0, -Os and -Oz: transformations that buy speed with code
  /// size (recursion rotation) are left out there.
  bool OptimizeForSpeed = true;
  /// `-fplugin-arg-safepoint-tls=local-exec`: the TLS words are declared
  /// local-exec, so a poll is one compare with the thread pointer and no
  /// register (`cmpl $0, %fs:__safepoint_pending@TPOFF`). Valid only for
  /// code linked into an executable together with the static runtime; the
  /// link fails otherwise (docs/abi.md).
  bool LocalExecTLS = false;
};

/// With -Rpass-analysis=safepoint, reports the longest poll-free path of every
/// function with polls (the work bound of docs/safety-model.md), in scalar IR
/// instructions just before vectorization and unrolling, which only shorten
/// it. Changes nothing.
class PollDistancePass : public llvm::PassInfoMixin<PollDistancePass> {
public:
  llvm::PreservedAnalyses run(llvm::Function &F,
                              llvm::FunctionAnalysisManager &FAM);
  static bool isRequired() { return true; }
};

/// Just before the vectorizer, first: a loop that runs at most
/// SmallLoopTrips iterations by SCEV's maximum trip count, or because the
/// value its exit tests starts at 1 or more and at least doubles (a
/// bit-tree decoder's `while (symbol < 0x100)`), and whose nested loops
/// poll, loses its poll (SmallLoops.cpp). Default placement.
class SmallLoopPollsPass : public llvm::PassInfoMixin<SmallLoopPollsPass> {
public:
  llvm::PreservedAnalyses run(llvm::Function &F,
                              llvm::FunctionAnalysisManager &FAM);
};

/// Just before the vectorizer: strip-mines countable innermost loops whose
/// only call is their back-edge poll (the shapes the frontend could not
/// rewrite: `while` loops, bounds that are fields or calls, `<=`), so that
/// they poll once per StripMineChunk iterations and still vectorize
/// (LateStripMining.cpp). Default placement only. A function it changed gets
/// loop-invariant code motion again: the poll's call kept loads of fields
/// and bounds inside the loop until now.
class LateStripMinePass : public llvm::PassInfoMixin<LateStripMinePass> {
public:
  LateStripMinePass();
  llvm::PreservedAnalyses run(llvm::Function &F,
                              llvm::FunctionAnalysisManager &FAM);

private:
  llvm::FunctionPassManager Cleanup;
};

/// Just before the vectorizer, after LateStripMinePass: in a loop that still
/// polls, a load from a dereferenceable address that nothing in the loop
/// writes but the slow path's call (a global, a field of `this`) moves to the
/// preheader, with a reload after each slow call (PollLoadPromotion.cpp).
/// Default placement.
class PollLoadPromotionPass
    : public llvm::PassInfoMixin<PollLoadPromotionPass> {
public:
  llvm::PreservedAnalyses run(llvm::Function &F,
                              llvm::FunctionAnalysisManager &FAM);
};

/// Just before the vectorizer, after PollLoadPromotionPass: a small innermost
/// loop that still polls in every iteration (a tree walk, a linked list, a
/// short CSR row) is unrolled, with the poll in the first copy only, so that
/// it polls once per few iterations and gets the runtime unrolling its slow
/// call would deny it (PollUnrolling.cpp). Default placement.
class PollUnrollPass : public llvm::PassInfoMixin<PollUnrollPass> {
public:
  llvm::PreservedAnalyses run(llvm::Function &F,
                              llvm::FunctionAnalysisManager &FAM);
};

/// In the function simplification pipeline, after inlining: removes a poll
/// (not a loop's) when, on every path to it, a poll that stays ran at most
/// RedundantPollBudget IR instructions before, a call counting as one:
/// mostly the entry polls of inlined callees (RedundantPolls.cpp). Default
/// placement.
class RedundantPollEliminationPass
    : public llvm::PassInfoMixin<RedundantPollEliminationPass> {
public:
  llvm::PreservedAnalyses run(llvm::Function &F,
                              llvm::FunctionAnalysisManager &FAM);
};

/// At the end of the optimization pipeline: gives each poll that branches to
/// a small block ending in `indirectbr` (GNU computed goto's shared dispatch)
/// its own copy of that block, so that every bytecode handler keeps its own
/// indirect jump, as the backend's tail duplication gives code without polls
/// (DispatchDuplication.cpp). Default placement only.
class DispatchDuplicationPass
    : public llvm::PassInfoMixin<DispatchDuplicationPass> {
public:
  llvm::PreservedAnalyses run(llvm::Function &F,
                              llvm::FunctionAnalysisManager &FAM);
};

/// At the end of the optimization pipeline, after DispatchDuplicationPass:
/// gives a threaded interpreter (computed gotos through one constant table
/// of labels) a second copy of its handlers without the polls right before
/// their indirect jumps, which the polling originals jump into through a
/// second table, and which jump back: one poll per two dispatches
/// (DispatchAlternation.cpp). Default placement, not at -Os/-Oz.
class DispatchAlternationPass
    : public llvm::PassInfoMixin<DispatchAlternationPass> {
public:
  llvm::PreservedAnalyses run(llvm::Function &F,
                              llvm::FunctionAnalysisManager &FAM);
};

/// At the end of the pipeline, on x86-64, each poll's slow call keeps the
/// hot path's registers: the preserve_most convention keeps every
/// general-purpose register but R11, so values live across the cold call
/// need no callee-saved register or spill in the hot path.
///  - A `call` (no landing pad) calls __safepoint_poll_slow_preserve, which
///    may throw, when no LTO link follows (\p NoLinkTimeInlining).
///  - An `invoke`, and every slow call when an LTO link may inline the code
///    into a landing pad's scope, is split: a preserve_most check that cannot
///    unwind (__safepoint_poll_check_preserve) and, if it took an exception, a
///    C-convention raise that never returns (__safepoint_poll_raise). An
///    unwinder restores only the C convention's callee-saved registers into a
///    landing pad, and only the raise reaches one.
class PreservingSlowPathPass
    : public llvm::PassInfoMixin<PreservingSlowPathPass> {
public:
  explicit PreservingSlowPathPass(bool NoLinkTimeInlining = true)
      : NoLinkTimeInlining(NoLinkTimeInlining) {}
  llvm::PreservedAnalyses run(llvm::Function &F,
                              llvm::FunctionAnalysisManager &FAM);

private:
  bool NoLinkTimeInlining;
};

/// Measurement only (bench/run.sh --ablation, docs/performance.md): true if
/// the comma-separated environment variable SAFEPOINT_ABLATE names \p
/// Technique, which the default placement then leaves out (the names, one
/// per ablated() call, are listed by `bench/run.sh --help`). Never set it
/// otherwise.
bool ablated(llvm::StringRef Technique);

/// Parses "naive" or "default"; nullopt for anything else.
std::optional<Placement> parsePlacement(llvm::StringRef Name);

class SafepointPass : public llvm::PassInfoMixin<SafepointPass> {
public:
  explicit SafepointPass(SafepointPassOptions Opts = {}) : Opts(Opts) {}
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  /// Markers must be lowered even in optnone (-O0) functions.
  static bool isRequired() { return true; }

private:
  SafepointPassOptions Opts;
};

/// What the compilation is for, as far as link-time optimization goes.
enum class LTOMode {
  None,    ///< an object file: the pipeline runs to its end here
  Thin,    ///< -flto=thin pre-link
  Full,    ///< -flto pre-link
  Unknown, ///< not said (the pass-only plugin on LLVM 19)
};

/// Registers the pipeline names `safepoint` and `safepoint-ir` (for opt;
/// `safepoint<naive>` selects naive placement) and schedules the pass at the
/// start of every default pipeline, -O0 included. \p FrontendMarked is true
/// when the Clang plugin placed markers. \p LTO is what the Clang plugin
/// knows from its CodeGenOptions (LLVM 20 and later also tell the phase to
/// the pass-only plugin). For ThinLTO the pre-link pipeline stops before
/// the vectorizer, whose passes then run in the linker, which does not load
/// this plugin: the passes scheduled before the vectorizer run at the end of
/// the pre-link pipeline instead. The slow path that may throw with the
/// preserve_most convention is used only when no LTO link can inline the
/// code again; otherwise every slow call is split (PreservingSlowPathPass).
void registerPasses(llvm::PassBuilder &PB, bool FrontendMarked,
                    Placement P = Placement::Default,
                    LTOMode LTO = LTOMode::Unknown, bool LocalExecTLS = false);

} // namespace safepoint

#endif // SAFEPOINT_SAFEPOINTPASS_H
