//===- PollPlacement.cpp - Mark poll sites in the C++ AST -----------------===//

#include "PollPlacement.h"
#include "NoInterruptsAttr.h"
#include "safepoint/RuntimeABI.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/Builtins.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Sema/Sema.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <functional>

using namespace clang;

namespace safepoint {
namespace {

/// Collects every function definition reachable from a declaration,
/// including template instantiations and lambda call operators.
class FunctionCollector : public RecursiveASTVisitor<FunctionCollector> {
public:
  llvm::SmallVector<FunctionDecl *, 32> Found;

  bool shouldVisitTemplateInstantiations() const { return true; }

  bool VisitFunctionDecl(FunctionDecl *FD) {
    Found.push_back(FD);
    return true;
  }

  bool VisitLambdaExpr(LambdaExpr *LE) {
    CXXMethodDecl *Op = LE->getCallOperator();
    Found.push_back(Op);
    if (FunctionTemplateDecl *Generic = Op->getDescribedFunctionTemplate())
      for (FunctionDecl *Spec : Generic->specializations())
        Found.push_back(Spec);
    return true;
  }
};

bool isReturnsTwice(const ASTContext &Ctx, const FunctionDecl *Callee) {
  if (Callee->hasAttr<ReturnsTwiceAttr>())
    return true;
  if (unsigned ID = Callee->getBuiltinID())
    if (Ctx.BuiltinInfo.isReturnsTwice(ID))
      return true;
  static constexpr llvm::StringLiteral Names[] = {
      "setjmp", "_setjmp",    "sigsetjmp", "__sigsetjmp",
      "vfork",  "getcontext", "savectx"};
  const IdentifierInfo *II = Callee->getIdentifier();
  return II && llvm::is_contained(Names, II->getName());
}

bool callsReturnsTwice(const ASTContext &Ctx, const Stmt *S) {
  if (!S)
    return false;
  if (const auto *CE = dyn_cast<CallExpr>(S))
    if (const FunctionDecl *Callee = CE->getDirectCallee())
      if (isReturnsTwice(Ctx, Callee))
        return true;
  if (isa<LambdaExpr>(S) || isa<BlockExpr>(S))
    return false;
  for (const Stmt *Child : S->children())
    if (callsReturnsTwice(Ctx, Child))
      return true;
  return false;
}

} // namespace

PollPlacer::PollPlacer(CompilerInstance &CI, ASTContext &Ctx)
    : CI(CI), Ctx(Ctx),
      RemarkMissed(CI.getCodeGenOpts().OptimizationRemarkMissed.patternMatches(
          abi::RemarkName)) {}

void PollPlacer::instrumentDecl(Decl *D) {
  FunctionCollector Collector;
  Collector.TraverseDecl(D);
  for (FunctionDecl *FD : Collector.Found)
    instrumentFunction(FD);
}

PollPlacer::Mask PollPlacer::maskReason(FunctionDecl *FD) {
  if (isa<CXXDestructorDecl>(FD))
    return Mask::Destructor;
  if (hasNoInterruptsAttr(FD))
    return Mask::Attribute;
  if (FD->hasAttr<NoThrowAttr>())
    return Mask::Noexcept;
  if (const auto *FPT = FD->getType()->getAs<FunctionProtoType>()) {
    // An exception specification not computed yet is treated as noexcept:
    // masking without polls is always safe.
    if (isUnresolvedExceptionSpec(FPT->getExceptionSpecType()) ||
        FPT->isNothrow())
      return Mask::Noexcept;
  }
  return Mask::None;
}

llvm::StringRef PollPlacer::skipReason(FunctionDecl *FD) {
  if (isa<CoroutineBodyStmt>(FD->getBody()))
    return "coroutines are not instrumented yet";
  if (FD->hasAttr<NakedAttr>())
    return "naked functions have no frame to unwind";
  if (callsReturnsTwice(Ctx, FD->getBody()))
    return "it calls a returns_twice function (setjmp, vfork, ...) whose "
           "second return the unwinder does not model";
  return {};
}

void PollPlacer::instrumentFunction(FunctionDecl *FD) {
  if (!FD->doesThisDeclarationHaveABody() || !FD->getBody() ||
      FD->isDependentContext() || FD->isConsteval() || FD->isImplicit() ||
      FD->isDefaulted() || FD->isDeleted())
    return;
  if (!Done.insert(FD).second)
    return;

  Current = FD;
  SourceLocation Loc = FD->getBody()->getBeginLoc();
  if (llvm::StringRef Why = skipReason(FD); !Why.empty()) {
    remarkMissed(FD->getLocation(),
                 "no polls in '" + FD->getNameAsString() + "': " + Why.str());
    return;
  }

  static constexpr const char *MaskNames[] = {
      "", "it is a destructor", "it is noexcept", "it is [[no_interrupts]]"};
  if (Mask Why = maskReason(FD); Why != Mask::None) {
    FD->setBody(prepend(FD->getBody(), maskMarkerCall(Loc)));
    remarkMissed(FD->getLocation(),
                 ("no polls in '" + FD->getNameAsString() +
                  "': " + MaskNames[static_cast<int>(Why)] +
                  "; interrupts are deferred while it runs"));
    return;
  }

  // Masks above are always safe; polls are not where try/catch cleanups
  // were compiled out (see setNoExceptionsTU).
  InLibrary = Ctx.getSourceManager().isInSystemHeader(FD->getLocation());
  if (NoExceptionsTU && InLibrary)
    return;

  // Library code may be interrupted only where it already calls something
  // that can throw (see mayThrowPerIteration): a backward goto there polls
  // only if the function can throw at all.
  LibraryMayThrow =
      InLibrary && (!SemaRef || ablated("library-nothrow") ||
                    SemaRef->canThrow(FD->getBody()) != CT_Cannot);
  walk(FD->getBody(), /*InHandler=*/false);
  // Library code in system headers assumes its internal helpers do not throw
  // (libstdc++'s string, say, frees a buffer, then calls a setter): a poll at
  // such a helper's entry could leave the object half-updated. User
  // callbacks poll as usual.
  if (InLibrary) {
    remarkMissed(FD->getLocation(), "no entry poll in library code");
    return;
  }
  FD->setBody(prepend(FD->getBody(), markerCall(SAFEPOINT_SITE_ENTRY, Loc)));
}

void PollPlacer::walk(Stmt *S, bool InHandler) {
  if (!S || !Visited.insert(S).second)
    return;

  // Separate functions, instrumented on their own; unevaluated operands.
  if (isa<LambdaExpr, BlockExpr, UnaryExprOrTypeTraitExpr, CXXNoexceptExpr,
          CXXTypeidExpr>(S))
    return;
  if (isa<CapturedStmt>(S)) {
    remarkMissed(S->getBeginLoc(),
                 "no polls in captured (OpenMP) regions: their outlined "
                 "functions cannot propagate exceptions");
    return;
  }
  if (auto *Catch = dyn_cast<CXXCatchStmt>(S)) {
    walk(Catch->getHandlerBlock(), /*InHandler=*/true);
    return;
  }
  if (auto *Attributed = dyn_cast<AttributedStmt>(S))
    HintedLoops.insert(Attributed->getSubStmt());
  // Decided before the walk below adds markers (throwing calls) to the body.
  if (InLibrary && isa<ForStmt, WhileStmt, DoStmt, CXXForRangeStmt>(S) &&
      !mayThrowPerIteration(S))
    NoThrowLibraryLoops.insert(S);
  if (auto *If = dyn_cast<IfStmt>(S); If && If->isConsteval()) {
    // Only the branch that runs outside constant evaluation.
    walk(If->isNegatedConsteval() ? If->getThen() : If->getElse(), InHandler);
    return;
  }

  for (Stmt *&Child : S->children()) {
    if (!Child)
      continue;
    bool Backward = isa<IndirectGotoStmt>(Child);
    if (auto *Goto = dyn_cast<GotoStmt>(Child)) {
      const SourceManager &SM = Ctx.getSourceManager();
      LabelStmt *Target = Goto->getLabel()->getStmt();
      Backward = Target && !SM.isBeforeInTranslationUnit(
                               SM.getExpansionLoc(Goto->getGotoLoc()),
                               SM.getExpansionLoc(Target->getIdentLoc()));
    }
    if (!Backward) {
      walk(Child, InHandler);
      // A strip-mined range-for is replaced as a whole.
      if (Stmt *New = Replacements.lookup(Child))
        Child = New;
      continue;
    }
    if (InHandler) {
      remarkMissed(Child->getBeginLoc(),
                   "no poll at goto inside a catch handler (cleanup code)");
      continue;
    }
    if (InLibrary && !LibraryMayThrow)
      continue;
    Child =
        prepend(Child, markerCall(SAFEPOINT_SITE_GOTO, Child->getBeginLoc()));
  }

  if (auto *For = dyn_cast<ForStmt>(S))
    pollLoopBody(S, For->getBody(), InHandler);
  else if (auto *While = dyn_cast<WhileStmt>(S))
    pollLoopBody(S, While->getBody(), InHandler);
  else if (auto *Do = dyn_cast<DoStmt>(S))
    pollLoopBody(S, Do->getBody(), InHandler);
  else if (auto *Range = dyn_cast<CXXForRangeStmt>(S))
    pollLoopBody(S, Range->getBody(), InHandler);
}

static bool costsUnknown(const Stmt *Body);

void PollPlacer::pollLoopBody(Stmt *Loop, Stmt *Body, bool InHandler) {
  SourceLocation Loc = Loop->getBeginLoc();
  if (InHandler) {
    remarkMissed(Loc, "no poll in loop inside a catch handler (cleanup code); "
                      "interrupts are deferred until the handler ends");
    return;
  }
  // A safety rule, not an optimization: naive placement obeys it too.
  if (NoThrowLibraryLoops.contains(Loop)) {
    const SourceManager &SM = Ctx.getSourceManager();
    if (ReportedLibraryLoops.insert(SM.getExpansionLoc(Loc)).second)
      remarkMissed(Loc,
                   "no poll in library loop: it calls nothing that can "
                   "throw, so the library need not be exception-safe there",
                   /*InSystemHeaders=*/true);
    return;
  }
  if (Where == Placement::Naive) {
    // Nothing skipped, nothing strip-mined: the baseline of measurements.
  } else if (std::optional<uint64_t> Trips = constantTripCount(Loop);
             Trips && !ablated("bounded-loops")) {
    // Opaque calls cost an unknown amount each: then only as many
    // iterations as a chunk of such a loop are bounded work.
    uint64_t Iterations =
        llvm::SaturatingMultiply(*Trips, nestedIterations(Body));
    uint64_t MaxIterations =
        costsUnknown(Body) ? StripMineCallChunk : BoundedLoopIterations;
    uint64_t Work = llvm::SaturatingMultiply(*Trips, iterationWork(Loop));
    if (Iterations <= MaxIterations &&
        (Work <= PollFreeWork || ablated("work-budget"))) {
      BoundedLoops[Loop] = {Iterations, Work};
      remarkMissed(Loc, ("no poll in loop: it runs " + llvm::Twine(*Trips) +
                         " iterations, bounded work (about " +
                         llvm::Twine(Work) + " instructions)")
                            .str());
      return;
    }
  }
  if (auto *For = dyn_cast<ForStmt>(Loop);
      For && Where != Placement::Naive && stripMine(For))
    return;
  if (auto *Range = dyn_cast<CXXForRangeStmt>(Loop);
      Range && Where != Placement::Naive) {
    if (Stmt *New = stripMineRange(Range)) {
      Replacements[Range] = New;
      return;
    }
  }
  // The body's start is on every path around the loop (continue included),
  // and only the scopes enclosing the loop are live there.
  Stmt *NewBody = prepend(Body, markerCall(SAFEPOINT_SITE_LOOP, Loc));
  if (auto *For = dyn_cast<ForStmt>(Loop))
    For->setBody(NewBody);
  else if (auto *While = dyn_cast<WhileStmt>(Loop))
    While->setBody(NewBody);
  else if (auto *Do = dyn_cast<DoStmt>(Loop))
    Do->setBody(NewBody);
  else
    cast<CXXForRangeStmt>(Loop)->setBody(NewBody);
}

/// 1 plus the iterations of the bounded loops directly nested in \p S
/// (polled loops reset the distance, so they count as 1).
uint64_t PollPlacer::nestedIterations(Stmt *S) {
  uint64_t Iterations = 1;
  for (Stmt *Child : S->children()) {
    if (!Child || isa<LambdaExpr, BlockExpr>(Child))
      continue;
    if (isa<ForStmt, WhileStmt, DoStmt, CXXForRangeStmt>(Child)) {
      auto It = BoundedLoops.find(Child);
      Iterations += It == BoundedLoops.end() ? 1 : It->second.Iterations;
      continue;
    }
    Iterations += nestedIterations(Child) - 1;
  }
  return Iterations;
}

/// The parts of \p Loop that run in every iteration: condition, increment,
/// body (for a range-for, also the loop variable's initialization).
static llvm::SmallVector<const Stmt *, 4> iterationParts(const Stmt *Loop) {
  if (const auto *For = dyn_cast<ForStmt>(Loop))
    return {For->getConditionVariableDeclStmt(), For->getCond(), For->getInc(),
            For->getBody()};
  if (const auto *While = dyn_cast<WhileStmt>(Loop))
    return {While->getConditionVariableDeclStmt(), While->getCond(),
            While->getBody()};
  if (const auto *Do = dyn_cast<DoStmt>(Loop))
    return {Do->getCond(), Do->getBody()};
  const auto *Range = cast<CXXForRangeStmt>(Loop);
  return {Range->getCond(), Range->getInc(), Range->getLoopVarStmt(),
          Range->getBody()};
}

/// The estimated IR instructions of one iteration of \p Loop (at least 1).
uint64_t PollPlacer::iterationWork(const Stmt *Loop, unsigned Depth) {
  uint64_t Work = 0;
  for (const Stmt *Part : iterationParts(Loop))
    Work = llvm::SaturatingAdd(Work, workOf(Part, Depth));
  return std::max<uint64_t>(Work, 1);
}

/// An estimate of the IR instructions one run of \p S executes, on its
/// costliest path through each `if` and `?:` (every case of a `switch`
/// counted): a load, a store, an arithmetic or conversion operation, a
/// branch each count one, a call the work of its callee (callWork()). A loop
/// nested in \p S counts its iterations' work if it is bounded, and one
/// iteration if it polls, because its poll ends the poll-free path. Accurate
/// enough to size chunks; PollDistance reports the real bound, in IR.
uint64_t PollPlacer::workOf(const Stmt *S, unsigned Depth) {
  if (!S || isa<LambdaExpr, BlockExpr>(S))
    return 0;
  if (isa<ForStmt, WhileStmt, DoStmt, CXXForRangeStmt>(S)) {
    // In the function being instrumented, nested loops were placed first.
    if (Depth == 0) {
      auto It = BoundedLoops.find(S);
      return It == BoundedLoops.end() ? iterationWork(S, Depth)
                                      : It->second.Work;
    }
    uint64_t Trips = 1;
    if (std::optional<uint64_t> N = constantTripCount(const_cast<Stmt *>(S));
        N && *N <= BoundedLoopIterations)
      Trips = *N;
    return llvm::SaturatingMultiply(Trips, iterationWork(S, Depth));
  }

  auto Sum = [](std::initializer_list<uint64_t> Parts) {
    uint64_t Total = 0;
    for (uint64_t Part : Parts)
      Total = llvm::SaturatingAdd(Total, Part);
    return Total;
  };
  // Branches: the costlier side.
  if (const auto *If = dyn_cast<IfStmt>(S))
    return Sum(
        {1, workOf(If->getInit(), Depth),
         workOf(If->getConditionVariableDeclStmt(), Depth),
         workOf(If->getCond(), Depth),
         std::max(workOf(If->getThen(), Depth), workOf(If->getElse(), Depth))});
  if (const auto *Cond = dyn_cast<AbstractConditionalOperator>(S))
    return Sum({1, workOf(Cond->getCond(), Depth),
                std::max(workOf(Cond->getTrueExpr(), Depth),
                         workOf(Cond->getFalseExpr(), Depth))});

  uint64_t Work = 0;
  if (const auto *Cast = dyn_cast<CastExpr>(S)) {
    switch (Cast->getCastKind()) {
    case CK_LValueToRValue:
      // A local variable or parameter lives in a register.
      if (const auto *Ref =
              dyn_cast<DeclRefExpr>(Cast->getSubExpr()->IgnoreParens()))
        if (const auto *V = dyn_cast<VarDecl>(Ref->getDecl());
            V && V->hasLocalStorage() && !V->getType()->isReferenceType())
          break;
      Work = 1;
      break;
    case CK_IntegralCast:
    case CK_IntegralToFloating:
    case CK_FloatingToIntegral:
    case CK_FloatingCast:
    case CK_IntegralToBoolean:
    case CK_FloatingToBoolean:
    case CK_PointerToBoolean:
    case CK_IntegralToPointer:
    case CK_PointerToIntegral:
      Work = 1;
      break;
    default:
      break;
    }
  } else if (const auto *Op = dyn_cast<BinaryOperator>(S)) {
    Work = Op->getOpcode() == BO_Comma       ? 0
           : isa<CompoundAssignOperator>(Op) ? 2
                                             : 1;
  } else if (const auto *Op = dyn_cast<UnaryOperator>(S)) {
    Work = Op->isIncrementDecrementOp() ? 2 : Op->isArithmeticOp() ? 1 : 0;
  } else if (isa<ArraySubscriptExpr, SwitchStmt, CaseStmt, CXXThrowExpr>(S)) {
    Work = 1;
  } else if (const auto *Call = dyn_cast<CallExpr>(S)) {
    // In a template's pattern, read for a member not instantiated yet, a
    // call is not resolved: most are a library's small accessors.
    Work = !Call->getDirectCallee() && Call->isInstantiationDependent()
               ? 4
               : callWork(Call->getDirectCallee(), Depth);
  } else if (const auto *Construct = dyn_cast<CXXConstructExpr>(S)) {
    Work = callWork(Construct->getConstructor(), Depth);
  } else if (const auto *New = dyn_cast<CXXNewExpr>(S)) {
    Work = callWork(New->getOperatorNew(), Depth);
  } else if (const auto *Delete = dyn_cast<CXXDeleteExpr>(S)) {
    Work = callWork(Delete->getOperatorDelete(), Depth);
    if (const CXXRecordDecl *RD =
            Delete->getDestroyedType()->getAsCXXRecordDecl())
      if (RD->hasDefinition() && !RD->hasTrivialDestructor())
        Work = llvm::SaturatingAdd(Work, callWork(RD->getDestructor(), Depth));
  } else if (const auto *Bind = dyn_cast<CXXBindTemporaryExpr>(S)) {
    Work = callWork(Bind->getTemporary()->getDestructor(), Depth);
  } else if (const auto *Decl = dyn_cast<DeclStmt>(S)) {
    // Locals destroyed at the end of their scope, then their initializers.
    for (const clang::Decl *D : Decl->decls())
      if (const auto *V = dyn_cast<VarDecl>(D)) {
        if (const CXXRecordDecl *RD = V->getType()->getAsCXXRecordDecl();
            RD && RD->hasDefinition() && !RD->hasTrivialDestructor())
          Work =
              llvm::SaturatingAdd(Work, callWork(RD->getDestructor(), Depth));
        Work = llvm::SaturatingAdd(Work, workOf(V->getInit(), Depth));
      }
    return Work;
  }
  for (const Stmt *Child : S->children())
    Work = llvm::SaturatingAdd(Work, workOf(Child, Depth));
  return Work;
}

/// The estimated work of a call to \p Callee: the work of its body if
/// visible (memoized; eight levels of calls deep at most), or a guess: a
/// small function's worth. At most MaxCallWork: a larger function
/// is not inlined at -O2, and an instrumented function that is not inlined
/// polls at its entry unless it does little work before its first poll.
uint64_t PollPlacer::callWork(const FunctionDecl *Callee, unsigned Depth) {
  constexpr uint64_t UnknownCallWork = 16;
  constexpr uint64_t MaxCallWork = 256;
  constexpr unsigned MaxDepth = 8;
  if (!Callee)
    return UnknownCallWork;
  // A call that does not return ends the loop: its cost does not repeat.
  if (Callee->isNoReturn())
    return 0;
  if (Callee->getBuiltinID() || Callee->isTrivial())
    return 1;
  if (const IdentifierInfo *Name = Callee->getIdentifier();
      Name && Name->getName().starts_with("__safepoint_"))
    return 0;
  const FunctionDecl *Def = nullptr;
  const Stmt *Body = Callee->getBody(Def);
  if (!Body)
    if (const FunctionDecl *Pattern = Callee->getTemplateInstantiationPattern())
      Body = Pattern->getBody(Def);
  if (!Body || Depth >= MaxDepth)
    return UnknownCallWork;
  if (auto It = CallWork.find(Def); It != CallWork.end())
    return It->second;
  CallWork[Def] = UnknownCallWork; // A recursive call.
  // Inlined, or a call and a return around it: the body's work either way.
  uint64_t Work = std::max<uint64_t>(workOf(Body, Depth + 1), 1);
  if (const auto *Ctor = dyn_cast<CXXConstructorDecl>(Def))
    for (const CXXCtorInitializer *Init : Ctor->inits())
      Work = llvm::SaturatingAdd(Work, workOf(Init->getInit(), Depth + 1));
  Work = std::min(Work, MaxCallWork);
  CallWork[Def] = Work;
  return Work;
}

/// True if one iteration of \p Loop may call something that can throw: a
/// call to a function that is not noexcept (builtins and nothrow functions
/// excepted), a throw, a new-expression. Library code (libstdc++) must be
/// exception-safe at such a call already, as for a throwing comparator in
/// std::sort, so a poll in that loop finds it in a state it can unwind from.
bool PollPlacer::mayThrowPerIteration(Stmt *Loop) {
  // SAFEPOINT_ABLATE=library-nothrow measures what the rule costs or saves;
  // it restores the unsafe placement and is never set otherwise.
  if (!SemaRef || ablated("library-nothrow"))
    return true;
  return llvm::any_of(iterationParts(Loop), [&](const Stmt *Part) {
    return Part && SemaRef->canThrow(Part) != CT_Cannot;
  });
}

/// True if \p S only reads \p V: every reference to it is converted to an
/// rvalue at once. (Writes, increments, address-taking and binding to a
/// reference all use the lvalue otherwise.)
static bool onlyReads(const Stmt *S, const VarDecl *V, const Stmt *Parent) {
  if (const auto *Ref = dyn_cast<DeclRefExpr>(S); Ref && Ref->getDecl() == V) {
    const auto *Cast = dyn_cast_or_null<ImplicitCastExpr>(Parent);
    return Cast && Cast->getCastKind() == CK_LValueToRValue;
  }
  for (const Stmt *Child : S->children())
    if (Child && !onlyReads(Child, V, S))
      return false;
  return true;
}

static std::optional<llvm::APSInt> constantOf(const Expr *E,
                                              const ASTContext &Ctx) {
  Expr::EvalResult R;
  if (E->isValueDependent() || !E->EvaluateAsInt(R, Ctx))
    return std::nullopt;
  return R.Val.getInt();
}

/// The number of iterations of a counted `for` loop with constant bounds
/// (`for (int i = A; i < B; i += S)` with i only read in the body), or of a
/// range-for over an array of constant size.
std::optional<uint64_t> PollPlacer::constantTripCount(Stmt *Loop) {
  // `do { ... } while (0)`, as in every statement-like macro.
  if (auto *Do = dyn_cast<DoStmt>(Loop)) {
    bool Cond;
    if (!Do->getCond()->isValueDependent() &&
        Do->getCond()->EvaluateAsBooleanCondition(Cond, Ctx) && !Cond)
      return 1;
    return std::nullopt;
  }
  if (auto *Range = dyn_cast<CXXForRangeStmt>(Loop)) {
    QualType T = Range->getRangeInit()->getType().getNonReferenceType();
    if (const auto *A = Ctx.getAsConstantArrayType(T))
      return A->getSize().getZExtValue();
    return std::nullopt;
  }
  auto *For = dyn_cast<ForStmt>(Loop);
  if (!For || !For->getCond() || !For->getInc())
    return std::nullopt;
  const auto *Init = dyn_cast_or_null<DeclStmt>(For->getInit());
  if (!Init || !Init->isSingleDecl())
    return std::nullopt;
  const auto *V = dyn_cast<VarDecl>(Init->getSingleDecl());
  if (!V || !V->getType()->isIntegerType() || V->getType()->isBooleanType() ||
      V->getType()->isEnumeralType() || !V->getInit() ||
      V->getType().isVolatileQualified())
    return std::nullopt;
  std::optional<llvm::APSInt> Start = constantOf(V->getInit(), Ctx);

  // Condition: V <, <=, >, >=, != Constant.
  const auto *Cond =
      dyn_cast<BinaryOperator>(For->getCond()->IgnoreParenImpCasts());
  if (!Start || !Cond || !Cond->isComparisonOp() ||
      Cond->getOpcode() == BO_EQ || Cond->getOpcode() == BO_Cmp)
    return std::nullopt;
  const auto *CondVar =
      dyn_cast<DeclRefExpr>(Cond->getLHS()->IgnoreParenImpCasts());
  std::optional<llvm::APSInt> End = constantOf(Cond->getRHS(), Ctx);
  if (!CondVar || CondVar->getDecl() != V || !End)
    return std::nullopt;

  // Increment: ++V, V++, --V, V--, V += C, V -= C.
  int64_t Step = 0;
  const Expr *Inc = For->getInc()->IgnoreParenImpCasts();
  const Expr *IncVar = nullptr;
  if (const auto *U = dyn_cast<UnaryOperator>(Inc);
      U && U->isIncrementDecrementOp()) {
    Step = U->isIncrementOp() ? 1 : -1;
    IncVar = U->getSubExpr();
  } else if (const auto *B = dyn_cast<CompoundAssignOperator>(Inc);
             B && (B->getOpcode() == BO_AddAssign ||
                   B->getOpcode() == BO_SubAssign)) {
    std::optional<llvm::APSInt> C = constantOf(B->getRHS(), Ctx);
    if (!C || !C->isSignedIntN(32))
      return std::nullopt;
    Step = C->getExtValue() * (B->getOpcode() == BO_AddAssign ? 1 : -1);
    IncVar = B->getLHS();
  }
  const auto *IncRef = dyn_cast_or_null<DeclRefExpr>(
      IncVar ? IncVar->IgnoreParenImpCasts() : nullptr);
  if (Step == 0 || !IncRef || IncRef->getDecl() != V ||
      !onlyReads(For->getBody(), V, For) || !onlyReads(Cond, V, nullptr))
    return std::nullopt;

  // Iterations, computed in 128 bits; anything but a plain count is refused.
  __int128 S = Start->getExtValue(), E = End->getExtValue();
  if (Start->isUnsigned() ? Start->getActiveBits() > 63 : false)
    return std::nullopt;
  if (End->isUnsigned() && End->getActiveBits() > 63)
    return std::nullopt;
  __int128 Span;
  switch (Cond->getOpcode()) {
  case BO_LT:
    Span = Step > 0 ? E - S : -1;
    break;
  case BO_LE:
    Span = Step > 0 ? E - S + 1 : -1;
    break;
  case BO_GT:
    Span = Step < 0 ? S - E : -1;
    break;
  case BO_GE:
    Span = Step < 0 ? S - E + 1 : -1;
    break;
  case BO_NE:
    // Only exact steps: otherwise the loop may wrap around forever.
    Span = (E - S) % Step == 0 && (E - S) / Step >= 0
               ? (E - S) / Step * (Step < 0 ? -Step : Step)
               : -1;
    break;
  default:
    return std::nullopt;
  }
  if (Span < 0)
    return std::nullopt;
  __int128 AbsStep = Step < 0 ? -Step : Step;
  // Every value the counter takes, up to one step past the bound, must fit
  // its type: otherwise it wraps and the loop may never end.
  unsigned Width = Ctx.getIntWidth(V->getType());
  bool Signed = V->getType()->isSignedIntegerType();
  if (Width > 64)
    return std::nullopt;
  __int128 Max =
      Signed ? ((__int128)1 << (Width - 1)) - 1 : ((__int128)1 << Width) - 1;
  __int128 Min = Signed ? -((__int128)1 << (Width - 1)) : 0;
  if (S < Min || S > Max || E - AbsStep < Min || E + AbsStep > Max)
    return std::nullopt;
  __int128 Trips = (Span + AbsStep - 1) / AbsStep;
  if (Trips > (__int128)UINT32_MAX)
    return std::nullopt;
  return static_cast<uint64_t>(Trips);
}

/// True if \p S makes a call the optimizer cannot see through: a virtual
/// call, a call through a pointer, a call of a function defined in no
/// visible body, or one of a function that is never inlined (`noinline`,
/// `optnone`: a call per iteration, at least a few ns each, 1024 of them
/// took 10 µs in bench/micro/calls_noinline.cpp). Such a call costs an
/// unknown amount, so a strip-mined loop making one takes smaller chunks
/// (StripMineCallChunk).
static bool makesOpaqueCall(const Stmt *S) {
  if (const auto *Call = dyn_cast<CallExpr>(S)) {
    const FunctionDecl *Callee = Call->getDirectCallee();
    if (!Callee)
      return true;
    // Safepoint's own markers (nested loops' polls) are not calls.
    if (const IdentifierInfo *Name = Callee->getIdentifier();
        Name && Name->getName().starts_with("__safepoint_"))
      return false;
    if (const auto *MC = dyn_cast<CXXMemberCallExpr>(Call))
      if (const CXXMethodDecl *M = MC->getMethodDecl();
          M && M->isVirtual() && !M->hasAttr<FinalAttr>() &&
          !M->getParent()->hasAttr<FinalAttr>())
        return true;
    // Defined here, or to be: inline functions and template members are
    // instantiated at the end of the translation unit. A call that does not
    // return (a failed assertion, a throw helper) ends the loop: its cost
    // does not repeat.
    if ((Callee->hasAttr<NoInlineAttr>() ||
         Callee->hasAttr<OptimizeNoneAttr>()) &&
        !Callee->isNoReturn())
      return true;
    const FunctionDecl *Pattern = Callee->getTemplateInstantiationPattern();
    if (!Callee->isDefined() && !Callee->isInlined() &&
        !(Pattern && Pattern->isDefined()) && !Callee->getBuiltinID() &&
        !Callee->isNoReturn())
      return true;
  }
  for (const Stmt *Child : S->children())
    if (Child && makesOpaqueCall(Child))
      return true;
  return false;
}

/// True if the iterations of a loop with body \p Body cost an unknown amount
/// (opaque calls), so that only StripMineCallChunk of them count as bounded.
static bool costsUnknown(const Stmt *Body) {
  return !ablated("chunk-calls") && makesOpaqueCall(Body);
}

/// The iterations per chunk of strip-mined \p Loop: as many as fit
/// PollFreeWork (a power of two), at most StripMineChunk, or
/// StripMineCallChunk if its body makes opaque calls.
uint64_t PollPlacer::chunkFor(const Stmt *Loop) {
  const Stmt *Body = iterationParts(Loop).back();
  uint64_t Chunk = costsUnknown(Body) ? StripMineCallChunk : StripMineChunk;
  if (ablated("work-budget"))
    return Chunk;
  return chunkWithinBudget(iterationWork(Loop), Chunk);
}

/// True if \p S has a `break` that would leave the enclosing loop, or any
/// label (a jump into the body).
static bool breaksOrHasLabel(const Stmt *S, bool InNestedBreakable) {
  if (isa<LabelStmt>(S))
    return true;
  if (isa<BreakStmt>(S))
    return !InNestedBreakable;
  if (isa<LambdaExpr, BlockExpr>(S))
    return false;
  bool Nested = InNestedBreakable ||
                isa<ForStmt, WhileStmt, DoStmt, CXXForRangeStmt, SwitchStmt>(S);
  for (const Stmt *Child : S->children())
    if (Child && breaksOrHasLabel(Child, Nested))
      return true;
  return false;
}

static DeclRefExpr *refTo(ASTContext &Ctx, VarDecl *V, SourceLocation Loc) {
  return DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(), SourceLocation(), V,
                             false, Loc, V->getType().getNonReferenceType(),
                             VK_LValue);
}

