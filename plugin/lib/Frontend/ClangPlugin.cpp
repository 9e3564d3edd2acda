//===- ClangPlugin.cpp - Entry point of the Clang plugin ------------------===//
//
// `clang++ -fplugin=SafepointPlugin-N.so` alone enables everything: the
// [[no_interrupts]] attribute, poll placement in the AST (run before code
// generation), and the LLVM pass that lowers the markers, registered through
// CodeGenOptions::PassBuilderCallbacks.
//
//===----------------------------------------------------------------------===//

#include "PollPlacement.h"
#include "safepoint/RuntimeABI.h"
#include "safepoint/SafepointPass.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendPluginRegistry.h"
#include "clang/Sema/SemaConsumer.h"

using namespace clang;

namespace safepoint {
namespace {

class SafepointConsumer : public SemaConsumer {
public:
  explicit SafepointConsumer(CompilerInstance &CI) : CI(CI) {}

  void Initialize(ASTContext &Ctx) override {
    const LangOptions &LO = Ctx.getLangOpts();
    Enabled = LO.CPlusPlus && LO.CXXExceptions;
    Placer = std::make_unique<PollPlacer>(CI, Ctx);
    if (!Enabled &&
        CI.getCodeGenOpts().OptimizationRemarkMissed.patternMatches(
            abi::RemarkName)) {
      DiagnosticsEngine &Diags = Ctx.getDiagnostics();
      unsigned ID = Diags.getCustomDiagID(
          DiagnosticsEngine::Remark,
          "translation unit not instrumented: %select{it is not C++|it is "
          "compiled without C++ exceptions}0 [-Rpass-missed=safepoint]");
      Diags.Report(ID) << (LO.CPlusPlus ? 1 : 0);
    }
  }

  // Codegen emits non-inline functions as each top-level declaration
  // arrives, so instrument them first; everything deferred (inline functions,
  // template instantiations) is covered again at the end of the TU.
  bool HandleTopLevelDecl(DeclGroupRef DG) override {
    if (Enabled)
      for (Decl *D : DG)
        Placer->instrumentDecl(D);
    return true;
  }

  void HandleInlineFunctionDefinition(FunctionDecl *FD) override {
    if (Enabled)
      Placer->instrumentDecl(FD);
  }

  void HandleCXXImplicitFunctionInstantiation(FunctionDecl *FD) override {
    if (Enabled)
      Placer->instrumentDecl(FD);
  }

  void HandleTranslationUnit(ASTContext &Ctx) override {
    if (Enabled)
      Placer->instrumentDecl(Ctx.getTranslationUnitDecl());
  }

private:
  CompilerInstance &CI;
  std::unique_ptr<PollPlacer> Placer;
  bool Enabled = false;
};

class SafepointAction : public PluginASTAction {
protected:
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI,
                                                 llvm::StringRef) override {
    CI.getCodeGenOpts().PassBuilderCallbacks.push_back(
        [P = Where](llvm::PassBuilder &PB) {
          registerPasses(PB, /*FrontendMarked=*/true, P);
        });
    return std::make_unique<SafepointConsumer>(CI);
  }

  // -fplugin-arg-safepoint-placement=naive|default
  bool ParseArgs(const CompilerInstance &CI,
                 const std::vector<std::string> &Args) override {
    DiagnosticsEngine &Diags = CI.getDiagnostics();
    for (llvm::StringRef Arg : Args) {
      if (llvm::StringRef Value = Arg; Value.consume_front("placement="))
        if (std::optional<safepoint::Placement> P = parsePlacement(Value)) {
          Where = *P;
          continue;
        }
      unsigned ID = Diags.getCustomDiagID(
          DiagnosticsEngine::Error,
          "safepoint: unknown plugin argument '%0' (expected "
          "placement=naive or placement=default)");
      Diags.Report(ID) << Arg;
      return false;
    }
    return true;
  }

  // Run before code generation, automatically when loaded with -fplugin.
  ActionType getActionType() override { return AddBeforeMainAction; }

private:
  safepoint::Placement Where = safepoint::Placement::Default;
};

} // namespace
} // namespace safepoint

static FrontendPluginRegistry::Add<safepoint::SafepointAction>
    X("safepoint", "interruptible threads: place polls at safepoints");
