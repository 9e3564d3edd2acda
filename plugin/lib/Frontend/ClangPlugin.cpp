//===- ClangPlugin.cpp - Entry point of the Clang plugin ------------------===//
//
// `clang++ -fplugin=SafepointPlugin-N.so` alone enables everything: the
// [[no_interrupts]] attribute, poll placement in the AST (run before code
// generation), and the LLVM pass that lowers the markers, registered through
// CodeGenOptions::PassBuilderCallbacks.
//
// Translation units compiled with -fno-exceptions are instrumented too: the
// source keeps its no-exceptions meaning (the preprocessor already defined
// its macros without __EXCEPTIONS/__cpp_exceptions, and Sema still rejects
// `try` and `throw`), but code generation runs as with -fexceptions, so each
// function gets unwind tables and the cleanups (destructor calls) an
// interrupt needs to cross it. Two consumers bracket Clang's code generator
// in the multiplexer: the one before it turns exceptions on for each
// callback, the one after it turns them off again before parsing resumes.
// docs/retrofitting.md discusses what this does and does not make safe.
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

/// Exception code generation for a -fno-exceptions TU. Each cc1 process
/// compiles one TU, so one instance per process suffices.
struct CodegenExceptions {
  LangOptions *LO = nullptr; ///< set when the TU needs the switch
  void on() {
    if (LO) {
      LO->Exceptions = LO->CXXExceptions = true;
    }
  }
  void off() {
    if (LO) {
      LO->Exceptions = LO->CXXExceptions = false;
    }
  }
};
CodegenExceptions EHSwitch;

/// The option `-fplugin-arg-safepoint-skip-no-exceptions` restores the old
/// behaviour: -fno-exceptions TUs are left uninstrumented.
bool SkipNoExceptionsTUs = false;

class SafepointConsumer : public SemaConsumer {
public:
  SafepointConsumer(CompilerInstance &CI, Placement Where)
      : CI(CI), Where(Where) {}

  void Initialize(ASTContext &Ctx) override {
    LangOptions &LO = CI.getLangOpts();
    bool NoExceptions = LO.CPlusPlus && !LO.CXXExceptions && !LO.Exceptions &&
                        !LO.ObjC && !LO.CUDA && !LO.OpenMPIsTargetDevice;
    Enabled = LO.CPlusPlus &&
              (LO.CXXExceptions || (NoExceptions && !SkipNoExceptionsTUs));
    Placer = std::make_unique<PollPlacer>(CI, Ctx);
    Placer->setPlacement(Where);
    Placer->setSema(SemaRef);
    DiagnosticsEngine &Diags = Ctx.getDiagnostics();
    const CodeGenOptions &CGO = CI.getCodeGenOpts();
    if (!Enabled &&
        CGO.OptimizationRemarkMissed.patternMatches(abi::RemarkName)) {
      unsigned ID = Diags.getCustomDiagID(
          DiagnosticsEngine::Remark,
          "translation unit not instrumented: %select{it is not C++|it is "
          "compiled without C++ exceptions and "
          "-fplugin-arg-safepoint-skip-no-exceptions was given|C++ exceptions "
          "are only partly enabled}0 [-Rpass-missed=safepoint]");
      Diags.Report(ID) << (!LO.CPlusPlus ? 0 : NoExceptions ? 1 : 2);
    }
    if (Enabled && NoExceptions) {
      // Only code generation sees exceptions enabled: the predefined macros
      // are already fixed, and parsing happens between the callbacks.
      EHSwitch.LO = &LO;
      Placer->setNoExceptionsTU(true);
      if (CGO.OptimizationRemark.patternMatches(abi::RemarkName)) {
        unsigned ID = Diags.getCustomDiagID(
            DiagnosticsEngine::Remark,
            "translation unit compiled without C++ exceptions: instrumented "
            "with unwind tables and cleanups, so interrupts unwind through it "
            "and run its destructors; try/throw stay disabled "
            "[-Rpass=safepoint]");
        Diags.Report(ID);
      }
      EHSwitch.on();
    }
  }

  // Codegen emits non-inline functions as each top-level declaration
  // arrives, so instrument them first; everything deferred (inline functions,
  // template instantiations) is covered again at the end of the TU.
  bool HandleTopLevelDecl(DeclGroupRef DG) override {
    EHSwitch.on();
    if (Enabled)
      for (Decl *D : DG)
        Placer->instrumentDecl(D);
    return true;
  }

  void HandleInlineFunctionDefinition(FunctionDecl *FD) override {
    EHSwitch.on();
    if (Enabled)
      Placer->instrumentDecl(FD);
  }

  void HandleCXXImplicitFunctionInstantiation(FunctionDecl *FD) override {
    EHSwitch.on();
    if (Enabled)
      Placer->instrumentDecl(FD);
  }

  void HandleTranslationUnit(ASTContext &Ctx) override {
    EHSwitch.on();
    if (Enabled) {
      Placer->setEndOfTU();
      Placer->instrumentDecl(Ctx.getTranslationUnitDecl());
    }
  }

  void InitializeSema(Sema &S) override {
    SemaRef = &S;
    if (Placer)
      Placer->setSema(&S);
  }
  void ForgetSema() override {
    SemaRef = nullptr;
    if (Placer)
      Placer->setSema(nullptr);
  }