static Expr *rvalue(ASTContext &Ctx, VarDecl *V, QualType T,
                    SourceLocation Loc) {
  return ImplicitCastExpr::Create(Ctx, T, CK_LValueToRValue, refTo(Ctx, V, Loc),
                                  nullptr, VK_PRValue, FPOptionsOverride());
}

/// An implicit local variable \p Name of type \p T in \p DC, initialized
/// with \p Init (the counters of strip-mined loops).
static VarDecl *implicitLocal(ASTContext &Ctx, DeclContext *DC,
                              llvm::StringRef Name, QualType T, Expr *Init,
                              SourceLocation Loc) {
  auto *V = VarDecl::Create(Ctx, DC, Loc, Loc, &Ctx.Idents.get(Name), T,
                            Ctx.getTrivialTypeSourceInfo(T, Loc), SC_None);
  V->setInit(Init);
  V->setImplicit();
  return V;
}

static Expr *binary(ASTContext &Ctx, Expr *L, Expr *R, BinaryOperatorKind Op,
                    QualType T, SourceLocation Loc) {
  return BinaryOperator::Create(Ctx, L, R, Op, T, VK_PRValue, OK_Ordinary, Loc,
                                FPOptionsOverride());
}

/// Rewrites `for (T i = A; i < n; ++i) Body` (i and n of the same integer
/// type, n a local or parameter that is never written, or a constant; i only
/// read in Body, no break out of Body) into
///
///   for (T i = A; i < n;) {
///     poll();
///     UT __chunk = min((UT)n - (UT)i, Chunk);
///     for (UT __k = 0; __k < __chunk; ++__k, ++i) Body
///   }
///
/// which polls once per chunk and leaves the inner loop without a poll.
bool PollPlacer::stripMine(ForStmt *For) {
  if (HintedLoops.contains(For) || !For->getCond() || !For->getInc() ||
      For->getConditionVariable() || ablated("strip-mine"))
    return false;
  auto *Init = dyn_cast_or_null<DeclStmt>(For->getInit());
  if (!Init || !Init->isSingleDecl())
    return false;
  auto *I = dyn_cast<VarDecl>(Init->getSingleDecl());
  if (!I || I->getType().isVolatileQualified())
    return false;
  QualType T = I->getType().getCanonicalType().getUnqualifiedType();
  if (!T->isIntegerType() || T->isBooleanType() || T->isEnumeralType() ||
      Ctx.isPromotableIntegerType(T) || T->isCharType() ||
      Ctx.getIntWidth(T) > 64)
    return false;

  auto *Cond = dyn_cast<BinaryOperator>(For->getCond()->IgnoreParens());
  if (!Cond || Cond->getOpcode() != BO_LT)
    return false;
  auto *LHS = dyn_cast<DeclRefExpr>(Cond->getLHS()->IgnoreParenImpCasts());
  if (!LHS || LHS->getDecl() != I)
    return false;
  // The bound: a local or parameter of type T, or a constant (compared in T).
  auto *RHS = dyn_cast<DeclRefExpr>(Cond->getRHS()->IgnoreParenImpCasts());
  auto *N = RHS ? dyn_cast<VarDecl>(RHS->getDecl()) : nullptr;
  std::optional<llvm::APSInt> Bound;
  if (N && (N == I || N->getType().isVolatileQualified() ||
            N->getType()->isReferenceType() || N->getDeclContext() != Current ||
            N->getType().getCanonicalType().getUnqualifiedType() != T))
    return false;
  if (!N) {
    if (ablated("strip-mine-const") ||
        Cond->getLHS()->getType().getCanonicalType().getUnqualifiedType() != T)
      return false;
    Bound = constantOf(Cond->getRHS(), Ctx);
    if (!Bound)
      return false;
  }

  const auto *Inc = dyn_cast<UnaryOperator>(For->getInc()->IgnoreParens());
  const auto *IncRef =
      Inc && Inc->isIncrementOp()
          ? dyn_cast<DeclRefExpr>(Inc->getSubExpr()->IgnoreParens())
          : nullptr;
  if (!IncRef || IncRef->getDecl() != I)
    return false;

  // n is never written nor aliased in the whole function, i only read in the
  // body, and the body cannot leave the inner loop for the outer one.
  if ((N && !onlyReads(Current->getBody(), N, nullptr)) ||
      !onlyReads(For->getBody(), I, For) ||
      breaksOrHasLabel(For->getBody(), /*InNestedBreakable=*/false))
    return false;

  SourceLocation Loc = For->getBeginLoc();
  QualType UT = Ctx.getCorrespondingUnsignedType(T);
  auto ToUnsigned = [&](Expr *E) -> Expr * {
    return ImplicitCastExpr::Create(Ctx, UT, CK_IntegralCast, E, nullptr,
                                    VK_PRValue, FPOptionsOverride());
  };
  uint64_t Chunk = chunkFor(For);
  if (Chunk < MinStripMineChunk)
    return false;
  auto Literal = [&](QualType Ty) -> Expr * {
    return IntegerLiteral::Create(Ctx, llvm::APInt(Ctx.getIntWidth(Ty), Chunk),
                                  Ty, Loc);
  };
  // __count = min((UT)n - (UT)i, Chunk): the unsigned difference is exact
  // because i < n, and counting a separate unsigned __k up to it lets SCEV
  // bound the inner loop by Chunk.
  auto End = [&]() -> Expr * {
    if (N)
      return rvalue(Ctx, N, T, Loc);
    return IntegerLiteral::Create(Ctx, Bound->extOrTrunc(Ctx.getIntWidth(T)),
                                  UT, Loc);
  };
  auto Remaining = [&] {
    Expr *E = End();
    return binary(Ctx, N ? ToUnsigned(E) : E,
                  ToUnsigned(rvalue(Ctx, I, T, Loc)), BO_Sub, UT, Loc);
  };
  Expr *Long = binary(Ctx, Remaining(), Literal(UT), BO_GT, Ctx.BoolTy, Loc);
  Expr *CountInit = new (Ctx) ConditionalOperator(
      Long, Loc, Literal(UT), Loc, Remaining(), UT, VK_PRValue, OK_Ordinary);
  auto Local = [&](llvm::StringRef Name, Expr *Init) {
    return implicitLocal(Ctx, Current, Name, UT, Init, Loc);
  };
  VarDecl *Count = Local("__safepoint_chunk", CountInit);
  VarDecl *K = Local("__safepoint_k",
                     IntegerLiteral::Create(
                         Ctx, llvm::APInt(Ctx.getIntWidth(UT), 0), UT, Loc));
  auto *CountDecl = new (Ctx) DeclStmt(DeclGroupRef(Count), Loc, Loc);
  auto *KDecl = new (Ctx) DeclStmt(DeclGroupRef(K), Loc, Loc);

  // for (UT __k = 0; __k < __count; ++__k, <original increment>) Body
  Expr *InnerCond = binary(Ctx, rvalue(Ctx, K, UT, Loc),
                           rvalue(Ctx, Count, UT, Loc), BO_LT, Ctx.BoolTy, Loc);
  Expr *IncK =
      UnaryOperator::Create(Ctx, refTo(Ctx, K, Loc), UO_PreInc, UT, VK_LValue,
                            OK_Ordinary, Loc, false, FPOptionsOverride());
  Expr *InnerInc =
      binary(Ctx, IncK, For->getInc(), BO_Comma, For->getInc()->getType(), Loc);
  cast<BinaryOperator>(InnerInc)->setValueKind(For->getInc()->getValueKind());
  auto *Inner = new (Ctx)
      ForStmt(Ctx, KDecl, InnerCond, nullptr, InnerInc, For->getBody(),
              For->getForLoc(), For->getLParenLoc(), For->getRParenLoc());
  For->setInc(nullptr);
  For->setBody(CompoundStmt::Create(
      Ctx, {markerCall(SAFEPOINT_SITE_CHUNK, Loc), CountDecl, Inner},
      FPOptionsOverride(), Loc, Loc));
  return true;
}

