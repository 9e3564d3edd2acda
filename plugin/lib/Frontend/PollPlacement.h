//===- PollPlacement.h - Mark poll sites in the C++ AST ---------*- C++ -*-===//
//
// The C++ scopes are known only here, so the frontend decides where an
// interrupt may be thrown. It inserts calls to the runtime's poll marker (a
// function that may throw) at the start of every loop body and of every
// function body, and before every backward goto. Clang then generates each
// marker call with exactly the cleanups and handlers live at that point, and
// no longer marks the function nounwind. Functions that must not throw (see
// docs/safety-model.md) instead get a mask marker and no polls.
//
//===----------------------------------------------------------------------===//

#ifndef SAFEPOINT_LIB_FRONTEND_POLLPLACEMENT_H
#define SAFEPOINT_LIB_FRONTEND_POLLPLACEMENT_H

#include "safepoint/SafepointPass.h"
#include "clang/AST/ASTContext.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringRef.h"

namespace clang {
class CompilerInstance;
class Sema;
class CXXForRangeStmt;
class ForStmt;
class Stmt;
} // namespace clang

namespace safepoint {

/// A loop whose iterations, times those of the bounded loops nested in it,
/// stay within this budget, and whose estimated work stays within
/// PollFreeWork (safepoint/SafepointPass.h), needs no poll of its own: its
/// work between two polls is bounded. Part of the latency bound in
/// docs/safety-model.md.
inline constexpr uint64_t BoundedLoopIterations = 4096;

// StripMineChunk (safepoint/SafepointPass.h): the iterations of a strip-mined
// loop between two polls.

/// The chunk of a strip-mined loop whose body makes a call the optimizer
/// cannot see through (virtual, through a pointer, or to a function without
/// a visible body): its iterations cost an unknown amount, and a chunk of
/// StripMineChunk of them took 17 µs in bench/micro/virtual_dispatch.cpp.
/// Such a loop cannot be vectorized anyway, so the extra polls cost little.
inline constexpr uint64_t StripMineCallChunk = 64;

class PollPlacer {
public:
  PollPlacer(clang::CompilerInstance &CI, clang::ASTContext &Ctx);

  /// Instruments every function defined in \p D (recursively: members,
  /// lambdas, local classes, template instantiations). Idempotent.
  void instrumentDecl(clang::Decl *D);
  void instrumentFunction(clang::FunctionDecl *FD);

  /// Naive placement: a poll in every loop (no bounded-loop skipping, no
  /// strip-mining).
  void setPlacement(Placement P) { Where = P; }

  /// The TU is compiled with -fno-exceptions (exception codegen switched on
  /// by the plugin): functions from system headers get no polls, as their
  /// try/catch cleanups (libstdc++'s __try/__catch) are compiled out.
  void setNoExceptionsTU(bool V) { NoExceptionsTU = V; }

  /// Sema, to type-check the expressions placement builds (`end - begin`)
  /// and to tell which calls can throw. Without it, neither is attempted.
  void setSema(clang::Sema *S) { SemaRef = S; }

  /// The end of the translation unit: template instantiations are over, so
  /// nothing that would need a new one may be built.
  void setEndOfTU() { EndOfTU = true; }

private:
  enum class Mask { None, Destructor, Noexcept, Attribute };

  Mask maskReason(clang::FunctionDecl *FD);
  llvm::StringRef skipReason(clang::FunctionDecl *FD);
  void placePolls(clang::FunctionDecl *FD);
  void walk(clang::Stmt *S, bool InHandler);
  void pollLoopBody(clang::Stmt *Loop, clang::Stmt *Body, bool InHandler);
  std::optional<uint64_t> constantTripCount(clang::Stmt *Loop);
  bool stripMine(clang::ForStmt *For);
  clang::Stmt *stripMineRange(clang::CXXForRangeStmt *Range);
  clang::Expr *rangeDistance(clang::CXXForRangeStmt *Range);
  bool mayThrowPerIteration(clang::Stmt *Loop);
  uint64_t nestedIterations(clang::Stmt *S);
  uint64_t iterationWork(const clang::Stmt *Loop, unsigned Depth = 0);
  uint64_t workOf(const clang::Stmt *S, unsigned Depth = 0);
  uint64_t callWork(const clang::FunctionDecl *Callee, unsigned Depth);
  uint64_t chunkFor(const clang::Stmt *Loop);

  clang::Stmt *prepend(clang::Stmt *Body, clang::Stmt *First);
  clang::Stmt *markerCall(unsigned Kind, clang::SourceLocation Loc);
  clang::Stmt *maskMarkerCall(clang::SourceLocation Loc);
  /// \p Call, wrapped in `if !consteval { ... }` in a constexpr function.
  clang::Stmt *outsideConstantEvaluation(clang::Stmt *Call,
                                         clang::SourceLocation Loc);
  clang::FunctionDecl *runtimeDecl(llvm::StringRef Name, bool Noexcept,
                                   bool TakesKind);

  void remarkMissed(clang::SourceLocation Loc, llvm::StringRef Message,
                    bool InSystemHeaders = false);

  clang::CompilerInstance &CI;
  clang::ASTContext &Ctx;
  bool RemarkMissed;
  Placement Where = Placement::Default;
  bool NoExceptionsTU = false;
  clang::Sema *SemaRef = nullptr;
  bool EndOfTU = false;
  /// The function being instrumented comes from a system header: only its
  /// loops that call something that can throw get polls.
  bool InLibrary = false;
  /// ... and whether its body calls anything that can throw (backward gotos).
  bool LibraryMayThrow = false;
  /// Library loops left without a poll: no call in them can throw.
  llvm::DenseSet<const clang::Stmt *> NoThrowLibraryLoops;
  /// Library loops already reported (one remark per source location).
  llvm::DenseSet<clang::SourceLocation> ReportedLibraryLoops;
  /// The function being instrumented and whether it is constexpr (its
  /// markers are wrapped in `if !consteval`).
  clang::FunctionDecl *Current = nullptr;
  llvm::DenseSet<const clang::FunctionDecl *> Done;
  llvm::DenseSet<const clang::Stmt *> Visited;
  /// Loops left without a poll because their work is bounded: iterations,
  /// times those of bounded loops nested in them, and the estimated IR
  /// instructions of all of them (workOf()).
  struct BoundedLoop {
    uint64_t Iterations;
    uint64_t Work;
  };
  llvm::DenseMap<const clang::Stmt *, BoundedLoop> BoundedLoops;
  /// The estimated work of a call to a function with a visible body.
  llvm::DenseMap<const clang::FunctionDecl *, uint64_t> CallWork;
  /// Loops under `#pragma clang loop` or similar: keep their shape.
  llvm::DenseSet<const clang::Stmt *> HintedLoops;
  /// Statements rewritten as a whole (strip-mined range-for loops), put in
  /// place by the walk of their parent.
  llvm::DenseMap<const clang::Stmt *, clang::Stmt *> Replacements;
  clang::FunctionDecl *PollMarker = nullptr;
  clang::FunctionDecl *MaskMarker = nullptr;
};

} // namespace safepoint

#endif
