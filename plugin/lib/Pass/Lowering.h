//===- Lowering.h - Pieces of the Safepoint pass ----------------*- C++ -*-===//

#ifndef SAFEPOINT_LIB_PASS_LOWERING_H
#define SAFEPOINT_LIB_PASS_LOWERING_H

#include "safepoint/SafepointPass.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"

#include <optional>

namespace safepoint {

/// Runtime symbols the lowered code refers to, declared on demand.
class RuntimeDecls {
public:
  /// With \p LocalExec the TLS words are declared local-exec (see
  /// SafepointPassOptions::LocalExecTLS), else initial-exec.
  explicit RuntimeDecls(llvm::Module &M, bool LocalExec = false)
      : M(M), LocalExec(LocalExec) {}
  llvm::GlobalVariable *pendingWord();
  llvm::GlobalVariable *maskDepth();
  llvm::FunctionCallee pollSlow();
  /// Makes the module reference the runtime's ABI-version symbol, so a program
  /// without a matching runtime fails to link naming that symbol.
  void referenceABIVersion();

private:
  llvm::GlobalVariable *tlsWord(llvm::StringRef Name);
  llvm::Module &M;
  bool LocalExec;
};

/// A function with an acyclic CFG whose calls go only to intrinsics and to
/// such functions, with at most this many IR instructions (before
/// optimization) over its whole call tree, is a "small call tree": it needs
/// no entry poll, and neither do callers whose only calls go to small trees
/// outside poll-free cycles. Part of the work bound in docs/safety-model.md.
inline constexpr uint64_t EntryTreeBudget = 256;

/// Recursion rotation (RecursionRotation.cpp): a directly self-recursive
/// function polls once per at most this many levels of recursion.
inline constexpr unsigned RotationLevels = 8;
/// Only functions of at most this many IR instructions are rotated...
inline constexpr uint64_t RotationBodyBudget = 128;
/// ...with their copies totalling at most this many...
inline constexpr uint64_t RotationCopyBudget = 1024;
/// ...and at most this many IR instructions in the bodies entered between two
/// polls (fewer levels when a body has several self-calls).
inline constexpr uint64_t RotationWorkBudget = 8192;

/// Poll unrolling (PollUnrolling.cpp): a small innermost loop that polls in
/// every iteration is unrolled this many times, polling in the first copy...
inline constexpr unsigned PollUnrollCount = 4;
/// ...if one iteration runs at most this many IR instructions besides the
/// poll (the longest path from its header)...
inline constexpr uint64_t PollUnrollPathBudget = 32;
/// ...and its body has at most this many in all.
inline constexpr uint64_t PollUnrollSizeBudget = 128;
/// A walk of unknown length whose whole body is at most half the path
/// budget is unrolled twice as many times: the same work (PollUnrollCount
/// times PollUnrollPathBudget) runs between two polls.
inline constexpr unsigned PollUnrollCountShort = 2 * PollUnrollCount;

/// Dispatch alternation (DispatchAlternation.cpp): a threaded interpreter
/// whose handlers reach at most this many IR instructions in all gets a
/// second copy of them without dispatch polls: it polls at every second
/// dispatch. Bounds the code it adds; Lua 5.4's luaV_execute (4726) is in
/// (bench/lua-dispatch.sh).
inline constexpr uint64_t DispatchAlternationBudget = 8192;

/// Redundant polls (RedundantPolls.cpp): a poll that runs at most this many
/// IR instructions after one that stays, on every path, is removed: as much
/// as a small call tree may run after a call without an entry poll. Part of
/// the work bound in docs/safety-model.md.
inline constexpr uint64_t RedundantPollBudget = EntryTreeBudget;

/// Small loops (SmallLoops.cpp): a loop shown to run at most this many
/// iterations loses its poll, as the frontend's bounded loops with opaque
/// calls. Part of the work bound in docs/safety-model.md.
inline constexpr unsigned SmallLoopTrips = 64;

/// Why PollUnrollPass would not unroll the innermost loop \p L, which polls
/// once per iteration (iterationPoll()), or nullopt if it would
/// (PollUnrolling.cpp); then \p BodySize, if given, is the IR instructions of
/// its body. \p TTI tells which switches become jump tables.
std::optional<llvm::StringRef>
whyNotPollUnrolled(llvm::Loop &L, llvm::LoopInfo &LI,
                   const llvm::TargetTransformInfo &TTI,
                   uint64_t *BodySize = nullptr);

/// With Default placement, before lowerPollMarkers: gives each small directly
/// self-recursive function with an entry marker internal copies without it,
/// its self-calls going round F, F.rot1, ..., back to F, so that the recursion
/// polls once per RotationLevels levels or fewer. Returns functions rotated.
unsigned rotateRecursion(llvm::Module &M);

/// Emits a poll's load of the pending word at \p B's insertion point. It is
/// volatile, which x86 folds into the compare (`cmpl $0, %fs:(%reg)`, no
/// scratch register; a relaxed atomic load is not folded), and a racy read
/// of an aligned word returns some value written to it (docs/abi.md). Under
/// ThreadSanitizer it is a relaxed atomic load instead: the senders' atomic
/// stores would otherwise be reported as racing with every poll.
llvm::LoadInst *loadPendingWord(llvm::IRBuilderBase &B, RuntimeDecls &RT);

/// IR instructions on a poll's fast path that InlineCost charges: the TLS
/// address, loadPendingWord's load and the compare (the branch is free).
/// The slow call's "call-inline-cost" is minus their cost (pollSlow()).
inline constexpr int PollFastPathInstrs = 3;

/// IR instructions of the frontend's strip-mining loop control that
/// InlineCost charges once simplified: the chunk's test, its
/// umin(n - i, Chunk) and max(.., 1), the outer latch's add and compare, the
/// inner counter's add and compare (measured: 8 to 9 for a counted loop with
/// and without calls). A chunk poll's slow call carries minus these and its
/// fast path as its "call-inline-cost" (lowerOne()), so that strip-mining
/// changes no inlining decision either: lzip's `decode_tree_reversed` was
/// no longer inlined into its decoder loop for it (cost 260 over 225; plain
/// 215). The lower count, so the inliner never takes more than plain does.
inline constexpr int ChunkControlInstrs = 8;

/// Removes an entry poll marker; an invoke of it becomes a branch.
void eraseEntryMarker(llvm::CallBase &Marker);

/// Replaces every call to the poll marker with the inline check and returns
/// the number of polls placed. With Default placement, entry markers of
/// functions that cannot recurse and do bounded work before their first poll
/// are dropped (reported as missed remarks; see EntryTreeBudget).
unsigned lowerPollMarkers(llvm::Module &M, RuntimeDecls &RT, Placement P);

/// Masks interrupts for the dynamic extent of each function marked by the
/// frontend (or, with \p IRMode, of each nounwind function) that makes a call
/// able to reach a poll. Removes the mask markers. Returns functions masked.
unsigned lowerMasks(llvm::Module &M, RuntimeDecls &RT, bool IRMode);

/// Redirects direct calls to the blocking functions of abi.def's
/// SAFEPOINT_ABI_WRAP table to their interruptible runtime wrappers
/// (BlockingCalls.cpp). Returns the number of calls redirected.
unsigned redirectBlockingCalls(llvm::Module &M);

/// True if \p I calls a lowered poll's slow path (abi::PollSlow).
bool isSlowCall(const llvm::Instruction &I);

/// If \p Term is the conditional branch of a lowered poll, `br (load ==/!=
/// 0)`, the load (loadPendingWord's; lowering emits `!= 0`, InstCombine may
/// turn it into `== 0` with the successors swapped); else null. Callers
/// check what the load reads or is tagged with.
llvm::LoadInst *pollWord(const llvm::Instruction *Term);

/// The loop back-edge poll (LoopPollMD) that ends \p BB, if any, in the
/// form the loop passes rewrite: its load is in \p BB and used only by the
/// compare, which only the branch uses.
llvm::LoadInst *loopPoll(llvm::BasicBlock &BB);

/// The loop poll that runs once in every iteration of \p L that goes around:
/// the only one in L, ending a block that dominates every latch (the header,
/// or a later block when the loop tests first, as a rotated `while (c) {}`
/// does); else null.
llvm::LoadInst *iterationPoll(llvm::Loop &L, const llvm::DominatorTree &DT);

/// A lowered poll that ends a block: its load, its branch, the slow side
/// (the successor taken when an interrupt is pending) and the fast side.
struct LoweredPoll {
  llvm::LoadInst *Word;
  llvm::BranchInst *Br;
  llvm::BasicBlock *Slow, *Fast;
};

/// The poll branch that ends \p BB (pollWord() reading \p Pending), if any,
/// whatever its slow side looks like (merged slow paths included).
std::optional<LoweredPoll>
pollBranchEnding(llvm::BasicBlock &BB, const llvm::GlobalVariable *Pending);

/// The lowered poll that ends \p BB, if any, in lowering's own form: its
/// slow side is reached only from here and starts with the slow call.
std::optional<LoweredPoll>
loweredPollEnding(llvm::BasicBlock &BB, const llvm::GlobalVariable *Pending);

/// Removes \p P: its block branches to the fast side, and the load and the
/// compare go; a slow side that only this poll reached is left unreachable,
/// for the caller to delete (llvm::removeUnreachableBlocks).
void removeLoweredPoll(const LoweredPoll &P);

/// Once no branch uses them: erases a poll's compare \p Cmp and its load
/// \p Word, which no pass would delete (it is volatile), with the TLS
/// address if nothing else uses it.
void eraseDeadPollCheck(llvm::Instruction &Cmp, llvm::LoadInst &Word);

/// True if \p Word is the load of a loop's or a chunk's poll (LoopPollMD,
/// ChunkPollMD): the loop passes own those, and each iteration of its loop
/// (or chunk) runs it.
bool isLoopOrChunkPoll(const llvm::LoadInst &Word);

/// True if \p I loads the pending word \p Pending (a lowered poll's load).
bool isPollLoad(const llvm::Instruction &I,
                const llvm::GlobalVariable *Pending);

/// IR instructions of \p BB, not counting phis and debug records.
uint64_t blockCost(const llvm::BasicBlock &BB);

/// IR instructions of every block of \p L, its inner loops' included.
uint64_t loopBlocksCost(const llvm::Loop &L);

/// The site kind of a poll marker call (enum safepoint_site_kind): its
/// constant argument, or SAFEPOINT_SITE_ENTRY without one.
unsigned siteKind(const llvm::CallBase &CB);

/// The iterations of \p L from the range of SCEV's symbolic maximum
/// backedge-taken count (umin(n - i, Chunk) of a strip-mined loop: Chunk),
/// or 0 if that is not small.
uint64_t symbolicTripBound(const llvm::Loop &L, llvm::ScalarEvolution &SE);

/// The iterations of a strip-mined loop's inner loop \p L over one chunk,
/// from its latch's test of a counter {0,+,1} against a loop-invariant
/// bound: at most the bound's largest value, or 0 if unknown.
uint64_t chunkCounterBound(const llvm::Loop &L, llvm::ScalarEvolution &SE);

/// longestPollFreePath() of a path with a loop of unknown trip count.
inline constexpr uint64_t Unbounded = ~uint64_t(0);

/// The PollDistance remark's number for \p F: the most IR instructions on a
/// path between two polls, or Unbounded.
uint64_t longestPollFreePath(llvm::Function &F,
                             llvm::FunctionAnalysisManager &FAM);

/// Emits the PollDistance analysis remark for \p F (see PollDistancePass).
void reportPollDistance(llvm::Function &F, llvm::FunctionAnalysisManager &FAM);

/// Pass-plugin mode: adds an entry poll marker to every function that may
/// already throw. Returns the number of markers added.
unsigned addIREntryMarkers(llvm::Module &M);

} // namespace safepoint

#endif