/// True if codegen may emit \p E twice or more (no temporaries, no opaque
/// values, nothing it keys per expression).
static bool hasTemporaries(const Stmt *S) {
  if (isa<ExprWithCleanups, MaterializeTemporaryExpr, CXXBindTemporaryExpr,
          OpaqueValueExpr, LambdaExpr, BlockExpr, StmtExpr>(S))
    return true;
  for (const Stmt *Child : S->children())
    if (Child && hasTemporaries(Child))
      return true;
  return false;
}

/// True if \p T is a random-access iterator: a pointer, or a class whose
/// iterator_category is (derived from) std::random_access_iterator_tag. For
/// those, `end - begin` is the number of increments from begin to end.
static bool isRandomAccessIterator(QualType T) {
  T = T.getCanonicalType().getUnqualifiedType();
  if (const auto *P = T->getAs<PointerType>())
    return P->getPointeeType()->isObjectType();
  const auto *RD = T->getAsCXXRecordDecl();
  if (!RD || !RD->hasDefinition())
    return false;
  std::function<bool(const CXXRecordDecl *)> IsTag =
      [&](const CXXRecordDecl *Tag) {
        if (!Tag || !Tag->hasDefinition())
          return false;
        if (Tag->getName() == "random_access_iterator_tag" &&
            Tag->isInStdNamespace())
          return true;
        for (const CXXBaseSpecifier &Base : Tag->bases())
          if (IsTag(Base.getType()->getAsCXXRecordDecl()))
            return true;
        return false;
      };
  std::function<bool(const CXXRecordDecl *)> Category =
      [&](const CXXRecordDecl *Iter) {
        if (!Iter || !Iter->hasDefinition())
          return false;
        ASTContext &Ctx = Iter->getASTContext();
        for (NamedDecl *ND : Iter->lookup(&Ctx.Idents.get("iterator_category")))
          if (auto *TD = dyn_cast<TypedefNameDecl>(ND))
            return IsTag(TD->getUnderlyingType()->getAsCXXRecordDecl());
        for (const CXXBaseSpecifier &Base : Iter->bases())
          if (Category(Base.getType()->getAsCXXRecordDecl()))
            return true;
        return false;
      };
  return Category(RD);
}