  // Callbacks in which code generation may emit functions.
  void HandleInterestingDecl(DeclGroupRef) override { EHSwitch.on(); }
  void HandleTagDeclDefinition(TagDecl *) override { EHSwitch.on(); }
  void HandleTagDeclRequiredDefinition(const TagDecl *) override {
    EHSwitch.on();
  }
  void HandleCXXStaticMemberVarInstantiation(VarDecl *) override {
    EHSwitch.on();
  }
  void HandleVTable(CXXRecordDecl *) override { EHSwitch.on(); }
  void CompleteTentativeDefinition(VarDecl *) override { EHSwitch.on(); }

private:
  CompilerInstance &CI;
  Placement Where;
  std::unique_ptr<PollPlacer> Placer;
  Sema *SemaRef = nullptr;
  bool Enabled = false;
};

/// Runs after Clang's code generator in every callback and switches
/// exceptions off again before Sema and the parser continue.
class RestoreConsumer : public ASTConsumer {
public:
  void Initialize(ASTContext &) override { EHSwitch.off(); }
  bool HandleTopLevelDecl(DeclGroupRef) override {
    EHSwitch.off();
    return true;
  }
  void HandleInlineFunctionDefinition(FunctionDecl *) override {
    EHSwitch.off();
  }
  void HandleCXXImplicitFunctionInstantiation(FunctionDecl *) override {
    EHSwitch.off();
  }
  void HandleTranslationUnit(ASTContext &) override { EHSwitch.off(); }
  void HandleInterestingDecl(DeclGroupRef) override { EHSwitch.off(); }
  void HandleTagDeclDefinition(TagDecl *) override { EHSwitch.off(); }
  void HandleTagDeclRequiredDefinition(const TagDecl *) override {
    EHSwitch.off();
  }
  void HandleCXXStaticMemberVarInstantiation(VarDecl *) override {
    EHSwitch.off();
  }
  void HandleVTable(CXXRecordDecl *) override { EHSwitch.off(); }
  void CompleteTentativeDefinition(VarDecl *) override { EHSwitch.off(); }
};

class SafepointAction : public PluginASTAction {
protected:
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI,
                                                 llvm::StringRef) override {
    const CodeGenOptions &CG = CI.getCodeGenOpts();
    LTOMode LTO = CG.PrepareForThinLTO ? LTOMode::Thin
                  : CG.PrepareForLTO   ? LTOMode::Full
                                       : LTOMode::None;
    CI.getCodeGenOpts().PassBuilderCallbacks.push_back(
        [P = Where, LTO, LE = LocalExecTLS](llvm::PassBuilder &PB) {
          registerPasses(PB, /*FrontendMarked=*/true, P, LTO, LE);
        });
    return std::make_unique<SafepointConsumer>(CI, Where);
  }

  bool ParseArgs(const CompilerInstance &CI,
                 const std::vector<std::string> &Args) override {
    for (llvm::StringRef Arg : Args) {
      if (Arg == "skip-no-exceptions") {
        SkipNoExceptionsTUs = true;
        continue;
      }
      // -fplugin-arg-safepoint-placement=naive|default
      if (llvm::StringRef Value = Arg; Value.consume_front("placement="))
        if (std::optional<safepoint::Placement> P = parsePlacement(Value)) {
          Where = *P;
          continue;
        }
      // -fplugin-arg-safepoint-tls=local-exec|initial-exec
      if (Arg == "tls=local-exec" || Arg == "tls=initial-exec") {
        LocalExecTLS = Arg == "tls=local-exec";
        continue;
      }
      DiagnosticsEngine &Diags = CI.getDiagnostics();
      unsigned ID = Diags.getCustomDiagID(
          DiagnosticsEngine::Error,
          "safepoint: unknown plugin argument '%0' (expected "
          "placement=naive, placement=default, tls=local-exec, "
          "tls=initial-exec or skip-no-exceptions)");
      Diags.Report(ID) << Arg;
      return false;
    }
    // Local-exec TLS resolves at link time of an executable: code for a
    // shared object cannot use it.
    const LangOptions &LO = CI.getLangOpts();
    if (LocalExecTLS && LO.PICLevel != 0 && !LO.PIE) {
      DiagnosticsEngine &Diags = CI.getDiagnostics();
      Diags.Report(Diags.getCustomDiagID(
          DiagnosticsEngine::Error,
          "safepoint: tls=local-exec is for code linked into an executable "
          "with the static runtime, and this is -fPIC code (for a shared "
          "object); drop the option or compile with -fPIE"));
      return false;
    }
    return true;
  }

  // Run before code generation, automatically when loaded with -fplugin.
  ActionType getActionType() override { return AddBeforeMainAction; }

private:
  safepoint::Placement Where = safepoint::Placement::Default;
  bool LocalExecTLS = false;
};

class RestoreAction : public PluginASTAction {
protected:
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &,
                                                 llvm::StringRef) override {
    return std::make_unique<RestoreConsumer>();
  }
  bool ParseArgs(const CompilerInstance &,
                 const std::vector<std::string> &) override {
    return true;
  }
  ActionType getActionType() override { return AddAfterMainAction; }
};

} // namespace
} // namespace safepoint

static FrontendPluginRegistry::Add<safepoint::SafepointAction>
    X("safepoint", "interruptible threads: place polls at safepoints");
static FrontendPluginRegistry::Add<safepoint::RestoreAction>
    Y("safepoint-after-codegen",
      "interruptible threads: exception codegen for -fno-exceptions TUs");