/// `__end - __begin` of a range-for over a random-access range (begin and
/// end of one random-access iterator type, the difference a prvalue of an
/// integer type, checked by Sema), or null.
Expr *PollPlacer::rangeDistance(CXXForRangeStmt *Range) {
  if (!SemaRef)
    return nullptr;
  auto *BeginVar =
      dyn_cast_or_null<VarDecl>(Range->getBeginStmt()->isSingleDecl()
                                    ? Range->getBeginStmt()->getSingleDecl()
                                    : nullptr);
  auto *EndVar = dyn_cast_or_null<VarDecl>(
      Range->getEndStmt()->isSingleDecl() ? Range->getEndStmt()->getSingleDecl()
                                          : nullptr);
  if (!BeginVar || !EndVar)
    return nullptr;
  QualType IterT = BeginVar->getType().getCanonicalType().getUnqualifiedType();
  if (IterT != EndVar->getType().getCanonicalType().getUnqualifiedType() ||
      IterT->isReferenceType() || !isRandomAccessIterator(IterT))
    return nullptr;

  SourceLocation Loc = Range->getBeginLoc();
  Sema::SFINAETrap Trap(*SemaRef, /*AccessCheckingSFINAE=*/true);
  ExprResult Diff = SemaRef->BuildBinOp(
      /*S=*/nullptr, Loc, BO_Sub, refTo(Ctx, EndVar, Loc),
      refTo(Ctx, BeginVar, Loc));
  if (Trap.hasErrorOccurred() || Diff.isInvalid() || !Diff.get())
    return nullptr;
  Expr *E = Diff.get();
  QualType T = E->getType().getCanonicalType();
  if (!E->isPRValue() || !T->isIntegerType() || T->isBooleanType() ||
      T->isEnumeralType() || Ctx.getIntWidth(T) > 64 || hasTemporaries(E))
    return nullptr;
  // After the last template instantiation, a call needing a new one would be
  // left without a definition.
  if (auto *Call = dyn_cast<CallExpr>(E->IgnoreParenImpCasts())) {
    const FunctionDecl *Callee = Call->getDirectCallee();
    if (!Callee || (EndOfTU && !Callee->isDefined()))
      return nullptr;
  }
  return E;
}

/// Rewrites `for (init; decl : range) Body` (no break out of Body, no label
/// in it, a condition without temporaries). Over a random-access range
/// (pointers, std::vector, std::array, std::string, std::span iterators),
/// the count is known up front:
///
///   { init; auto &&__range = range; auto __begin = ..., __end = ...;
///     UT __n = (UT)(__end - __begin);
///     while (__n != 0) {
///       poll();
///       UT __chunk = __n > Chunk ? Chunk : __n;
///       __n = __n - __chunk;
///       for (UT __k = 0; __k < __chunk; ++__k, ++__begin) {
///         decl = *__begin;
///         Body
///       }
///     } }
///
/// whose inner loop is counted and vectorizes. A range-for evaluates end
/// once and the body cannot name __begin, so this runs exactly the
/// iterations of the original. Over other ranges:
///
///   { init; auto &&__range = range; auto __begin = ..., __end = ...;
///     for (;;) {
///       poll();
///       unsigned __k = 0;
///       for (; __k < Chunk && __begin != __end; ++__k, ++__begin) {
///         decl = *__begin;
///         Body
///       }
///       if (__k < Chunk)
///         break;
///     } }
///
/// Both poll once per chunk and leave the inner loop without a poll.
/// Returns the new statement, or null if \p Range is left alone.
Stmt *PollPlacer::stripMineRange(CXXForRangeStmt *Range) {
  if (ablated("strip-mine-range") || HintedLoops.contains(Range) ||
      !Range->getRangeStmt() || !Range->getBeginStmt() ||
      !Range->getEndStmt() || !Range->getCond() || !Range->getInc() ||
      !Range->getLoopVarStmt() || hasTemporaries(Range->getCond()) ||
      hasTemporaries(Range->getInc()) ||
      breaksOrHasLabel(Range->getBody(), /*InNestedBreakable=*/false))
    return nullptr;

  SourceLocation Loc = Range->getBeginLoc();
  uint64_t Chunk = chunkFor(Range);
  if (Chunk < MinStripMineChunk)
    return nullptr;
  Expr *Distance = ablated("range-count") ? nullptr : rangeDistance(Range);
  QualType UT = Distance ? Ctx.getCorrespondingUnsignedType(
                               Distance->getType().getCanonicalType())
                         : Ctx.UnsignedIntTy;
  auto Literal = [&](uint64_t V) -> Expr * {
    return IntegerLiteral::Create(Ctx, llvm::APInt(Ctx.getIntWidth(UT), V), UT,
                                  Loc);
  };
  auto Local = [&](llvm::StringRef Name, Expr *Init) {
    return implicitLocal(Ctx, Current, Name, UT, Init, Loc);
  };
  auto Declare = [&](VarDecl *V) -> Stmt * {
    return new (Ctx) DeclStmt(DeclGroupRef(V), Loc, Loc);
  };
  VarDecl *K = Local("__safepoint_k", Literal(0));
  Expr *IncK =
      UnaryOperator::Create(Ctx, refTo(Ctx, K, Loc), UO_PreInc, UT, VK_LValue,
                            OK_Ordinary, Loc, false, FPOptionsOverride());
  Expr *InnerInc = binary(Ctx, IncK, Range->getInc(), BO_Comma,
                          Range->getInc()->getType(), Loc);
  cast<BinaryOperator>(InnerInc)->setValueKind(Range->getInc()->getValueKind());
  Stmt *InnerBody =
      CompoundStmt::Create(Ctx, {Range->getLoopVarStmt(), Range->getBody()},
                           FPOptionsOverride(), Loc, Loc);
  auto Value = [&](VarDecl *V) { return rvalue(Ctx, V, UT, Loc); };

  llvm::SmallVector<Stmt *, 6> Stmts;
  if (Range->getInit())
    Stmts.push_back(Range->getInit());
  Stmts.append(
      {Range->getRangeStmt(), Range->getBeginStmt(), Range->getEndStmt()});

  if (Distance) {
    // UT __n = (UT)(__end - __begin);
    VarDecl *N = Local("__safepoint_n",
                       ImplicitCastExpr::Create(Ctx, UT, CK_IntegralCast,
                                                Distance, nullptr, VK_PRValue,
                                                FPOptionsOverride()));
    // UT __chunk = __n > Chunk ? Chunk : __n;  __n = __n - __chunk;
    Expr *Long = binary(Ctx, Value(N), Literal(Chunk), BO_GT, Ctx.BoolTy, Loc);
    VarDecl *Count = Local(
        "__safepoint_chunk",
        new (Ctx) ConditionalOperator(Long, Loc, Literal(Chunk), Loc, Value(N),
                                      UT, VK_PRValue, OK_Ordinary));
    Expr *Take = binary(Ctx, refTo(Ctx, N, Loc),
                        binary(Ctx, Value(N), Value(Count), BO_Sub, UT, Loc),
                        BO_Assign, UT, Loc);
    cast<BinaryOperator>(Take)->setValueKind(VK_LValue);
    // for (UT __k = 0; __k < __chunk; ++__k, ++__begin) { decl; Body }
    Expr *InnerCond =
        binary(Ctx, Value(K), Value(Count), BO_LT, Ctx.BoolTy, Loc);
    auto *Inner = new (Ctx) ForStmt(
        Ctx, Declare(K), InnerCond, nullptr, InnerInc, InnerBody,
        Range->getForLoc(), Range->getBeginLoc(), Range->getRParenLoc());
    Stmt *OuterBody = CompoundStmt::Create(
        Ctx,
        {markerCall(SAFEPOINT_SITE_CHUNK, Loc), Declare(Count), Take, Inner},
        FPOptionsOverride(), Loc, Loc);
    Expr *More = binary(Ctx, Value(N), Literal(0), BO_NE, Ctx.BoolTy, Loc);
    Stmts.push_back(Declare(N));
    Stmts.push_back(WhileStmt::Create(Ctx, nullptr, More, OuterBody,
                                      Range->getForLoc(), Loc, Loc));
    return CompoundStmt::Create(Ctx, Stmts, FPOptionsOverride(), Loc,
                                Range->getEndLoc());
  }

  auto KLess = [&] {
    return binary(Ctx, Value(K), Literal(Chunk), BO_LT, Ctx.BoolTy, Loc);
  };
  // for (; __k < Chunk && cond; ++__k, ++__begin) { decl; Body }
  Expr *Cond = Range->getCond();
  if (Cond->getType() != Ctx.BoolTy)
    Cond = ImplicitCastExpr::Create(Ctx, Ctx.BoolTy, CK_IntegralToBoolean, Cond,
                                    nullptr, VK_PRValue, FPOptionsOverride());
  Expr *InnerCond = binary(Ctx, KLess(), Cond, BO_LAnd, Ctx.BoolTy, Loc);
  auto *Inner = new (Ctx)
      ForStmt(Ctx, nullptr, InnerCond, nullptr, InnerInc, InnerBody,
              Range->getForLoc(), Range->getBeginLoc(), Range->getRParenLoc());

  // if (__k < Chunk) break;
  Stmt *Done =
      IfStmt::Create(Ctx, Loc, IfStatementKind::Ordinary, nullptr, nullptr,
                     KLess(), Loc, Loc, new (Ctx) BreakStmt(Loc));
  Stmt *OuterBody = CompoundStmt::Create(
      Ctx, {markerCall(SAFEPOINT_SITE_CHUNK, Loc), Declare(K), Inner, Done},
      FPOptionsOverride(), Loc, Loc);
  Stmts.push_back(new (Ctx) ForStmt(Ctx, nullptr, nullptr, nullptr, nullptr,
                                    OuterBody, Range->getForLoc(), Loc, Loc));
  return CompoundStmt::Create(Ctx, Stmts, FPOptionsOverride(), Loc,
                              Range->getEndLoc());
}

Stmt *PollPlacer::prepend(Stmt *Body, Stmt *First) {
  if (auto *Try = dyn_cast<CXXTryStmt>(Body)) {
    // Function-try-block: poll inside the try block, keep the handlers.
    Stmt *&TryBlock = *Try->child_begin();
    TryBlock = prepend(TryBlock, First);
    return Try;
  }
  llvm::SmallVector<Stmt *, 16> Stmts{First};
  if (auto *CS = dyn_cast<CompoundStmt>(Body)) {
    Stmts.append(CS->body_begin(), CS->body_end());
    return CompoundStmt::Create(Ctx, Stmts,
                                CS->hasStoredFPFeatures()
                                    ? CS->getStoredFPFeatures()
                                    : FPOptionsOverride(),
                                CS->getLBracLoc(), CS->getRBracLoc());
  }
  Stmts.push_back(Body);
  return CompoundStmt::Create(Ctx, Stmts, FPOptionsOverride(),
                              Body->getBeginLoc(), Body->getEndLoc());
}

FunctionDecl *PollPlacer::runtimeDecl(llvm::StringRef Name, bool Noexcept,
                                      bool TakesKind) {
  IdentifierInfo &II = Ctx.Idents.get(Name);
  TranslationUnitDecl *TU = Ctx.getTranslationUnitDecl();
  for (NamedDecl *ND : TU->lookup(&II))
    if (auto *FD = dyn_cast<FunctionDecl>(ND))
      return FD; // Declared by <safepoint/abi.h>.

  FunctionProtoType::ExtProtoInfo EPI;
  if (Noexcept)
    EPI.ExceptionSpec.Type = EST_BasicNoexcept;
  llvm::SmallVector<QualType, 1> Params;
  if (TakesKind)
    Params.push_back(Ctx.UnsignedIntTy);
  QualType FnTy = Ctx.getFunctionType(Ctx.VoidTy, Params, EPI);

  auto *Linkage =
      LinkageSpecDecl::Create(Ctx, TU, SourceLocation(), SourceLocation(),
                              LinkageSpecLanguageIDs::C, /*HasBraces=*/false);
  Linkage->setImplicit();
  TU->addDecl(Linkage);
  FunctionDecl *FD =
      FunctionDecl::Create(Ctx, Linkage, SourceLocation(), SourceLocation(),
                           DeclarationName(&II), FnTy, nullptr, SC_Extern);
  if (TakesKind) {
    ParmVarDecl *Kind = ParmVarDecl::Create(
        Ctx, FD, SourceLocation(), SourceLocation(), nullptr, Ctx.UnsignedIntTy,
        nullptr, SC_None, nullptr);
    FD->setParams({Kind});
  }
  FD->setImplicit();
  Linkage->addDecl(FD);
  return FD;
}

static CallExpr *makeCall(ASTContext &Ctx, FunctionDecl *Callee,
                          llvm::ArrayRef<Expr *> Args, SourceLocation Loc) {
  auto *Ref =
      DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(), SourceLocation(),
                          Callee, false, Loc, Callee->getType(), VK_LValue);
  auto *Fn = ImplicitCastExpr::Create(
      Ctx, Ctx.getPointerType(Callee->getType()), CK_FunctionToPointerDecay,
      Ref, nullptr, VK_PRValue, FPOptionsOverride());
  return CallExpr::Create(Ctx, Fn, Args, Ctx.VoidTy, VK_PRValue, Loc,
                          FPOptionsOverride());
}

Stmt *PollPlacer::outsideConstantEvaluation(Stmt *Call, SourceLocation Loc) {
  if (!Current->isConstexpr())
    return Call;
  // `if !consteval { marker(); }`: constant evaluation never sees the call.
  Stmt *Then = CompoundStmt::Create(Ctx, {Call}, FPOptionsOverride(), Loc, Loc);
  return IfStmt::Create(Ctx, Loc, IfStatementKind::ConstevalNegated,
                        /*Init=*/nullptr, /*Var=*/nullptr, /*Cond=*/nullptr,
                        Loc, Loc, Then);
}

Stmt *PollPlacer::markerCall(unsigned Kind, SourceLocation Loc) {
  if (!PollMarker)
    PollMarker = runtimeDecl(abi::PollMarker, /*Noexcept=*/false,
                             /*TakesKind=*/true);
  Expr *KindArg = IntegerLiteral::Create(
      Ctx, llvm::APInt(Ctx.getIntWidth(Ctx.UnsignedIntTy), Kind),
      Ctx.UnsignedIntTy, Loc);
  return outsideConstantEvaluation(makeCall(Ctx, PollMarker, {KindArg}, Loc),
                                   Loc);
}

Stmt *PollPlacer::maskMarkerCall(SourceLocation Loc) {
  if (!MaskMarker)
    MaskMarker = runtimeDecl(abi::MaskMarker, /*Noexcept=*/true,
                             /*TakesKind=*/false);
  return outsideConstantEvaluation(makeCall(Ctx, MaskMarker, {}, Loc), Loc);
}

void PollPlacer::remarkMissed(SourceLocation Loc, llvm::StringRef Message,
                              bool InSystemHeaders) {
  // Like warnings, remarks about system headers would only be noise, except
  // for library loops that cannot be interrupted (the latency bound).
  if (!RemarkMissed ||
      (!InSystemHeaders && Ctx.getSourceManager().isInSystemHeader(Loc)))
    return;
  DiagnosticsEngine &Diags = Ctx.getDiagnostics();
  unsigned ID = Diags.getCustomDiagID(DiagnosticsEngine::Remark,
                                      "%0 [-Rpass-missed=safepoint]");
  Diags.Report(Loc, ID) << Message;
}

} // namespace safepoint
